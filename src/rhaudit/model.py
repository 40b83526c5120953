"""Canonical data model: the one place where the tables' columns, types and codes are defined.

Every importer produces these tables and every rule, analytic and report reads them. The
columns are documented in docs/modele.md (generated from FIELDS below by
`python -m rhaudit.model`). Units are in the names where they matter (hours, amount, quotite
as a fraction of full time).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Field:
    name: str
    dtype: str  # pandas dtype name
    doc: str  # French description for the documentation


# --- payslips: one row per agent, month and establishment -----------------------------------
PAYSLIP_FIELDS: tuple[Field, ...] = (
    Field("matricule", "string", "Matricule de l'agent (identifiant de la paie)"),
    Field("year", "Int64", "Année de la paie"),
    Field("month", "Int64", "Mois de la paie (1 à 12)"),
    Field("establishment", "string", "Établissement (SIRET, ou nom à défaut)"),
    Field("budget", "string", "Code budget (00 principal, 99 multi-budget...)"),
    Field("statut", "string", "Statut PES : TITULAIRE, STAGIAIRE, NON_TITULAIRE, EMPLOI_FONC, EMPLOI_AIDE, AUTRE_STATUT"),
    Field("statut_code", "string", "Code de la nomenclature statutaire (RefNomenStatutaire)"),
    Field("categorie", "string", "Catégorie hiérarchique A, B ou C (déduite ou fournie)"),
    Field("population", "string", "Population : agent, elu, vacataire, assistante_maternelle, a_qualifier (sans grade ni indice, salaire fixe)"),
    Field("emploi", "string", "Emploi / métier (EmploiMetier)"),
    Field("grade", "string", "Grade"),
    Field("echelon", "string", "Échelon"),
    Field("indice", "Int64", "Indice majoré"),
    Field("nbi_points", "Float64", "Points de NBI (somme des éléments NBI)"),
    Field("quotite", "Float64", "Quotité déclarée (QuotiteTrav / 100 ; 1.0 = temps plein). Dans les fichiers PES c'est la quotité de rémunération : 80 % de temps partiel = 6/7 = 0,8571, 90 % = 32/35"),
    Field("work_quotite", "Float64", "Quotité de travail (fraction du temps plein travaillée), déduite de la quotité déclarée : 6/7 → 0,8 ; 32/35 → 0,9 ; sinon égale (rhaudit.quotite). Sert aux plafonds qui suivent le temps travaillé (25 h d'IHTS × quotité, jours de congé)"),
    Field("temps_non_complet", "boolean", "Poste à temps non complet (durée hebdomadaire du poste inférieure à 35 h), distinct du temps partiel : référentiel agents, libellé du grade ou de l'emploi, ou NbHeureTotal sous 151,67 h sans quotité de rémunération de temps partiel (rhaudit.quotite)"),
    Field("service", "string", "Service"),
    Field("hours_total", "Float64", "Nombre d'heures total (NbHeureTotal)"),
    Field("overtime_hours", "Float64", "Heures supplémentaires déclarées (NbHeureSup)"),
    Field("gross", "Float64", "Brut (MtBrut), EUR"),
    Field("gross_derived", "boolean", "Vrai quand le fichier ne donne pas MtBrut : le brut est alors la somme des lignes de rémunération (natures T, IR, S, AV, I, A, R) et le contrôle du brut ne peut pas le comparer ; vide si la source ne le dit pas"),
    Field("net", "Float64", "Net (MtNet), EUR"),
    Field("net_paid", "Float64", "Net à payer (MtNetAPayer), EUR"),
    Field("children", "Int64", "Nombre d'enfants (NbEnfants)"),
    Field("events", "string", "Événements de la période (codes et descriptions, séparés par ' | ')"),
    Field("period_start", "datetime64[ms]", "Début de la période payée"),
    Field("period_end", "datetime64[ms]", "Fin de la période payée"),
    Field("payment_date", "datetime64[ms]", "Date de paiement"),
    Field("source_file", "string", "Fichier source"),
    Field("source_line", "Int64", "Ligne du bulletin dans le fichier source"),
    Field("source_kind", "string", "Nature de la source : pes, dsn ou tableur"),
)

# --- pay lines: one row per line of a payslip ------------------------------------------------
PAY_LINE_FIELDS: tuple[Field, ...] = (
    Field("matricule", "string", "Matricule"),
    Field("year", "Int64", "Année de la paie"),
    Field("month", "Int64", "Mois de la paie"),
    Field("establishment", "string", "Établissement (clé du bulletin)"),
    Field("kind", "string", "Nature PES : T, IR, S, AV, I, A, D, AC, R, RE, C, CO"),
    Field("code", "string", "Code de la rubrique dans le logiciel de paie"),
    Field("label", "string", "Libellé de la rubrique"),
    Field("base", "Float64", "Base"),
    Field("rate", "Float64", "Taux (pour D, RE et C, positif même si le fichier écrit ses taux en négatif)"),
    Field("units", "Float64", "Nombre d'unités"),
    Field("amount", "Float64", "Montant, EUR. Pour les cotisations salariales (D), les retenues (RE) et les cotisations patronales (C), positif = retenu à l'agent ou payé par l'employeur, quel que soit le signe écrit par le logiciel de paie (la convention de chaque fichier est lue sur ses propres lignes, et inversée si elle est négative) ; un remboursement garde le signe opposé"),
    Field("ref_start", "datetime64[ms]", "Début de la période de référence (PeriodeRef)"),
    Field("ref_end", "datetime64[ms]", "Fin de la période de référence"),
    Field("caisse", "string", "Code caisse"),
    Field("category", "string", "Catégorie de rubrique (classification rhaudit, recalculée à chaque lecture avec les tables de codes en vigueur : rhaudit.enrich)"),
    Field("hours", "Float64", "Heures payées par la ligne, sur les lignes d'IHTS et d'heures complémentaires (vide ailleurs) : le nombre d'unités, sinon celui de la base ou du taux (base × taux = montant) qui est un nombre entier de quarts d'heure ou dont l'autre facteur est le plus proche du prix usuel de l'heure (rhaudit.enrich)"),
    Field("source_file", "string", "Fichier source"),
    Field("source_line", "Int64", "Ligne dans le fichier source"),
)

# --- absences: one row per absence -----------------------------------------------------------
ABSENCE_FIELDS: tuple[Field, ...] = (
    Field("matricule", "string", "Matricule"),
    Field("type", "string", "Type normalisé (voir ABSENCE_TYPES)"),
    Field("motive", "string", "Motif (ASA : motif ; sinon libellé d'origine)"),
    Field("start", "datetime64[ms]", "Premier jour"),
    Field("end", "datetime64[ms]", "Dernier jour (inclus)"),
    Field("days", "Float64", "Nombre de jours d'absence décomptés (demi-journées = 0,5)"),
    Field("hours", "Float64", "Nombre d'heures, lorsque la source le donne"),
    Field("source_label", "string", "Libellé d'origine"),
    Field("source_file", "string", "Fichier source"),
    Field("source_line", "Int64", "Ligne dans le fichier source"),
)

# --- agents reference (optional file), merged on matricule ---------------------------------
AGENT_FIELDS: tuple[Field, ...] = (
    Field("matricule", "string", "Matricule"),
    Field("birth_date", "datetime64[ms]", "Date de naissance"),
    Field("entry_date", "datetime64[ms]", "Date d'entrée dans la collectivité"),
    Field("cadre_emplois", "string", "Cadre d'emplois"),
    Field("filiere", "string", "Filière"),
    Field("categorie", "string", "Catégorie A/B/C (prime sur la catégorie déduite)"),
    Field("rifseep_group", "string", "Groupe de fonctions RIFSEEP"),
    Field("work_cycle", "string", "Cycle de travail (nom d'un cycle de la délibération)"),
    Field("post_weekly_hours", "Float64", "Durée hebdomadaire du poste en heures (35 = temps complet ; moins = temps non complet)"),
    Field("gender", "string", "Sexe (F/M), pour les indicateurs"),
)

# --- leave balances (optional file): one row per agent, leave year and type of leave --------
LEAVE_BALANCE_FIELDS: tuple[Field, ...] = (
    Field("matricule", "string", "Matricule"),
    Field("year", "Int64", "Année de congé (année au titre de laquelle les droits sont ouverts ; pour le CET, année du solde au 31/12)"),
    Field("type", "string", "Type de solde : conge_annuel, rtt ou cet (voir « Types de soldes de congés »)"),
    Field("days_entitled", "Float64", "Jours acquis au titre de l'année (droits ouverts ; pour le CET, jours épargnés dans l'année)"),
    Field("days_taken", "Float64", "Jours pris dans l'année (pour le CET, jours utilisés en congés)"),
    Field("days_carried_over", "Float64", "Jours reportés sur l'année suivante (hors versement au CET)"),
    Field("balance_days", "Float64", "Solde de clôture en jours ; pour le CET, solde du compte au 31 décembre"),
    Field("days_paid", "Float64", "Jours du CET indemnisés (monétisés) dans l'année, facultatif"),
    Field("source_file", "string", "Fichier source"),
    Field("source_line", "Int64", "Ligne dans le fichier source"),
)
LEAVE_BALANCE_TYPES: dict[str, str] = {
    "conge_annuel": "Congés annuels",
    "rtt": "Jours ARTT",
    "cet": "Compte épargne-temps",
}
# A balances file replaces the stored rows of the keys it covers (docs/import.md).
LEAVE_BALANCE_KEY = ["matricule", "year", "type"]

# --- nomenclature: the codes and labels a payroll program lists in its PES files -------------
NOMENCLATURE_FIELDS: tuple[Field, ...] = (
    Field("list", "string", "Liste du bloc Nomenclatures : rubrique, evenement, caisse, nature, budget, statut (ou le nom de l'élément d'origine)"),
    Field("code", "string", "Code (de la rubrique, de l'événement, de la caisse...)"),
    Field("label", "string", "Libellé donné par le logiciel de paie"),
    Field("kind", "string", "Nature PES de la rubrique (T, I, D, C...) : donnée par le bloc, sinon celle sous laquelle le code figure le plus souvent dans les lignes du même fichier ; vide sinon"),
    Field("caisse", "string", "Code caisse (CodeCaisse)"),
    Field("nature_employer", "string", "Code nature comptable de la part employeur (CodeNatureEmp)"),
    Field("nature_employee", "string", "Code nature comptable de la part salariale (CodeNatureSal)"),
    Field("year", "Int64", "Année de la paie du fichier"),
    Field("month", "Int64", "Mois de la paie du fichier"),
    Field("source_file", "string", "Fichier source"),
)

TABLES: dict[str, tuple[Field, ...]] = {
    "payslips": PAYSLIP_FIELDS,
    "pay_lines": PAY_LINE_FIELDS,
    "absences": ABSENCE_FIELDS,
    "agents": AGENT_FIELDS,
    "nomenclature": NOMENCLATURE_FIELDS,
    "leave_balances": LEAVE_BALANCE_FIELDS,
}

# Name columns, kept only with --keep-names (never NIR nor bank details: they are not read).
NAME_FIELDS: tuple[Field, ...] = (
    Field("nom", "string", "Nom (uniquement avec --keep-names)"),
    Field("prenom", "string", "Prénom (uniquement avec --keep-names)"),
)

# Key of a payslip; pay lines carry it too.
PAYSLIP_KEY = ["matricule", "year", "month", "establishment"]

# --- codes ---------------------------------------------------------------------------------
LINE_KINDS: dict[str, str] = {
    "TraitBrut": "T",
    "IndemResid": "IR",
    "SupFam": "S",
    "AvantageNature": "AV",
    "Indemnite": "I",
    "RemDivers": "A",
    "Deduction": "D",
    "Acompte": "AC",
    "Rappel": "R",
    "Retenue": "RE",
    "Cotisation": "C",
    "Commentaire": "CO",
}
# Kinds whose amounts make up the gross pay (MtBrut).
GROSS_KINDS = ("T", "IR", "S", "AV", "I", "A", "R")

STATUTS = ("TITULAIRE", "STAGIAIRE", "NON_TITULAIRE", "EMPLOI_FONC", "EMPLOI_AIDE", "AUTRE_STATUT")
CATEGORIES = ("A", "B", "C")
# a_qualifier: no grade, no indice and a fixed salary (private-law staff of a SPIC, contracts
# outside the grids): civil-service pay rules are not applied to them (STATUT-001).
POPULATIONS = ("agent", "elu", "vacataire", "assistante_maternelle", "a_qualifier")

ABSENCE_TYPES: dict[str, str] = {
    "conge_annuel": "Congé annuel",
    "rtt": "Jour ARTT",
    "cet": "Compte épargne-temps",
    "asa": "Autorisation spéciale d'absence",
    "cmo": "Congé de maladie ordinaire",
    "clm": "Congé de longue maladie",
    "cld": "Congé de longue durée",
    "cgm": "Congé de grave maladie",
    "accident_service": "Accident de service / du travail",
    "maladie_professionnelle": "Maladie professionnelle",
    "maternite": "Congé de maternité",
    "paternite": "Congé de paternité",
    "formation": "Formation",
    "greve": "Grève",
    "autre": "Autre absence",
}
# Groups of ABSENCE_TYPES, defined once for the importers, the rules and the analytics.
LONG_SICK_LEAVE_TYPES = ("clm", "cld", "cgm")  # congés de longue maladie, longue durée, grave maladie
WORK_INJURY_TYPES = ("accident_service", "maladie_professionnelle")
SICK_LEAVE_TYPES = ("cmo",) + LONG_SICK_LEAVE_TYPES + WORK_INJURY_TYPES
FAMILY_LEAVE_TYPES = ("maternite", "paternite")
# Counted in calendar days (every other type in working days).
CALENDAR_DAY_TYPES = SICK_LEAVE_TYPES + FAMILY_LEAVE_TYPES
# Absences during which the agent does not work (all but "autre", whose nature is unknown).
NOT_WORKING_TYPES = tuple(t for t in ABSENCE_TYPES if t != "autre")


def empty_frame(table: str, with_names: bool = False) -> pd.DataFrame:
    """An empty DataFrame with the canonical columns and types of `table`."""
    fields = TABLES[table] + (NAME_FIELDS if with_names and table == "payslips" else ())
    return pd.DataFrame({f.name: pd.Series(dtype=f.dtype) for f in fields})


def conform(df: pd.DataFrame, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Return `df` with exactly the canonical columns of `table` (or only `columns` of them), in
    order and typed.

    Missing columns are added empty; extra columns are dropped except the name columns.
    """
    fields = list(TABLES[table])
    if columns is not None:
        fields = [f for f in fields if f.name in columns]
    elif table == "payslips":
        fields += [f for f in NAME_FIELDS if f.name in df.columns]
    out = {}
    for f in fields:
        col = df[f.name] if f.name in df.columns else pd.Series(pd.NA, index=df.index)
        if f.dtype.startswith("datetime"):
            out[f.name] = pd.to_datetime(col, errors="coerce").astype(f.dtype)
        else:
            out[f.name] = col.astype(f.dtype)
    return pd.DataFrame(out, index=df.index, copy=False)  # no copy of every column (copy-on-write)


def markdown_doc() -> str:
    """The data model as Markdown (docs/modele.md)."""
    parts = ["# Modèle de données canonique\n", "Généré par `python -m rhaudit.model`.\n"]
    titles = {
        "payslips": "Bulletins (`payslips`) — une ligne par agent, mois et établissement",
        "pay_lines": "Lignes de paie (`pay_lines`) — une ligne par rubrique",
        "absences": "Absences (`absences`) — une ligne par absence",
        "agents": "Référentiel agents (`agents`, facultatif) — fusionné sur le matricule",
        "nomenclature": "Nomenclatures des fichiers PES (`nomenclature`) — une ligne par code listé par le logiciel de paie",
        "leave_balances": "Soldes de congés (`leave_balances`, facultatif) — une ligne par agent, année et type de solde",
    }
    for table, fields in TABLES.items():
        parts.append(f"\n## {titles[table]}\n\n| colonne | type | description |\n|---|---|---|")
        parts += [f"| `{f.name}` | {f.dtype} | {f.doc} |" for f in fields]
    parts.append("\n## Types d'absence normalisés\n\n| code | libellé |\n|---|---|")
    parts += [f"| `{k}` | {v} |" for k, v in ABSENCE_TYPES.items()]
    parts.append("\n## Types de soldes de congés\n\n| code | libellé |\n|---|---|")
    parts += [f"| `{k}` | {v} |" for k, v in LEAVE_BALANCE_TYPES.items()]
    parts.append("\n## Natures de lignes PES\n\n| élément | nature |\n|---|---|")
    parts += [f"| `{k}` | {v} |" for k, v in LINE_KINDS.items()]
    parts.append(WORKSPACE_LAYOUT_DOC)
    return "\n".join(parts) + "\n"


WORKSPACE_LAYOUT_DOC = """
## Lire les espaces de travail avec un autre outil (DuckDB, Spark, Polars)

Chaque table est un dossier de fichiers Parquet, un par fichier importé (nommé par les 16 premiers
caractères de son empreinte sha256) ; bulletins, lignes de paie et absences sont rangés par année
à la manière « hive » (`year=AAAA`), que DuckDB, Spark, Polars ou pyarrow lisent comme une partition :

```
ESPACE/payslips/year=2025/<empreinte>.parquet
ESPACE/pay_lines/year=2025/<empreinte>.parquet
ESPACE/absences/year=2025/<empreinte>.parquet   (année du début de l'absence)
ESPACE/agents/<empreinte>.parquet
ESPACE/leave_balances/<empreinte>.parquet
ESPACE/nomenclature/<empreinte>.parquet
ESPACE/import_log.json                          (fichiers importés, comptes, rejets)
```

L'établissement (SIRET) est la colonne `establishment`. Un espace de l'ancienne disposition
(`payslips/2025/`) est lu tel quel par rhaudit et converti au prochain `rhaudit import`.

Exemple : brut et effectifs par collectivité et par année sur un dossier d'espaces de travail
(`audits/commune_a`, `audits/commune_b`...), sans rhaudit :

```sql
-- duckdb
SELECT regexp_extract(filename, 'audits/([^/]+)/', 1) AS espace, year,
       count(DISTINCT matricule) AS agents, count(*) AS bulletins, round(sum(gross), 2) AS brut
FROM read_parquet('audits/*/payslips/*/*.parquet', hive_partitioning = true, filename = true)
GROUP BY ALL ORDER BY espace, year;
```

Les fichiers gardent tout ce qui a été importé : rhaudit écarte en plus, à la lecture, les
déclarations DSN remplacées (« annule et remplace ») et, pour le référentiel agents et les soldes
de congés, les lignes décrites à nouveau par un fichier importé plus tard ; pour ces deux cas, lire par rhaudit
(`rhaudit.workspace.Workspace.read`) ou reproduire ce filtre avec `import_log.json`.

Les colonnes dérivées (`category`, `hours` des lignes ; `population`, `categorie`,
`work_quotite`, `temps_non_complet` des bulletins) sont celles calculées à l'import : rhaudit les
recalcule à chaque lecture avec les tables de configs/ du moment. Chaque fichier du journal porte
`derived_with`, l'empreinte des tables (rubriques, grades, paramètres) qui les ont calculées ;
`rhaudit info` signale les fichiers dont l'empreinte n'est plus celle des tables actuelles
(réimporter avec `--replace` met les colonnes stockées à jour)."""


if __name__ == "__main__":
    print(markdown_doc(), end="")


# --- pay-line categories (rubric classification, see classify.py and configs/rubriques/) -----
PAY_CATEGORIES: dict[str, str] = {
    "traitement": "Traitement indiciaire (y compris demi-traitement, temps partiel) ou salaire de base d'un contrat hors grille (contrat aidé payé au SMIC)",
    "nbi": "Nouvelle bonification indiciaire",
    "indemnite_residence": "Indemnité de résidence",
    "sft": "Supplément familial de traitement",
    "ifse": "IFSE (RIFSEEP)",
    "cia": "CIA (RIFSEEP)",
    "iat": "Indemnité d'administration et de technicité",
    "ifts": "Indemnité forfaitaire pour travaux supplémentaires",
    "iemp": "Indemnité d'exercice de missions des préfectures",
    "pfr": "Prime de fonctions et de résultats",
    "iss": "Indemnité spécifique de service",
    "psr": "Prime de service et de rendement",
    "idiis": "Indemnité pour travaux dangereux, insalubres, incommodes ou salissants",
    "ismf": "Indemnité spéciale mensuelle de fonctions (police municipale)",
    "prime_fin_annee": "Prime de fin d'année / 13e mois (avantage collectivement acquis, loi 84-53 art. 111)",
    "autre_prime": "Autre prime ou indemnité",
    "deduction_ri": "Déduction du régime indemnitaire (absence, maladie), déduite du brut",
    "ihts_14": "IHTS, 14 premières heures",
    "ihts_15": "IHTS, au-delà de 14 heures",
    "ihts_nuit": "IHTS de nuit",
    "ihts_dimanche_ferie": "IHTS de dimanche ou jour férié",
    "ihts": "IHTS (palier non précisé)",
    "heures_complementaires": "Heures complémentaires (temps non complet, temps partiel)",
    "astreinte": "Astreinte, permanence, intervention",
    "avantage_nature": "Avantage en nature",
    "gipa": "Garantie individuelle du pouvoir d'achat",
    "indemnite_conges": "Indemnité compensatrice de congés payés",
    "indemnite_differentielle": "Indemnité différentielle (SMIC)",
    "indemnite_compensatrice_csg": "Indemnité compensatrice de la hausse de la CSG (décret 2017-1889)",
    "vacations": "Vacations (rémunération à l'acte)",
    "carence": "Retenue pour jour de carence",
    "retenue_absence": "Retenue pour absence (service non fait, grève, jours non rémunérés, maladie), déduite du brut",
    "ijss_deduction": "IJSS déduites du brut (subrogation, maintien de salaire)",
    "remuneration_autre": "Autre élément de rémunération",
    "cot_sal_cnracl": "Cotisation salariale CNRACL",
    "cot_sal_rafp": "Cotisation salariale RAFP",
    "cot_sal_ircantec": "Cotisation salariale IRCANTEC",
    "cot_sal_urssaf": "Cotisation salariale sécurité sociale (URSSAF)",
    "cot_sal_csg_crds": "CSG et CRDS",
    "cot_sal_chomage": "Contribution chômage / solidarité",
    "cot_sal_autre": "Autre cotisation salariale",
    "reduction_cot_hs": "Réduction ou exonération de cotisations salariales sur heures supplémentaires",
    "cot_pat_cnracl": "Cotisation patronale CNRACL",
    "cot_pat_rafp": "Cotisation patronale RAFP",
    "cot_pat_ircantec": "Cotisation patronale IRCANTEC",
    "cot_pat_urssaf": "Cotisation patronale sécurité sociale (URSSAF)",
    "cot_pat_autre": "Autre cotisation patronale (CNFPT, CDG, FNAL, versement mobilité...)",
    "part_pat_pcs": "Participation de l'employeur à la protection sociale complémentaire (mutuelle, prévoyance)",
    "forfait_social": "Forfait social, taxe sur la prévoyance (à la charge de l'employeur)",
    "retenue": "Retenue sur net (mutuelle, saisie, titres-restaurant...)",
    "ijss_nette": "IJSS nettes reversées à l'agent (subrogation), hors brut, ajoutées au net",
    "remboursement_frais": "Remboursement de frais (mission, transport, stationnement), hors brut",
    "hors_brut": "Autre élément hors brut ajouté au net",
    "acompte": "Acompte",
    "marqueur": "Ligne de titre ou de total sans montant",
    "information": "Ligne d'information (montant nul, ex. nombre de points)",
    "commentaire": "Commentaire",
    "non_classe": "Non classée",
}
# Régime indemnitaire (bonuses subject to a délibération and to the parity ceilings).
RI_CATEGORIES = ("ifse", "cia", "iat", "ifts", "iemp", "pfr", "iss", "psr", "idiis", "ismf", "autre_prime")
# What the agent really received of the régime indemnitaire: the bonuses less their deductions.
RI_NET_CATEGORIES = RI_CATEGORIES + ("deduction_ri",)
IHTS_CATEGORIES = ("ihts_14", "ihts_15", "ihts_nuit", "ihts_dimanche_ferie", "ihts")
# Older regimes exclusive of the RIFSEEP (décret 2014-513).
LEGACY_EXCLUSIVE_OF_RIFSEEP = ("iat", "ifts", "iemp", "pfr", "iss", "psr")

# Role of each category in the payslip identities (reconcile.py, rules QUAL-001 and QUAL-005):
#   brut            part of the gross pay (MtBrut);
#   deduction_brut  absence and régime indemnitaire deductions: netted inside MtBrut by most
#                   programs, after it by others (both conventions are accepted);
#   nature          benefit in kind: its value (Mt, or Base when Mt is 0) is in the gross, not
#                   paid in cash, so taken off again for the net;
#   salarial        employee contribution: gross - salarial = net before retenues;
#   retenue         deduction from the net (mutual insurance, garnishment...);
#   hors_brut       paid with the net, outside the gross (net IJSS, expense refunds);
#   patronal        employer charge: in neither the gross nor the net;
#   sans_montant    titles, information lines, comments, advances (not in MtNet).
# An unclassified line takes the role of its PES kind (KIND_ROLE).
CATEGORY_ROLES: dict[str, str] = {
    **{c: "brut" for c in PAY_CATEGORIES},
    **{c: "deduction_brut" for c in ("carence", "retenue_absence", "deduction_ri", "ijss_deduction")},
    "avantage_nature": "nature",
    **{c: "salarial" for c in PAY_CATEGORIES if c.startswith("cot_sal_")},
    "reduction_cot_hs": "salarial",
    "retenue": "retenue",
    **{c: "hors_brut" for c in ("ijss_nette", "remboursement_frais", "hors_brut")},
    **{c: "patronal" for c in PAY_CATEGORIES if c.startswith("cot_pat_")},
    "part_pat_pcs": "patronal",
    "forfait_social": "patronal",
    **{c: "sans_montant" for c in ("acompte", "marqueur", "information", "commentaire")},
    "non_classe": "selon_nature",
}
KIND_ROLE: dict[str, str] = {
    **{k: "brut" for k in GROSS_KINDS}, "D": "salarial", "RE": "retenue", "C": "patronal",
    "AC": "sans_montant", "CO": "sans_montant",
}
# The other side of a withheld line (employee <-> employer) and the other place of a line
# paid outside or inside the gross: what the payslip identities may decide for a rubric the
# label alone leaves open (classify.resolve_with_identities).
SIDE_COUNTERPART: dict[str, str] = {
    **{f"cot_sal_{f}": f"cot_pat_{f}" for f in ("cnracl", "rafp", "ircantec", "urssaf", "autre")},
    **{f"cot_pat_{f}": f"cot_sal_{f}" for f in ("cnracl", "rafp", "ircantec", "urssaf", "autre")},
    "cot_sal_chomage": "cot_pat_autre",
    "reduction_cot_hs": "cot_pat_urssaf",
    "retenue": "part_pat_pcs",
    "part_pat_pcs": "retenue",
}
GROSS_COUNTERPART: dict[str, str] = {
    "ijss_nette": "ijss_deduction",
    "ijss_deduction": "ijss_nette",
    "remboursement_frais": "remuneration_autre",
    "hors_brut": "remuneration_autre",
}
