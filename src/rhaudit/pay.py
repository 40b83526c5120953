"""Pay formulas shared by the rules and the demo generator (one place, dated parameters).

All amounts in EUR; `when` is a date, an ISO string or (year, month); quotite is a fraction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .params import ParameterError, Parameters, as_date


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
    return ihts_rate_from_annual(annual, residence_rate, divisor)


def ihts_rate_from_annual(annual_indiciaire, residence_rate, divisor):
    """IHTS hourly base from the annual full-time traitement (NBI included): × (1 + rate of the
    indemnité de résidence) / `ihts.diviseur_horaire_annuel` (décret 2002-60 art. 7). Scalars or
    arrays (one value per agent-month)."""
    return annual_indiciaire * (1 + residence_rate) / divisor


def ihts_amount(hourly_base, hours, first_tier_hours, k_first, k_next, night_hours=0.0, night=1.0,
                sunday_hours=0.0, sunday=1.0, already_paid_hours=0.0):
    """IHTS due for `hours` of a month (décret 2002-60 art. 7 and 8), scalars or arrays: the hours
    up to `first_tier_hours` of the month, after `already_paid_hours`, at × `k_first`, the
    following at × `k_next`; night hours (× `night`) and Sunday or holiday hours (× `sunday`) get
    their extra on top, counted at the higher tier (the most that can be due whatever the order of
    the hours in the month). The factors are the caller's, read from configs/parametres/ihts.yaml
    (seuil_premier_palier_heures, majoration_14_premieres, majoration_suivantes, majoration_nuit,
    majoration_dimanche_ferie) on the month paid."""
    first = np.minimum(hours, np.maximum(first_tier_hours - already_paid_hours, 0.0))
    return hourly_base * (first * k_first + (hours - first) * k_next + night_hours * (night - 1) * k_next
                          + sunday_hours * (sunday - 1) * k_next)


def ihts_day_amount(params: Parameters, hourly_base: float, hours: float, when, already_paid_hours: float = 0.0) -> float:
    """Amount due for `hours` of daytime weekday overtime in a month, after `already_paid_hours`:
    ihts_amount with the tiers in force on `when` (décret 2002-60 art. 7)."""
    return float(ihts_amount(hourly_base, hours, float(params.value("ihts.seuil_premier_palier_heures", when)),
                             float(params.value("ihts.majoration_14_premieres", when)),
                             float(params.value("ihts.majoration_suivantes", when)),
                             already_paid_hours=already_paid_hours))


def sft_monthly(
    params: Parameters, children: int, indice: float, when, quotite: float = 1.0, temps_non_complet: bool = False,
    nbi_points: float = 0.0,
) -> float:
    """Monthly SFT due (décret 85-1148 art. 10 bis), 0 without a child.

    Fixed part + rate × traitement of the indice majoré plus the NBI points (the NBI counts in the
    traitement: loi 91-73 art. 27, décret 93-863 art. 1), bounded by the floor and ceiling indices.
    Part time (`quotite` = pay fraction, e.g. 6/7 at 80 %): prorated but never below the
    full-time amount at the floor index (loi 84-53 du 26 janvier 1984, art. 60); temps non
    complet: plainly prorated (décret 85-730 art. 8 and 10).
    """
    day = as_date(when)
    due = sft_due(params, pd.Series([children]), pd.Series([indice]), pd.Series([day.year]), pd.Series([day.month]),
                  pd.Series([quotite]), temps_non_complet, pd.Series([nbi_points]))
    return float(due[0])


def sft_due(params: Parameters, children, indice, years, months, fraction, temps_non_complet: bool = False,
            nbi_points=None):
    """sft_monthly over aligned Series (one row per payslip), parameters looked up once per month.

    `nbi_points` (None: no NBI) is added to the indice before the floor and ceiling bounds.
    """
    keys = pd.DataFrame({"y": years.to_numpy(), "m": months.to_numpy()}).astype("int64")
    distinct, inverse = np.unique(keys["y"].to_numpy() * 100 + keys["m"].to_numpy(), return_inverse=True)
    inverse = inverse.reshape(-1)
    parts = ("1", "2", "3", "par_enfant_supplementaire")
    fixed_by_month, rate_by_month, bounds = [], [], []
    for key in distinct:
        when = (int(key // 100), int(key % 100))
        fixed_by_month.append([float(params.value("sft.element_fixe_mensuel", when)[k]) for k in parts])
        rate_by_month.append([float(params.value("sft.element_proportionnel_taux", when)[k]) for k in parts])
        bounds.append((float(params.value("sft.indice_plancher", when)), float(params.value("sft.indice_plafond", when)),
                       point_value_annual(params, when) / 12))
    fixed_by_month = np.array(fixed_by_month, dtype=float).reshape(-1, 4)[inverse]
    rate_by_month = np.array(rate_by_month, dtype=float).reshape(-1, 4)[inverse]
    floor, ceiling, point_month = np.array(bounds, dtype=float).reshape(-1, 3)[inverse].T
    n = np.nan_to_num(np.asarray(children, dtype=float)).astype(int)
    base = np.clip(n, 0, 3)
    extra = np.maximum(0, n - 3)
    rows = np.arange(len(n))
    column = np.maximum(base - 1, 0)  # the 1, 2 or 3 children part (unused without a child)
    fixed = np.where(base == 0, 0.0, fixed_by_month[rows, column] + extra * fixed_by_month[:, 3])
    rate = np.where(base == 0, 0.0, rate_by_month[rows, column] + extra * rate_by_month[:, 3])
    points = np.asarray(indice, dtype=float)
    if nbi_points is not None:
        points = points + np.nan_to_num(np.asarray(nbi_points, dtype=float))
    bounded = np.clip(points, floor, ceiling)
    full_time = fixed + rate * bounded * point_month
    frac = np.minimum(np.asarray(fraction, dtype=float), 1.0)
    prorated = full_time * frac
    if not temps_non_complet:
        prorated = np.maximum(prorated, fixed + rate * floor * point_month)
    return np.where(frac >= 1.0, full_time, prorated)


def cmo_pay_rates(params: Parameters, days, granted=None) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct days, fraction of the traitement paid on each) of one agent's congé de
    maladie ordinaire.

    `days`: the agent's CMO days (any order, duplicates allowed); `granted`: for each of them, the
    first day of the stop it belongs to (default: the day itself). A day is paid at the
    first-period rate (`carence.cmo_taux_traitement_premiere_periode`: 100 %, 90 % for a CMO
    granted from 2025-03-01, read on the stop's first day: a stop begun on 27 February 2025 stays
    at full pay) while the agent's CMO days over the 12 months ending that day do not exceed
    `carence.cmo_jours_premiere_periode` (90), at the second-period rate (50 %) beyond
    (CGFP L.822-3 ; loi 84-53, art. 57, 2° ; loi 2025-127, art. 189). A day covered by two stops
    keeps the earliest. The carence day is left to the carence rules.
    """
    every = np.asarray(days, dtype="datetime64[D]")
    _, d, rates = cmo_pay_rates_by_agent(params, np.zeros(every.size, dtype="int64"), every, granted)
    return d, rates


def cmo_pay_rates_by_agent(params: Parameters, agents, days, granted=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """cmo_pay_rates of many agents at once: (agent, day, rate), one row per distinct (agent, day),
    sorted by agent (in order of first appearance) then day.

    `agents`, `days` and `granted` are aligned (one row per CMO day of an agent). The rolling count
    of CMO days is taken within each agent; each parameter is read once per distinct date.
    """
    agents = np.asarray(agents)
    every = np.asarray(days, dtype="datetime64[D]")
    grants = every if granted is None else np.asarray(granted, dtype="datetime64[D]")
    codes, uniques = pd.factorize(agents)  # in order of first appearance
    order = np.lexsort((grants, every, codes))  # by agent, day, then earliest grant first
    codes, every, grants = codes[order], every[order], grants[order]
    first = np.ones(every.size, dtype=bool)  # first row of each (agent, day): the earliest grant
    first[1:] = (every[1:] != every[:-1]) | (codes[1:] != codes[:-1])
    codes, d, g = codes[first], every[first], grants[first]
    if d.size == 0:
        return agents[:0], d, np.array([], dtype=float)
    # One sorted key per (agent, day), each agent's days in a band wider than a year, so that
    # "the same agent's days of the 365 ending on this one" is one searchsorted.
    day_num = d.astype("int64")
    band = int(day_num.max() - day_num.min()) + 366
    key = codes.astype("int64") * band + (day_num - day_num.min())
    start = np.searchsorted(key, key - 364, side="left")
    rank = np.arange(d.size) - start + 1  # CMO days of the agent in the rolling year ending on each day
    limit = param_by_date(params, "carence.cmo_jours_premiere_periode", d)
    first_rate = param_by_date(params, "carence.cmo_taux_traitement_premiere_periode", g)
    second_rate = param_by_date(params, "carence.cmo_taux_traitement_seconde_periode", d)
    return uniques[codes], d, np.where(rank <= limit, first_rate, second_rate)


def param_by_date(params: Parameters, name: str, dates: np.ndarray) -> np.ndarray:
    """Numeric parameter `name` in force on each date (datetime64[D]), looked up once per distinct date."""
    distinct, inverse = np.unique(dates, return_inverse=True)
    values = np.array([float(params.value(name, day)) for day in distinct.astype(object)], dtype=float)
    return values[inverse.reshape(-1)]


def line_hours(lines, usual_price=None):
    """Hours carried by pay lines (IHTS, heures complémentaires) as a float Series.

    Payroll software put the hours in `units` (NbUnite), in `base`, or in `rate` with the hourly
    price in `base` (base × rate = amount). Order: `units` when non-zero; else, when base × rate
    gives the amount, the factor that is a whole number of quarter hours when only one is, else
    the one whose complement (the price) is closest to `usual_price` (per line, e.g. the
    first-tier IHTS rate), or `rate` if the price is unknown and `base` has cents; else `base`.
    """
    units = lines["units"].astype("Float64").astype(float)
    base = lines["base"].astype("Float64").astype(float)
    rate = lines["rate"].astype("Float64").astype(float)
    amount = lines["amount"].astype("Float64").astype(float).abs()
    with np.errstate(invalid="ignore", divide="ignore"):
        product = np.abs(base * rate)
        priced = (base != 0) & (rate != 0) & (np.abs(product - amount) <= 0.02 + 0.001 * amount)
        if usual_price is not None:
            target = np.asarray(usual_price, dtype=float)
            # price = base (hours in rate) vs price = rate (hours in base): closer in ratio wins
            rate_is_hours = np.abs(np.log(np.abs(base) / target)) <= np.abs(np.log(np.abs(rate) / target))
            rate_is_hours = np.where(np.isnan(target) | (target <= 0), np.round(base, 0) != base, rate_is_hours)
        else:
            rate_is_hours = np.round(base, 0) != base
        # Hours are counted in quarters of an hour, prices in cents: when exactly one factor is a
        # whole number of quarters, it is the hours.
        q_base, q_rate = _quarters(base), _quarters(rate)
        rate_is_hours = np.where(q_rate & ~q_base, True, np.where(q_base & ~q_rate, False, rate_is_hours))
    hours = np.where(priced & rate_is_hours, rate, base)
    hours = np.where(units.notna() & (units != 0), units, hours)
    return pd.Series(np.nan_to_num(hours), index=lines.index, dtype=float)


def _quarters(x):
    """Whether each value is a whole number of quarter hours (2.0, 10.5, 46.25)."""
    with np.errstate(invalid="ignore"):
        return np.isclose(x * 4, np.round(x * 4), atol=1e-6) & ~np.isnan(x)


# --- vectorised helpers over canonical frames (rules and demo) -----------------------------------


def param_by_month(params: Parameters, name: str, years, months, missing_ok: bool = False):
    """Numeric parameter `name` in force on the first day of each (year, month) pair, as a Series.

    Looks each distinct month up once, so it stays cheap on a year of 10,000 agents; NaN where
    the year or month is missing, and with `missing_ok` where no value is in force that month
    (otherwise ParameterError).
    """
    y = pd.Series(years).astype("Int64").fillna(0).to_numpy(dtype="int64")
    m = pd.Series(months).astype("Int64").fillna(0).to_numpy(dtype="int64")
    distinct, inverse = np.unique(y * 100 + m, return_inverse=True)

    def value(key: int) -> float:
        if not key % 100:
            return np.nan
        try:
            return float(params.value(name, (int(key // 100), int(key % 100))))
        except ParameterError:
            if missing_ok:
                return np.nan
            raise

    values = np.array([value(k) for k in distinct], dtype=float)
    return pd.Series(values[inverse] if len(y) else np.array([], dtype=float),
                     index=years.index if isinstance(years, pd.Series) else None, dtype=float)


def back_pay_mask(lines):
    """True for back-pay lines: kind R, or a reference period starting in another month."""
    ref = lines["ref_start"]
    other_month = ref.notna() & ((ref.dt.year != lines["year"]) | (ref.dt.month != lines["month"]))
    return (lines["kind"].fillna("") == "R") | other_month.fillna(False)


def attach_period(lines, back_pay=None):
    """Copy of `lines` with `period_year`/`period_month`: the month a line pays.

    Back pay is reattached to the month of its reference period (ref_start); a back-pay line
    without a reference period stays on its payment month. `back_pay`: back_pay_mask(lines),
    when the caller has it already.
    """
    out = lines.copy()
    ref = out["ref_start"]
    use_ref = (back_pay_mask(out) if back_pay is None else back_pay) & ref.notna()
    out["period_year"] = out["year"].where(~use_ref, ref.dt.year).astype("Int64")
    out["period_month"] = out["month"].where(~use_ref, ref.dt.month).astype("Int64")
    return out


def paid_fraction(params: Parameters, traitement_paid, indice, years, months):
    """Fraction of the full-time monthly traitement actually paid (quotité, half pay, partial month).

    traitement paid / (indice × annual point value / 12), NaN when the indice is unknown. NBI and
    SFT follow the traitement, so this is the fraction their expected amounts are scaled by.
    """
    point = param_by_month(params, "point_indice.valeur_annuelle", years, months)
    full = indice.astype(float).to_numpy() * point.to_numpy() / 12
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(full > 0, traitement_paid.astype(float).to_numpy() / full, np.nan)
    return frac
