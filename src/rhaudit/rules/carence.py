"""Jour de carence: rule CARENCE-001.

Each ordinary sick leave (CMO) starting on a date where the parameter carence.jours is positive
(2012-2013, then from 2018-01-01) must be followed by a carence deduction (pay-line category
"carence") in the payroll of its month or the next one, unless it is a prolongation of the
previous CMO or carries one of the legal exceptions (carence.exceptions, matched on the absence
motive).
"""

from __future__ import annotations

from ..absence_chains import chain_ids
from ..pay import param_by_date
from . import RuleContext, rule
from ._absences import (CARENCE_BASE, absence_evidence, absences_of, as_date, checked_years, mentions, monthly_base,
                        next_month, slip_attributes)
from ._paie import eur, lines_of, month_label, num


@rule("CARENCE-001", "Congé de maladie ordinaire sans retenue du jour de carence", "irregularite",
      "Loi 2017-1837 du 30 décembre 2017, art. 115 ; loi 2011-1977 du 28 décembre 2011, art. 105 (2012-2013)",
      requires=("absences",))
def carence_not_withheld(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque congé de maladie ordinaire d'un agent (hors élus) qui
    commence à une date où le jour de carence s'applique (paramètre daté carence.jours : 2012-2013,
    puis depuis le 1er janvier 2018), la paie du mois du début de l'arrêt ou du mois suivant porte
    une retenue de carence. Ne sont pas concernés : la prolongation d'un arrêt et le nouvel arrêt après
    une reprise d'au plus 48 heures (début au plus carence.delai_prolongation_jours, 3 jours, après
    la fin du précédent) et les exceptions légales (liste
    configurable carence.exceptions : mots cherchés dans le motif et le libellé de l'absence, par
    exemple « CMO - ALD » ou « Maladie ordinaire (grossesse) »). Le montant en jeu est ce qui n'a pas été retenu : jours de carence × (traitement + NBI
    + régime indemnitaire mensuel du mois du début) / 30.

    Pourquoi : la retenue est obligatoire (1/30 de la rémunération par jour) ; son oubli est un
    constat fréquent des chambres régionales des comptes. Limite : deux arrêts commencés le même
    mois et une seule retenue ne sont pas distingués.

    Texte : loi 2017-1837, art. 115 ; loi 61-825, art. 4 (trentième).

    Exemple : CMO du 10 au 14 mars 2025, traitement 1 900 EUR, NBI 50 EUR, IFSE 450 EUR en mars, aucune
    retenue de carence en mars ni en avril → (1 900 + 50 + 450) / 30 = 80 EUR en jeu. Même arrêt avec
    une retenue en avril, ou nouvel arrêt après un précédent finissant le 7 mars (reprise de 48 h) → rien.
    """
    cmo = absences_of(ctx, ["cmo"])
    years = set(checked_years(ctx))
    if cmo.empty or not years:
        return []
    cmo["chain"] = chain_ids(cmo, ["matricule"],
                             gap_days=int(ctx.params.value("carence.delai_prolongation_jours", as_date(cmo["start"].min()))))
    first = cmo.sort_values("start").drop_duplicates("chain")
    first = first[first["start"].dt.year.isin(years)]
    slips = slip_attributes(ctx)
    staff = slips[slips["population"].astype("string").fillna("agent").eq("agent")]
    carence = lines_of(ctx, ["carence"], with_slip=False)
    withheld = _keys(map(str, carence["matricule"].tolist()), carence["year"], carence["month"])
    withheld |= _keys(map(str, carence["matricule"].tolist()), carence["period_year"], carence["period_month"])
    # Payslips of the agents on CMO only: a set of every payslip's key would cost more than the rule.
    staff = staff[staff["matricule"].isin(first["matricule"].unique())]
    paid = _keys(staff["matricule"].tolist(), staff["year"], staff["month"])
    # Parameters once per distinct start date, exception words once per distinct label.
    starts = first["start"].to_numpy(dtype="datetime64[D]")
    carence_days = param_by_date(ctx.params, "carence.jours", starts)
    exceptions, exempt_cache = {}, {}
    due, unpaid = [], 0
    for r, days in zip(first.itertuples(index=False), carence_days.tolist()):
        day = as_date(r.start)
        if days <= 0:
            continue
        if day not in exceptions:
            exceptions[day] = tuple(ctx.params.value("carence.exceptions", day))
        exempt = (f"{r.motive} {r.source_label}", exceptions[day])
        if exempt not in exempt_cache:
            exempt_cache[exempt] = mentions(*exempt)
        if exempt_cache[exempt]:
            continue
        key = (r.matricule, day.year, day.month)
        nxt = (r.matricule, *next_month(day.year, day.month))
        if key not in paid:
            unpaid += 1
            continue
        if key in withheld or nxt in withheld:
            continue
        due.append((r, day, days, key))
    ctx.skipped(unpaid, "congés de maladie ordinaire", "aucun bulletin d'agent le mois du début de l'arrêt")
    if not due:
        return []
    # The month's pay base of the agents found only (grouping every agent's lines would cost more).
    base = monthly_base(ctx, CARENCE_BASE, matricules={key[0] for *_, key in due})
    base = base.set_index(["matricule", "year", "month"])["base"]
    out = []
    for r, day, days, key in due:
        monthly = float(base.get(key, 0.0))
        divisor = float(ctx.params.value("carence.diviseur_journalier", day))
        amount = days * monthly / divisor
        out.append(ctx.finding(
            matricule=r.matricule, year=day.year, month=day.month, amount=amount,
            evidence=absence_evidence(r),
            message=(f"L'agent {r.matricule} est en congé de maladie ordinaire à partir du {day:%d/%m/%Y} ; aucune "
                     f"retenue de carence n'apparaît dans la paie de {month_label(day.year, day.month)} ni du mois suivant. "
                     f"Non retenu : {num(days)} j × {eur(monthly)} (traitement, NBI et régime indemnitaire du mois) / "
                     f"{num(divisor)} = {eur(amount)} (loi 2017-1837, art. 115)."),
        ))
    return out


def _keys(matricules, years, months) -> set[tuple[str, int, int]]:
    """{(matricule, year, month)} of aligned columns, read as lists (iterating pandas is slow)."""
    return set(zip(matricules, years.astype(int).tolist(), months.astype(int).tolist()))
