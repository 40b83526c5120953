"""Payslip identities: the gross and the net the lines give, by category (model.CATEGORY_ROLES).

    gross (MtBrut) = pay lines + benefits in kind valued in Mt
                     [+ absence and régime indemnitaire deductions, when the program nets
                        them inside the gross]
                     [+ benefits in kind valued in Base with Mt 0, when the program counts them]
    net (MtNet)    = pay lines + deductions - employee contributions - retenues
                     + items paid outside the gross (net IJSS, expense refunds)

The net does not depend on the two optional conventions of the gross (a benefit in kind is in
the gross and taken off again for the net; a deduction is taken off either way). Amounts of
withheld lines (D, RE, C) count positive when withheld: a genuine refund, written negative,
adds to the net.

Used by rules QUAL-001 and QUAL-005 and by `resolve_with_identities`, which lets the
identities decide what a label leaves open (the side of a contribution, the place of net IJSS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .model import CATEGORY_ROLES, GROSS_COUNTERPART, KIND_ROLE, PAYSLIP_KEY, SIDE_COUNTERPART

SLIP = PAYSLIP_KEY + ["source_file"]  # the same payslip in two files is two payslips here
ROLES = ("brut", "deduction_brut", "nature", "salarial", "retenue", "hors_brut", "patronal", "sans_montant")
# (deductions netted inside the gross, in-kind values carried in Base counted in the gross)
CONVENTIONS = ((True, True), (True, False), (False, True), (False, False))
CONVENTION_LABELS = {
    (True, True): "déductions d'absence dans le brut, avantages en nature évalués en base dans le brut",
    (True, False): "déductions d'absence dans le brut, avantages en nature évalués en base hors du brut",
    (False, True): "déductions d'absence après le brut, avantages en nature évalués en base dans le brut",
    (False, False): "déductions d'absence après le brut, avantages en nature évalués en base hors du brut",
}
# Payslips read from a DSN (payslips.source_kind): their net is the DSN's net fiscal
# (S21.G00.50.002), not a PES MtNet, and has no identity with the lines.
DSN_SOURCE_KIND = "dsn"
MAX_CANDIDATES = 24  # lines whose place is searched on one payslip (2 x 2^12 subset sums)
MAX_SEARCHED = 2000  # unbalanced payslips searched per pass: enough votes for any rubric


def line_roles(lines: pd.DataFrame, categories=None) -> np.ndarray:
    """Role of every line (model.CATEGORY_ROLES); an unclassified line takes its kind's role."""
    return _ROLE_NAMES[_role_codes(lines["category"] if categories is None else categories, lines["kind"])]


_ROLE_NAMES = np.array(ROLES, dtype=object)
_ROLE_INDEX = {r: i for i, r in enumerate(ROLES)}


def _role_of(category, kind) -> int:
    """Index in ROLES of the role of one (category, kind): the category's, else the kind's."""
    role = CATEGORY_ROLES.get(category) if isinstance(category, str) else None
    if role is None or role == "selon_nature":
        role = KIND_ROLE.get(kind if isinstance(kind, str) else "")
    return _ROLE_INDEX[role or "sans_montant"]


def _role_codes(categories, kinds) -> np.ndarray:
    """Index in ROLES of every line's role, decided once per distinct (category, kind) pair."""
    cats = categories if isinstance(categories, pd.Series) else np.asarray(categories, dtype=object)
    cat_codes, cat_values = pd.factorize(cats)
    kind_codes, kind_values = pd.factorize(kinds)
    cat_values, kind_values = [None, *cat_values], [None, *kind_values]  # code -1 (missing) -> None
    width = len(kind_values)
    pair_of_line, pairs = pd.factorize((cat_codes.astype(np.int64) + 1) * width + kind_codes + 1)
    roles = np.array([_role_of(cat_values[p // width], kind_values[p % width]) for p in pairs], dtype=np.int8)
    return roles[pair_of_line]


@dataclass
class _Lines:
    """Lines attached to their payslip (slip number), with amounts in cents."""
    slip: np.ndarray  # payslip number of each kept line
    rows: np.ndarray  # position of each kept line in the original frame
    cents: np.ndarray
    base_cents: np.ndarray
    n_slips: int
    net_comparable: np.ndarray  # per payslip: its net is a PES MtNet (not a DSN net fiscal)


def _attach(payslips: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, _Lines]:
    """Payslips (one row per SLIP key: a payslip written twice in one file is summed, its lines
    being indistinguishable, as rule QUAL-002 reports) and the lines attached to them."""
    slips = payslips.assign(gross_derived=_derived(payslips), _from_dsn=_from_dsn(payslips))
    if slips.duplicated(SLIP).any():
        groups = slips.groupby(SLIP, sort=False, dropna=False)
        # Vectorised sums (a Python lambda per group costs seconds on a year of payslips).
        slips = groups[["gross", "net"]].sum(min_count=1).join(groups.agg(
            source_line=("source_line", "min"), gross_derived=("gross_derived", "any"),
            _from_dsn=("_from_dsn", "any"))).reset_index()
    slips = slips.reset_index(drop=True)
    slip_keys, line_keys = _key_numbers(slips, lines)
    number_of_key = np.full(max(slip_keys.max(initial=-1), line_keys.max(initial=-1)) + 1, -1, dtype=np.int64)
    number_of_key[slip_keys] = np.arange(len(slips))
    slip = number_of_key[line_keys]  # -1: no payslip
    kept = slip >= 0
    amount = _cents(lines["amount"]) / 100
    base = _cents(lines["base"]) / 100 if "base" in lines.columns else np.zeros(len(lines))
    amount, base = np.nan_to_num(amount), np.nan_to_num(base)
    slip = slip[kept]
    comparable = ~slips["_from_dsn"].to_numpy(dtype=bool)
    return slips, _Lines(slip, np.flatnonzero(kept), np.round(amount[kept] * 100).astype(np.int64),
                         np.round(base[kept] * 100).astype(np.int64), len(slips), comparable)


def _from_dsn(payslips: pd.DataFrame) -> np.ndarray:
    if "source_kind" not in payslips.columns:
        return np.zeros(len(payslips), dtype=bool)
    return payslips["source_kind"].astype("string").eq(DSN_SOURCE_KIND).fillna(False).to_numpy(dtype=bool)


def _key_column(df: pd.DataFrame, col: str) -> pd.Series:
    """A SLIP column with one type on both sides of a join."""
    return df[col].astype("string") if col in ("matricule", "establishment", "source_file") else df[col].astype("Int64")


def _key_numbers(*frames: pd.DataFrame) -> list[np.ndarray]:
    """A number per row of each frame, equal for rows of equal SLIP keys (a missing value equals a
    missing value, as in a merge). Each column is factorised over the frames together and the
    codes combined, renumbered after each column to stay small: much faster than a merge on five
    columns of a million lines."""
    lengths = [len(f) for f in frames]
    combined = np.zeros(sum(lengths), dtype=np.int64)
    for col in SLIP:
        codes, values = pd.factorize(pd.concat([_key_column(f, col) for f in frames], ignore_index=True))
        combined = pd.factorize(combined * (len(values) + 1) + codes + 1)[0]
    return np.split(combined, np.cumsum(lengths)[:-1])


def _sums(att: _Lines, roles: np.ndarray) -> dict[str, np.ndarray]:
    """Per payslip, cents by role (`roles`: index in ROLES of each line's role); `nature` split
    in Mt values and Base values (Mt 0)."""
    n = att.n_slips
    by_role = np.bincount(roles.astype(np.int64) * n + att.slip, weights=att.cents, minlength=len(ROLES) * n)
    out = dict(zip(ROLES, by_role.reshape(len(ROLES), n)))
    in_base = (roles == _ROLE_INDEX["nature"]) & (att.cents == 0)
    out["nature_base"] = np.bincount(att.slip[in_base], weights=att.base_cents[in_base], minlength=n)
    return {k: np.round(v).astype(np.int64) for k, v in out.items()}


def _gross_of(s: dict, convention) -> np.ndarray:
    deductions_in, base_in = convention
    return s["brut"] + s["nature"] + (s["deduction_brut"] if deductions_in else 0) + (s["nature_base"] if base_in else 0)


def _net_of_lines(s: dict) -> np.ndarray:
    return s["brut"] + s["deduction_brut"] - s["salarial"] - s["retenue"] + s["hors_brut"]


def _net_of_gross(s: dict, gross: np.ndarray, convention) -> np.ndarray:
    """The net MtBrut gives once the lines outside it are applied (gross taken as declared)."""
    deductions_in, base_in = convention
    return (gross + (0 if deductions_in else s["deduction_brut"]) - s["nature"] - (s["nature_base"] if base_in else 0)
            - s["salarial"] - s["retenue"] + s["hors_brut"])


def _cents(series: pd.Series) -> np.ndarray:
    return np.round(pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan) * 100)


def _derived(slips: pd.DataFrame) -> np.ndarray:
    derived = slips["gross"].isna().to_numpy().copy()
    if "gross_derived" in slips.columns:  # gross computed from the lines at import (no MtBrut)
        derived |= slips["gross_derived"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return derived


def payslip_identities(payslips: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """One row per payslip (SLIP columns, source_line, gross, net, gross_derived) with:
    `lines_gross` the gross of its lines under the convention that fits MtBrut best, `gross_gap`
    MtBrut minus it, `convention` its French wording; `net_from_lines` the net of the lines and
    `net_gap` MtNet minus it; `net_gap_from_gross` MtNet minus the net MtBrut gives (the smallest
    over the conventions: zero when only the gross is wrong). Amounts in EUR."""
    slips, att = _attach(payslips, lines)
    s = _sums(att, _role_codes(lines["category"], lines["kind"])[att.rows])
    gross, net = _cents(slips["gross"]), _cents(slips["net"])
    out = slips[[c for c in SLIP + ["source_line", "gross", "net"] if c in slips.columns]].copy()
    out["gross_derived"] = slips["gross_derived"].to_numpy(dtype=bool)
    options = np.stack([_gross_of(s, c) for c in CONVENTIONS])  # conventions x payslips
    gaps = gross[None, :] - options
    best = np.argmin(np.where(np.isnan(gaps), np.inf, np.abs(gaps)), axis=0)
    pick = options[best, np.arange(len(slips))]
    out["lines_gross"] = pick / 100
    out["gross_gap"] = (gross - pick) / 100
    out["convention"] = np.array([CONVENTION_LABELS[c] for c in CONVENTIONS], dtype=object)[best].tolist()
    net = np.where(att.net_comparable, net, np.nan)  # a DSN net fiscal is not compared
    out["net_from_lines"] = _net_of_lines(s) / 100
    out["net_gap"] = (net - _net_of_lines(s)) / 100
    from_gross = np.stack([net - _net_of_gross(s, gross, c) for c in CONVENTIONS])
    smallest = np.argmin(np.where(np.isnan(from_gross), np.inf, np.abs(from_gross)), axis=0)
    out["net_gap_from_gross"] = from_gross[smallest, np.arange(len(slips))] / 100
    return out


# --- letting the identities decide -------------------------------------------------------------
def _subset_sums(values: np.ndarray) -> np.ndarray:
    """Sums of every subset of `values`; bit j of a sum's index says whether values[j] is in."""
    sums = np.zeros(1, dtype=np.int64)
    for v in values:
        sums = np.concatenate([sums, sums + v])
    return sums


def subsets_reaching(values: np.ndarray, target: int, tolerance: int = 0, limit: int = 64) -> list[np.ndarray]:
    """Non-empty subsets of `values` (integer cents) whose sum is within `tolerance` of `target`,
    as boolean masks (at most `limit`). Meet in the middle: 2 x 2^(n/2) sums instead of 2^n."""
    n = len(values)
    half = n // 2
    left, right = _subset_sums(values[:half]), _subset_sums(values[half:])
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    found = []
    for t in sorted(range(-tolerance, tolerance + 1), key=abs):
        need = target + t - left
        lo, hi = np.searchsorted(ordered, need, "left"), np.searchsorted(ordered, need, "right")
        for i in np.flatnonzero(hi > lo):
            for j in order[lo[i]:hi[i]]:
                if i == 0 and j == 0:
                    continue
                found.append(np.array([(i >> b) & 1 for b in range(half)] + [(int(j) >> b) & 1 for b in range(n - half)],
                                      dtype=bool))
                if len(found) >= limit:
                    return found
    return found


def unique_move(values: np.ndarray, target: int) -> np.ndarray | None:
    """The one set of lines whose move balances a payslip: an exact solution if there is one,
    else one within a cent (a rounding, or a one-cent line elsewhere); among several, the
    only one moving the fewest lines. None when there is none or no single best."""
    for tolerance in (0, 1):
        found = subsets_reaching(values, target, tolerance)
        if found:
            sizes = np.array([m.sum() for m in found])
            best = [m for m, size in zip(found, sizes) if size == sizes.min()]
            return best[0] if len(best) == 1 and len(found) < 64 else None
    return None


def _vote(att: _Lines, rubric: np.ndarray, candidate: np.ndarray, residuals: list[np.ndarray],
          deltas: list[np.ndarray], valid: np.ndarray, n_rubrics: int):
    """Per rubric: (flip votes, keep votes from balanced payslips, keep votes from solved ones).

    A payslip balanced under one of the `residuals` (one per convention) keeps its candidate
    rubrics. An unbalanced one is searched: when exactly one set of its candidate lines,
    moved to their other place (`deltas`: what each move does to each residual), balances it,
    those rubrics get a flip vote and its other candidates a keep vote. Payslips not `valid`
    (no MtNet, or no MtBrut for the gross) give no vote."""
    flips = np.zeros(n_rubrics, dtype=np.int64)
    kept_balanced = np.zeros(n_rubrics, dtype=np.int64)
    kept = np.zeros(n_rubrics, dtype=np.int64)
    balanced = np.any(np.stack([np.abs(r) <= 1 for r in residuals]), axis=0) & valid
    cand_lines = np.flatnonzero(candidate & (att.cents != 0))
    in_balanced = cand_lines[balanced[att.slip[cand_lines]]]
    np.add.at(kept_balanced, rubric[in_balanced], 1)
    open_lines = cand_lines[~balanced[att.slip[cand_lines]] & valid[att.slip[cand_lines]]]
    if open_lines.size == 0:
        return flips, kept_balanced, kept
    by_slip = pd.Series(open_lines).groupby(att.slip[open_lines]).indices
    for n, (slip, positions) in enumerate(by_slip.items()):
        if n >= MAX_SEARCHED:
            break
        idx = open_lines[positions]
        if len(idx) > MAX_CANDIDATES:
            continue
        solutions = {}
        for res, d in zip(residuals, deltas):
            mask = unique_move(d[idx], -int(res[slip])) if np.any(d[idx] != 0) else None
            if mask is not None:
                solutions[mask.tobytes()] = mask
        if len(solutions) != 1:  # none, or different moves under different conventions
            continue
        (mask,) = solutions.values()
        np.add.at(flips, rubric[idx[mask]], 1)
        np.add.at(kept, rubric[idx[~mask]], 1)
    return flips, kept_balanced, kept


def resolve_with_identities(lines: pd.DataFrame, payslips: pd.DataFrame, categories: np.ndarray,
                            from_table: np.ndarray, rubric_of_line: np.ndarray, passes: int = 3) -> np.ndarray:
    """Categories of the distinct rubrics, corrected by the payslip identities.

    Only rubrics the label classified (not a code table) and whose category has another side
    (model.SIDE_COUNTERPART: employee or employer) or another place (GROSS_COUNTERPART: inside
    or outside the gross) are open. A rubric moves to its counterpart when more payslips are
    balanced by moving it than are balanced with it where it is. Passes repeat while rubrics
    move: a payslip with many open lines becomes solvable once the others are settled.
    """
    categories = categories.copy()
    if "net" not in payslips.columns:
        return categories
    slips, att = _attach(payslips, lines)
    if att.rows.size == 0:
        return categories
    rubric = rubric_of_line[att.rows]
    net, gross = _cents(slips["net"]), _cents(slips["gross"])
    net = np.where(att.net_comparable, net, np.nan)
    has_net, has_gross = ~np.isnan(net), ~np.isnan(gross) & ~slips["gross_derived"].to_numpy(dtype=bool)
    settled = from_table.copy()
    # Every line of a rubric has its kind, code and label: they are read on one line per rubric
    # (its first attached line), and roles are decided per rubric then spread to the lines.
    n = len(categories)
    first = np.full(n, -1, dtype=np.int64)
    first[rubric[::-1]] = att.rows[::-1]  # reversed: the first line is written last
    attached = np.flatnonzero(first >= 0)
    attached = attached[np.argsort(first[attached], kind="stable")]  # in the order of their first line
    sample = lines.iloc[first[attached]]
    text = {c: sample[c].astype("string").fillna("").to_numpy(dtype=object) for c in ("kind", "code", "label")}
    rubric_kind = np.full(n, "", dtype=object)
    rubric_kind[attached] = text["kind"]
    # Votes are counted per (kind, code, label): the side of a rubric does not depend on the sign
    # of its amount (a recall is negative one month, positive the next). Groups are numbered in
    # the order of their first line; a rubric without attached line counts in group 0.
    group = np.zeros(n, dtype=np.int64)
    group[attached] = pd.factorize(np.array(["\x1f".join(t) for t in zip(text["kind"], text["code"], text["label"])],
                                            dtype=object))[0]
    rates = lines["rate"].iloc[att.rows] if "rate" in lines.columns else None
    _side_by_rate(rates, categories, settled, rubric, group, rubric_kind)
    line_group = group[rubric]
    sign_of_role = np.array([1 if r in ("salarial", "retenue") else -1 if r == "patronal" else 0 for r in ROLES])
    for _ in range(passes):
        roles = _role_codes(categories, rubric_kind)[rubric]
        s = _sums(att, roles)
        moved = False
        # side of withheld lines: the net of the lines
        side_open = np.array([c in SIDE_COUNTERPART and not _confirmed_by_kind(c, k)
                              for c, k in zip(categories, rubric_kind)]) & ~settled
        cand = side_open[rubric]
        sign = sign_of_role[roles]
        residual = np.nan_to_num(net - _net_of_lines(s)) * -1  # lines' net minus MtNet
        side = _vote(att, line_group, cand, [np.where(has_net, residual, 0)], [sign * att.cents], has_net, n)
        moved |= _apply(categories, settled, side, SIDE_COUNTERPART, group)
        # place of IJSS and refunds: the gross, under each convention
        place_open = np.array([c in GROSS_COUNTERPART for c in categories]) & ~settled
        cand = place_open[rubric]
        if cand.any() and has_gross.any():
            residuals, deltas = [], []
            other = np.array([GROSS_COUNTERPART.get(c, c) for c in categories], dtype=object)
            roles_after = _role_codes(other, rubric_kind)[rubric]
            for conv in CONVENTIONS:
                inside, inside_after = _inside(roles, conv), _inside(roles_after, conv)
                residuals.append(np.where(has_gross, np.nan_to_num(gross - _gross_of(s, conv)), 0).astype(np.int64))
                deltas.append((inside.astype(int) - inside_after.astype(int)) * att.cents)
            place = _vote(att, line_group, cand, residuals, deltas, has_gross, n)
            moved |= _apply(categories, settled, place, GROSS_COUNTERPART, group)
        if not moved:
            break
    return categories


def _side_by_rate(rates: pd.Series | None, categories: np.ndarray, settled: np.ndarray, rubric: np.ndarray,
                  group: np.ndarray, rubric_kind: np.ndarray) -> None:
    """A recall or a retenue carries the rate of the contribution it belongs to: an open rubric
    whose rates are all rates of confirmed employer lines of its counterpart category (and of no
    confirmed employee line of its own), or the reverse, takes that side and is settled. `rates`:
    the rate of each attached line (None when the table has no rate)."""
    if rates is None:
        return
    rate = pd.to_numeric(rates, errors="coerce").abs().round(3).to_numpy(dtype=float, na_value=np.nan)
    pairs = pd.DataFrame({"rubric": rubric, "rate": rate})
    pairs = pairs[pairs["rate"] > 0].drop_duplicates()
    rates_of = pairs.groupby("rubric")["rate"].agg(frozenset)  # distinct rates of each rubric
    confirmed = np.array([_confirmed_by_kind(c, k) for c, k in zip(categories, rubric_kind)])
    known: dict[str, set] = {}
    for r, rates in rates_of.items():
        if confirmed[r]:
            known.setdefault(categories[r], set()).update(rates)
    open_rubric = np.array([c in SIDE_COUNTERPART for c in categories]) & ~confirmed & ~settled
    group_rates: dict[int, set] = {}
    for r in np.flatnonzero(open_rubric):
        group_rates.setdefault(group[r], set()).update(rates_of.get(r, frozenset()))
    for r in np.flatnonzero(open_rubric):
        rates = group_rates[group[r]]
        if not rates:
            continue
        own, other = known.get(categories[r], set()), known.get(SIDE_COUNTERPART[categories[r]], set())
        if rates <= other and not rates & own:
            categories[r] = SIDE_COUNTERPART[categories[r]]
            settled[r] = True
        elif rates <= own and not rates & other:
            settled[r] = True


def _confirmed_by_kind(category: str, kind: str) -> bool:
    """An employee contribution booked as Deduction, an employer one booked as Cotisation: the
    PES kind says the same as the label, the side is not open."""
    role = CATEGORY_ROLES.get(category)
    return (kind == "D" and role == "salarial") or (kind == "C" and role == "patronal")


def _inside(roles: np.ndarray, convention) -> np.ndarray:
    """Lines whose amount counts in the gross under `convention` (`roles`: index in ROLES;
    Base-valued in-kind lines have amount 0: their Base is handled by the convention itself)."""
    return ((roles == _ROLE_INDEX["brut"]) | (roles == _ROLE_INDEX["nature"])
            | ((roles == _ROLE_INDEX["deduction_brut"]) & convention[0]))


def _apply(categories: np.ndarray, settled: np.ndarray, votes, counterpart: dict, group: np.ndarray) -> bool:
    """Move the open rubrics whose group (kind, code, label) got more flip votes than keep votes;
    a group seen on a balanced payslip is settled where it is."""
    flips, kept_balanced, kept = (v[group] for v in votes)
    move = (flips > kept + kept_balanced) & ~settled & (kept_balanced == 0) & np.array([c in counterpart for c in categories])
    settled |= (kept_balanced > 0) | move
    for r in np.flatnonzero(move):
        categories[r] = counterpart[categories[r]]
    return bool(move.any())
