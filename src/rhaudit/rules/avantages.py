"""Benefits in kind declared by the délibérations: rule AVN-001."""

from __future__ import annotations

import pandas as pd

from ..findings import Evidence
from . import RuleContext, rule
from ._paie import lines_of

NATURE_LABELS = {"logement": "logement", "vehicule": "véhicule", "repas": "repas", "autre": "avantage"}


@rule("AVN-001", "Avantage en nature délibéré sans ligne sur le bulletin", "irregularite",
      "Code de la sécurité sociale, L.242-1 ; arrêté du 10 décembre 2002 ; loi 90-1067 du 28 novembre 1990, art. 21",
      requires=("deliberation.benefits_in_kind",))
def benefit_not_on_payslip(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque avantage en nature accordé par délibération
    (`benefits_in_kind` : logement pour nécessité absolue de service, véhicule, repas), les
    bulletins de l'agent depuis la date d'attribution portent une ligne d'avantage en nature.

    Pourquoi : un avantage en nature est un élément de rémunération soumis à cotisations et à
    l'impôt ; absent du bulletin, il échappe aux cotisations (redressement URSSAF possible).

    Texte : code de la sécurité sociale, L.242-1 ; arrêté du 10 décembre 2002.

    Exemple : logement accordé au gardien depuis le 1er janvier, 12 bulletins sans ligne
    d'avantage en nature → un constat pour l'année, 12 mois ; une ligne chaque mois → rien.
    Le montant n'est pas connu (évaluation forfaitaire à faire).
    """
    delib = ctx.deliberation
    grants = pd.DataFrame([{"matricule": b.matricule, "nature": b.nature,
                            "since": pd.Timestamp(b.since) if b.since else pd.Timestamp.min} for b in delib.benefits_in_kind])
    ps = ctx.payslips
    slips = ps.loc[ps["matricule"].isin(grants["matricule"]).to_numpy(), ["matricule", "year", "month", "source_file", "source_line"]]
    slips = slips.drop_duplicates(["matricule", "year", "month"]).merge(grants, on="matricule")
    if slips.empty:
        return []
    first_day = pd.to_datetime(dict(year=slips["year"].astype(int), month=slips["month"].astype(int), day=1))
    slips = slips[(first_day + pd.offsets.MonthEnd(0)).to_numpy() >= slips["since"].to_numpy()]
    av = lines_of(ctx, ("avantage_nature",), with_slip=False)
    pl = ctx.pay_lines
    av_kind = pl[(pl["kind"].fillna("") == "AV").to_numpy() & pl["matricule"].isin(grants["matricule"]).to_numpy()]
    with_av = pd.concat([av[["matricule", "year", "month"]], av_kind[["matricule", "year", "month"]]]).drop_duplicates()
    missing = slips.merge(with_av.assign(has=True), on=["matricule", "year", "month"], how="left")
    missing = missing[missing["has"].isna()]
    per = missing.groupby(["matricule", "year", "nature"], as_index=False).agg(
        months=("month", "nunique"), first=("month", "min"), last=("month", "max"))
    # Evidence: the payslips that lack the line (there is no pay line to point at).
    evidence = {
        key: [Evidence(file=str(s.source_file) if pd.notna(s.source_file) else None,
                       position=int(s.source_line) if pd.notna(s.source_line) else None,
                       period=f"{int(s.year):04d}-{int(s.month):02d}") for s in g.itertuples(index=False)]
        for key, g in missing.groupby(["matricule", "year", "nature"])
    }
    return [
        ctx.finding(
            matricule=r.matricule, year=r.year, evidence=evidence[(r.matricule, r.year, r.nature)],
            message=(f"La délibération accorde un avantage en nature ({NATURE_LABELS[r.nature]}) à l'agent "
                     f"{r.matricule}, mais {r.months} bulletin(s) de {int(r.year)} (mois {int(r.first):02d} à "
                     f"{int(r.last):02d}) ne portent aucune ligne d'avantage en nature : l'avantage doit figurer "
                     f"sur le bulletin et supporter les cotisations (code de la sécurité sociale, L.242-1)."),
        )
        for r in per.itertuples(index=False)
    ]
