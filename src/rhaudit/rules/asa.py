"""Special absence authorisations (ASA): rules ASA-001 to ASA-003.

The délibération's grid (ctx.deliberation.asa: motive, days, per event or per year) is compared
with the dated reference grid (configs/parametres/asa.yaml: the State grid, reference of the
parity principle where no territorial text applies), and the ASA taken (absences of type "asa",
their motive normalised by the import profile) with the délibération's grid. Days of an ASA are
the record's `days` (working days counted at import).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from . import RuleContext, rule
from ._absences import absence_evidence, absences_of, checked_years, daily_hours
from ._paie import eur, num


def _grid(ctx: RuleContext) -> dict[str, tuple[float, str]]:
    """Délibération grid: motive -> (days, "event" | "year" | None: as the reference)."""
    grants = getattr(ctx.deliberation, "asa", None) or []
    return {g.motive: (float(g.days), g.per) for g in grants}


def _reference(ctx: RuleContext, when) -> tuple[dict[str, tuple[float, str]], str]:
    r = ctx.params.resolve("asa.grille_reference", when)
    grid = {}
    for motive, v in r.value.items():
        if isinstance(v, dict):
            grid[motive] = (float(v["jours"]), "year" if v.get("par") == "annee" else "event")
        else:
            grid[motive] = (float(v), "event")
    return grid, f"{r.source} (en vigueur depuis le {r.since:%d/%m/%Y})"


def _per(motive: str, local_per: str | None, ref: dict) -> str:
    return local_per or (ref[motive][1] if motive in ref else "event")


def _taken(ctx: RuleContext, year: int) -> pd.DataFrame:
    """ASA records starting in `year`."""
    ab = absences_of(ctx, ["asa"])
    return ab[ab["start"].dt.year == year]


def _events(ab: pd.DataFrame, per_year: set[str]) -> pd.DataFrame:
    """One row per event: each record, except the per-year motives summed per agent and year."""
    ab = ab.assign(days=ab["days"].astype(float).fillna(0.0))
    single = ab[~ab["motive_key"].isin(per_year)]
    yearly = ab[ab["motive_key"].isin(per_year)]
    if not yearly.empty:
        yearly = yearly.groupby(["matricule", "motive_key"], as_index=False).agg(
            days=("days", "sum"), start=("start", "min"), source_line=("source_line", "first"),
            source_file=("source_file", "first"))
    return pd.concat([single, yearly], ignore_index=True)


@rule("ASA-001", "Grille d'ASA de la délibération plus favorable que la grille de référence", "alerte",
      "CGFP L.622-1 [loi 84-53, art. 59] ; principe de parité avec l'État ; grille de l'État "
      "(instruction du 23 mars 1950, circulaire FP 1475 du 20 juillet 1982)", requires=("deliberation.asa",))
def grid_vs_reference(ctx: RuleContext):
    """Ce que la règle vérifie : motif par motif, la grille d'autorisations spéciales d'absence de
    la délibération est comparée à la grille de référence datée (configs/parametres/asa.yaml) : motifs
    absents de la référence (motifs supplémentaires) et durées plus longues. Le constat donne, par
    agent, le total théorique de jours de la grille locale et de la référence (un événement de chaque
    motif, le contingent annuel pour la garde d'enfant malade) et l'écart ; puis les jours
    effectivement pris au-delà de la référence dans l'année (par événement, ou par an pour un
    contingent annuel), en heures (7 h par jour), en ETP (÷ 1 607 h) et en euros si la délibération
    donne un coût d'ETP (working_time.etp_cost). Un constat par année contrôlée.

    Pourquoi : aucun décret n'encadre encore les ASA pour événements familiaux dans la fonction
    publique territoriale (CGFP art. L622-1 y renvoie) ; la grille de l'État sert de référence au titre
    de la parité, et les chambres régionales des comptes relèvent les grilles plus généreuses et leur
    coût. Seul le décès d'un enfant est fixé par la loi pour les trois fonctions publiques (CGFP
    art. L622-2, depuis le 1er juillet 2020).

    Texte : CGFP art. L622-1 et L622-2 ; instruction du 23 mars 1950 ; circulaire FP 1475 du 20 juillet 1982.

    Exemple : mariage de l'agent 7 jours dans la délibération, 5 dans la référence : +2 jours par
    agent ; un agent a pris 7 jours pour son mariage : 2 jours × 7 h = 14 h au-delà de la référence.
    Une grille identique à la référence → rien.
    """
    grid = _grid(ctx)
    if not grid:
        return []
    out = []
    for year in checked_years(ctx):
        when = dt.date(year, 12, 31)
        ref, source = _reference(ctx, when)
        extra = sorted(m for m in grid if m not in ref)
        longer = sorted(m for m in grid if m in ref and grid[m][0] > ref[m][0])
        if not extra and not longer:
            continue
        local_total = sum(d for d, _ in grid.values())
        ref_total = sum(ref[m][0] for m in grid if m in ref)
        diff = sum(grid[m][0] for m in extra) + sum(grid[m][0] - ref[m][0] for m in longer)
        over = {m: (ref[m][0] if m in ref else 0.0) for m in extra + longer}
        per_year = {m for m in over if _per(m, grid[m][1], ref) == "year"}
        ev = _events(_taken(ctx, year), per_year)
        ev = ev[ev["motive_key"].isin(list(over))]
        excess_days = float((ev["days"] - ev["motive_key"].map(over)).clip(lower=0).sum()) if len(ev) else 0.0
        hours = excess_days * daily_hours(ctx, when)
        legal = float(ctx.params.value("temps_travail.duree_annuelle_heures", when))
        etp = hours / legal
        wt = getattr(ctx.deliberation, "working_time", None)
        cost = ctx.options.get("etp_cost") or (wt.etp_cost if wt else None)
        amount = etp * cost if cost else None
        decisions = {g.decision for g in ctx.deliberation.asa if g.motive in over and g.decision}
        cited = [d for d in (ctx.deliberation.decision(i) for i in sorted(decisions)) if d]
        lines = [f"« {m} » {num(grid[m][0])} j (absent de la référence)" for m in extra]
        lines += [f"« {m} » {num(grid[m][0])} j au lieu de {num(ref[m][0])} j" for m in longer]
        out.append(ctx.finding(
            year=year, hours=hours, amount=amount,
            message=("La grille d'ASA de la délibération"
                     + "".join(f" {d.id} du {d.date:%d/%m/%Y}" for d in cited)
                     + f" dépasse la grille de référence : {' ; '.join(lines)}. "
                     f"Total théorique par agent (un événement de chaque motif) : {num(local_total)} j contre "
                     f"{num(ref_total)} j pour les mêmes motifs dans la référence, soit {num(diff)} j de plus. "
                     f"En {year}, {num(excess_days)} j ont été pris au-delà de la référence, soit {num(hours)} h, "
                     f"{num(etp, 3)} ETP" + (f", {eur(amount)}." if amount is not None else " (coût d'un ETP non renseigné).")
                     + f" Référence : {source}."),
        ))
    return out


@rule("ASA-002", "ASA prise au-delà de la durée prévue par la délibération", "irregularite",
      "CGFP L.622-1 [loi 84-53, art. 59] ; délibération fixant les autorisations spéciales d'absence",
      requires=("deliberation.asa", "absences"))
def beyond_grid(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque ASA dont le motif figure dans la grille de la
    délibération, les jours pris pour un événement (un enregistrement) ne dépassent pas la durée de
    la grille ; pour un contingent annuel (garde d'enfant malade), les jours de l'année de l'agent ne
    dépassent pas le contingent. L'excédent est chiffré en heures (7 h par jour).

    Pourquoi : au-delà de la durée délibérée, l'absence n'a pas de base : elle relève d'un congé
    annuel ou d'une absence non rémunérée.

    Texte : CGFP art. L622-1 ; délibération de la collectivité.

    Exemple : naissance 3 jours dans la grille ; 5 jours pris → 2 jours, 14 h ; 3 jours → rien.
    Garde d'enfant malade 6 jours par an ; 4 + 4 jours dans l'année → 2 jours au-delà.
    """
    grid = _grid(ctx)
    if not grid:
        return []
    out = []
    for year in checked_years(ctx):
        ref, _ = _reference(ctx, dt.date(year, 12, 31))
        per_year = {m for m, (_, per) in grid.items() if _per(m, per, ref) == "year"}
        ev = _events(_taken(ctx, year), per_year)
        ev = ev[ev["motive_key"].isin(list(grid))]
        ev = ev.assign(allowed=ev["motive_key"].map({m: d for m, (d, _) in grid.items()}))
        ev = ev[ev["days"] > ev["allowed"] + 1e-9]
        for r in ev.itertuples(index=False):
            excess = r.days - r.allowed
            per = "dans l'année" if r.motive_key in per_year else f"pour l'événement du {r.start:%d/%m/%Y}"
            out.append(ctx.finding(
                matricule=r.matricule, year=year, month=None if r.motive_key in per_year else r.start.month,
                hours=excess * daily_hours(ctx, r.start),
                evidence=[] if r.motive_key in per_year else absence_evidence(r),
                message=(f"L'agent {r.matricule} a pris {num(r.days)} j d'ASA « {r.motive_key} » {per} ; la délibération "
                         f"en prévoit {num(r.allowed)}. Excédent : {num(excess)} j."),
            ))
    return out


@rule("ASA-003", "ASA accordée pour un motif absent de la délibération", "alerte",
      "CGFP L.622-1 [loi 84-53, art. 59] ; délibération fixant les autorisations spéciales d'absence",
      requires=("deliberation", "absences"))
def motive_not_in_grid(ctx: RuleContext):
    """Ce que la règle vérifie : chaque ASA porte un motif de la grille de la délibération, ou un
    motif qui a sa propre base légale (paramètre asa.motifs_hors_grille : droit syndical, mandat
    électif, juré d'assises...). Un ASA sans motif reconnu (motif « autre ») est aussi signalé.

    Pourquoi : une autorisation d'absence sans base délibérée est une absence irrégulièrement
    rémunérée ; les heures sont perdues au regard des 1 607 h.

    Texte : CGFP art. L622-1 ; décret 85-397 (droit syndical) pour les motifs hors grille.

    Exemple : « ASA déménagement » 1 jour alors que la grille n'a pas ce motif → 7 h ; « ASA
    mariage » avec une grille qui le prévoit → rien.
    """
    grid = _grid(ctx)
    if ctx.deliberation is None:
        return []
    out = []
    for year in checked_years(ctx):
        own_basis = set(ctx.params.value("asa.motifs_hors_grille", dt.date(year, 12, 31)))
        ab = _taken(ctx, year)
        ab = ab[~ab["motive_key"].isin(list(grid) + list(own_basis))]
        for r in ab.itertuples(index=False):
            days = float(r.days) if pd.notna(r.days) else 0.0
            out.append(ctx.finding(
                matricule=r.matricule, year=year, month=r.start.month, hours=days * daily_hours(ctx, r.start),
                evidence=absence_evidence(r),
                message=(f"L'agent {r.matricule} a bénéficié d'une ASA « {r.motive_key or r.source_label} » de "
                         f"{num(days)} j le {r.start:%d/%m/%Y} ; ce motif ne figure pas dans la grille de la délibération "
                         f"(motifs prévus : {', '.join(sorted(grid)) or 'aucun'})."),
            ))
    return out
