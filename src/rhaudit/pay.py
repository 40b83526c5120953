"""Pay formulas shared by the rules and the demo generator (one place, dated parameters).

All amounts in EUR; `when` is a date, an ISO string or (year, month); quotite is a fraction.
"""

from __future__ import annotations

from .params import Parameters


def point_value_annual(params: Parameters, when) -> float:
    """Annual value of one point of indice majoré in force on `when`."""
    return float(params.value("point_indice.valeur_annuelle", when))


def traitement_monthly(params: Parameters, indice: float, when, quotite: float = 1.0) -> float:
    """Monthly gross traitement: IM × annual point value / 12 × quotité (décret 85-1148 art. 3)."""
    return indice * point_value_annual(params, when) / 12 * quotite


def nbi_monthly(params: Parameters, points: float, when, quotite: float = 1.0) -> float:
    """Monthly NBI: points × annual point value / 12 × quotité (décret 2006-779; loi 91-73 art. 27)."""
    return points * point_value_annual(params, when) / 12 * quotite


def ihts_hourly_base(params: Parameters, indice: float, nbi_points: float, residence_rate: float, when) -> float:
    """IHTS hourly base: (annual full-time traitement incl. NBI + indemnité de résidence) / 1,820.

    Décret 2002-60 art. 7. `residence_rate` is the indemnité de résidence rate (0, 0.01, 0.03).
    """
    annual = (indice + nbi_points) * point_value_annual(params, when)
    divisor = float(params.value("ihts.diviseur_horaire_annuel", when))
    return annual * (1 + residence_rate) / divisor


def ihts_day_amount(params: Parameters, hourly_base: float, hours: float, when, already_paid_hours: float = 0.0) -> float:
    """Amount due for `hours` of daytime weekday overtime in a month, after `already_paid_hours`.

    The first 14 hours of the month at × 1.25, the following at × 1.27 (décret 2002-60 art. 7).
    """
    tier = float(params.value("ihts.seuil_premier_palier_heures", when))
    first = max(0.0, min(hours, tier - already_paid_hours))
    rest = hours - first
    return hourly_base * (
        first * float(params.value("ihts.majoration_14_premieres", when))
        + rest * float(params.value("ihts.majoration_suivantes", when))
    )
