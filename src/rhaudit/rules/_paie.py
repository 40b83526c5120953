"""Pieces shared by the pay rule families (IHTS, NBI, SFT, cotisations, avantages en nature).

Selecting pay lines by category with their payslip's attributes, French number formatting for
the findings' sentences, evidence grouped per agent-month (evidence_by, the one way to attach
source lines to a finding) and the usual finding builders: flagged lines grouped per agent-month
(flagged_line_findings), judged rows with their lines (row_findings), paid versus due
(paid_vs_due_findings). No rule is registered here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import pay
from ..findings import EVIDENCE_LIMIT, Evidence, EvidenceList, evidence_from_lines
from ..fmt import fr_eur, fr_number
from ..model import PAYSLIP_KEY
from ..quotite import with_quotite

SLIP_ATTRIBUTES = ["statut", "categorie", "population", "emploi", "grade", "indice", "nbi_points", "quotite",
                   "work_quotite", "temps_non_complet", "service", "children", "overtime_hours"]


def lines_of(ctx, categories, with_slip: bool = True, all_populations: bool = False) -> pd.DataFrame:
    """Pay lines of `categories` with a non-zero amount, the month they pay attached, and the
    attributes of the payslip that carries them.

    Computed once per family of rules (ctx.shared; check.run_by_family drops shared tables between
    families): several rules read the same lines.
    Callers must not modify the returned frame in place (copy-on-write makes `.copy(deep=False)`
    enough before setting a column). Staff whose statut is to be qualified (population
    a_qualifier) are left out unless `all_populations` (checks of the payroll file itself).
    """
    return ctx.shared(("lines_of", tuple(categories), with_slip, all_populations),
                      lambda: _lines_of(ctx, categories, with_slip, all_populations))


UNQUALIFIED = "a_qualifier"  # population outside the civil-service grids (STATUT-001)


def _lines_of(ctx, categories, with_slip: bool, all_populations: bool = False) -> pd.DataFrame:
    index = ctx.shared("lines_of.index", lambda: _LineIndex(ctx))
    # Staff whose statut is to be qualified (no grade, no indice, fixed salary: private-law staff
    # of a SPIC...) do not get the civil-service pay rules; STATUT-001 reports them once.
    keep = index.positions(categories, outside=not all_populations)
    lines = ctx.pay_lines.take(keep)  # a new frame: the columns below are its own
    # pay.attach_period and pay.back_pay_mask, computed once on every line and taken here.
    for column, values in index.periods().items():
        lines[column] = values.array.take(keep)
    if with_slip:
        slips, position = index.slips(), index.slip_position()
        if position is None or lines.columns.isin(SLIP_ATTRIBUTES).any():  # a line without its payslip (the
            # merge gives it missing attributes, and may change their dtype), or columns the merge would suffix
            return lines.merge(slips, on=PAYSLIP_KEY, how="left")
        taken = index.attributes().take(position.take(keep))
        lines = lines.reset_index(drop=True)
        lines[SLIP_ATTRIBUTES] = taken.set_axis(lines.index)  # lines.merge(slips, on=PAYSLIP_KEY, how="left")
    return lines


class _LineIndex:
    """What every lines_of call needs about all the pay lines, computed once per check: each
    line's category (as codes), whether its amount is non-zero, whether its payslip is one of
    staff to qualify, and (on first use) the row of its payslip's attributes."""

    def __init__(self, ctx):
        self.ctx = ctx
        pl = ctx.pay_lines
        self.codes, categories = pd.factorize(pl["category"])
        self.categories = list(categories)
        self.nonzero = pl["amount"].fillna(0).ne(0).to_numpy(dtype=bool)
        self.outside = None
        outside = ctx.payslips.loc[ctx.payslips["population"].fillna("").eq(UNQUALIFIED), PAYSLIP_KEY]
        if not outside.empty:
            flag = pl[PAYSLIP_KEY].merge(outside.drop_duplicates().assign(_out=True), on=PAYSLIP_KEY, how="left")["_out"]
            self.outside = flag.notna().to_numpy()
        self._slips = self._attributes = self._position = self._periods = None

    def positions(self, categories, outside: bool) -> np.ndarray:
        """Positions of the lines of `categories` with a non-zero amount, without those of staff to
        qualify when `outside`, in their order."""
        wanted = np.zeros(len(self.categories) + 1, dtype=bool)  # the last one: a missing category (code -1)
        wanted[[code for code, category in enumerate(self.categories) if category in set(categories)]] = True
        keep = wanted[self.codes] & self.nonzero
        if outside and self.outside is not None:
            keep &= ~self.outside
        return np.flatnonzero(keep)

    def periods(self) -> dict[str, pd.Series]:
        """period_year, period_month (pay.attach_period) and back_pay (pay.back_pay_mask) of every line."""
        if self._periods is None:
            pl = self.ctx.pay_lines
            back_pay = pay.back_pay_mask(pl)
            attached = pay.attach_period(pl[["year", "month", "ref_start"]], back_pay=back_pay)
            self._periods = {"period_year": attached["period_year"], "period_month": attached["period_month"],
                             "back_pay": back_pay}
        return self._periods

    def slips(self) -> pd.DataFrame:
        if self._slips is None:
            self._slips = with_quotite(self.ctx.payslips)[PAYSLIP_KEY + SLIP_ATTRIBUTES].drop_duplicates(PAYSLIP_KEY)
        return self._slips

    def attributes(self) -> pd.DataFrame:
        """slips()[SLIP_ATTRIBUTES], once."""
        if self._attributes is None:
            self._attributes = self.slips()[SLIP_ATTRIBUTES]
        return self._attributes

    def slip_position(self):
        """Row in slips() of each pay line's payslip, or None when a line has none."""
        if self._position is None:
            pos = _row_of_key(self.slips()[PAYSLIP_KEY], self.ctx.pay_lines[PAYSLIP_KEY])
            self._position = False if (pos < 0).any() else pos
        return None if self._position is False else self._position


def _row_of_key(table: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Position in `table` (unique keys) of each row of `rows` with the same key values, -1 when
    none: the match of a left merge (missing values match each other), with one integer per key
    (the codes of each column multiplied out) instead of a merge on several text columns."""
    n_table = len(table)
    key_t = key_r = None
    size = 1
    for col in table.columns:
        codes, uniques = pd.factorize(pd.concat([table[col], rows[col]], ignore_index=True), use_na_sentinel=False)
        size *= max(len(uniques), 1)
        if size >= 2 ** 62:  # too many combinations for one integer: the merge itself
            pos = rows.merge(table.assign(_pos=np.arange(n_table)), on=list(table.columns), how="left")["_pos"]
            return pos.fillna(-1).to_numpy(dtype="int64")
        codes = codes.astype("int64")
        key_t = codes[:n_table] if key_t is None else key_t * len(uniques) + codes[:n_table]
        key_r = codes[n_table:] if key_r is None else key_r * len(uniques) + codes[n_table:]
    return pd.Index(key_t).get_indexer(key_r).astype("int64")


EVIDENCE_COLUMNS = ("source_file", "source_line", "code", "label", "amount", "year", "month")


class GroupedEvidence:
    """Evidence of pay lines grouped by key columns, each list built only when a finding asks
    for it (building it for every agent-month of a large payroll would cost more than the rule).

    `ev[key]` or `ev.get(key)`, the key a tuple of the key columns' values: at most `limit`
    Evidence records, `.total` counting all the group's lines (findings.EvidenceList); `get`
    gives an empty list for a key without lines.
    """

    def __init__(self, lines: pd.DataFrame, keys: list[str], limit: int = EVIDENCE_LIMIT):
        lines = lines.reset_index(drop=True)
        self.lines = lines[[c for c in EVIDENCE_COLUMNS if c in lines]]
        self.positions = lines.groupby(list(keys), sort=False, dropna=False).indices if len(lines) else {}
        self.single = len(keys) == 1
        self.limit = limit

    def get(self, key: tuple, default=None) -> list[Evidence]:
        pos = self.positions.get(key[0] if self.single else tuple(key))
        if pos is None:
            return EvidenceList() if default is None else default
        return evidence_from_lines(self.lines.iloc[pos], limit=self.limit)

    def __getitem__(self, key: tuple) -> list[Evidence]:
        if key not in self:
            raise KeyError(key)
        return self.get(key)

    def __contains__(self, key: tuple) -> bool:
        return (key[0] if self.single else tuple(key)) in self.positions


def evidence_by(lines: pd.DataFrame, keys: list[str], limit: int = EVIDENCE_LIMIT) -> GroupedEvidence:
    """Evidence of `lines` grouped by the tuple of `keys` values (GroupedEvidence): the one way
    rules attach their source lines to per-agent, per-month or per-year findings."""
    return GroupedEvidence(lines, keys, limit)


SLIP = ["matricule", "year", "month"]  # an agent-month of payment
MONTH_PAID = ["matricule", "period_year", "period_month"]  # an agent-month paid (back pay reattached)


def row_findings(ctx, rows: pd.DataFrame, lines: pd.DataFrame, message, *, keys=SLIP, within=None, **values) -> list:
    """One finding per row of `rows` (each an agent-month, or agent-year, already judged), with
    the evidence of the `lines` that have its `keys`.

    `keys`: the columns, in both frames, of the matricule and (optional) the year and the month
    the finding is dated by. `within`: columns (e.g. PAYSLIP_KEY) that restrict the evidence to the
    lines of the rows' own payslips. `message(row)`: the French sentence. `values`: further
    fields of the finding, each a column name of `rows` or a function of the row
    (`amount="excess"`, `hours=lambda r: abs(r.diff)`).
    """
    if rows.empty:
        return []
    lines = of_agents(lines, rows)  # the rows' agents first: the merge and grouping below read few lines
    if within is not None:
        lines = lines.merge(rows[list(within)], on=list(within))
    ev = evidence_by(_lines_with_keys(lines, rows, list(keys)), keys)
    take = {f: (v if callable(v) else (lambda r, c=v: getattr(r, c))) for f, v in values.items()}
    out = []
    for r in rows.itertuples(index=False):
        key = tuple(getattr(r, k) for k in keys)
        matricule, year, month = (key + (None, None))[:3]
        out.append(ctx.finding(matricule=matricule, year=year, month=month, evidence=ev.get(key), message=message(r),
                               **{f: get(r) for f, get in take.items()}))
    return out


def of_agents(lines: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The lines of the matricules of `rows` (all of them when a matricule is missing: the merge
    and the key equality that follow decide then), in their order."""
    if "matricule" not in lines or "matricule" not in rows or len(lines) <= 4 * len(rows):
        return lines
    agents = rows["matricule"]
    if agents.isna().any():
        return lines
    return lines[lines["matricule"].isin(agents.unique()).to_numpy()]


def _lines_with_keys(lines: pd.DataFrame, rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The lines whose `keys` values are those of one of `rows`: grouping a rule's few findings'
    lines, not every line of the payroll (the same tuple equality as GroupedEvidence.get)."""
    if len(lines) <= 4 * len(rows):
        return lines
    def index(df):
        return pd.MultiIndex.from_frame(df[keys]) if len(keys) > 1 else pd.Index(df[keys[0]])
    return lines[index(lines).isin(index(rows))]


def flagged_line_findings(ctx, flagged: pd.DataFrame, message, *, keys=SLIP, agg=None, **values) -> list:
    """The usual pay rule: lines flagged → grouped by agent-month (`keys`) → evidence → one
    finding per group. `agg`: named aggregations of the group (default: `amount`, the sum of the
    lines' amounts); `message` and `values` as in row_findings, over the aggregated row."""
    if flagged.empty:
        return []
    per = flagged.groupby(list(keys), as_index=False).agg(**(agg or {"amount": ("amount", "sum")}))
    return row_findings(ctx, per, flagged, message, keys=keys, **values)


def paid_vs_due_findings(ctx, bad: pd.DataFrame, lines: pd.DataFrame, what: str, why, ref: str) -> list:
    """One finding per payslip of `bad` whose `paid` amount of `what` differs from the amount due
    (`diff` = paid − due, at stake either way), with the evidence of its `lines`. `why(row)`: the
    French text between the month and « . Écart » (« ; pour 15 points ..., le montant dû est
    73,84 EUR »); `ref`: the legal reference closing the message."""
    return row_findings(
        ctx, bad, lines, within=PAYSLIP_KEY, amount=lambda r: abs(r.diff),
        message=lambda r: (f"L'agent {r.matricule} a perçu {eur(r.paid)} de {what} en {month_label(r.year, r.month)}"
                           f"{why(r)}. Écart : {eur(abs(r.diff))} ({overpaid_or_underpaid(r.diff)}) ({ref})."),
    )


eur = fr_eur  # amounts in messages: "1 234,50 EUR"
num = fr_number  # quantities in messages: "12,5 h", "25 h", "1 820"


def overpaid_or_underpaid(diff) -> str:
    """French word for the side of a gap between paid and due (paid − due)."""
    return "trop-perçu" if diff > 0 else "moins-perçu"


def gap_outside_due(paid, low, high, tol) -> np.ndarray:
    """paid − due where `paid` is outside the range due [low, high] by more than `tol` (paid −
    high above it, paid − low below it, negative then), 0 inside: the `diff` of paid_vs_due_findings."""
    paid, low, high = (np.asarray(x, dtype=float) for x in (paid, low, high))
    return np.where(paid > high + tol, paid - high, np.where(paid < low - tol, paid - low, 0.0))


def due_range(low, high) -> str:
    """The amount due, or its range when the month's pay fraction leaves it open."""
    return eur(high) if abs(high - low) < 0.005 else f"entre {eur(low)} et {eur(high)}"


def month_label(year, month) -> str:
    return f"{int(month):02d}/{int(year)}"


def tolerance(ctx, name: str, years, months):
    """Control tolerance `tolerances_paie.<name>` in force each month (numpy array)."""
    return pay.param_by_month(ctx.params, f"tolerances_paie.{name}", years, months).to_numpy()


CGFP_IN_FORCE = (2022, 3)  # ordonnance 2021-1574: the code général de la fonction publique from 2022-03-01


def law_ref(cgfp: str, former: str, year=None, month=None) -> str:
    """The legal reference of a pay month: the CGFP article with the former law in brackets from
    2022-03-01, the former law before (or for a reference without a date, both)."""
    if year is None or pd.isna(year):
        return f"CGFP {cgfp} [{former} avant le 1er mars 2022]"
    when = (int(year), int(month) if month is not None and not pd.isna(month) else 12)
    return f"CGFP {cgfp} [{former}]" if when >= CGFP_IN_FORCE else former
