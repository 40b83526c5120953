"""Numbers as French readers write them, for messages, tables and reports (a leaf: imports nothing from rhaudit).

One rule for the whole program:
- an amount always has two decimals: `fr_amount(1591.8)` is "1 591,80", `fr_eur` adds " EUR";
- a quantity (hours, days, agents, a rate) is rounded to the `digits` its caller states (2 by
  default) and loses its useless zeros: `fr_number(1591.8)` is "1 591,8", `fr_number(1607.0)` "1 607";
- a number in a table column has two decimals, except a whole number: `fr_cell(1591.8)` is
  "1 591,80", `fr_cell(1607.0)` "1 607" (the decimals of a column stay aligned);
- thousands are separated by a plain space, decimals by a comma; a value that rounds to zero
  never prints as "-0".
"""

from __future__ import annotations


def fr_grouped(x: float, digits: int) -> str:
    """`x` rounded to exactly `digits` decimals, the French way: (1234.5, 2) -> "1 234,50"."""
    if round(x, digits) == 0:
        x = 0.0  # -0.001 is "0,00", not "-0,00"
    return f"{x:,.{digits}f}".replace(",", " ").replace(".", ",")


def fr_amount(x: float) -> str:
    """An amount with its two decimals: 1234567.891 -> "1 234 567,89", -45.5 -> "-45,50"."""
    return fr_grouped(x, 2)


def fr_eur(x: float) -> str:
    """An amount in euros for messages and reports: "1 234,56 EUR"."""
    return f"{fr_amount(x)} EUR"


def fr_number(x: float, digits: int = 2) -> str:
    """A quantity rounded to `digits` decimals without useless zeros: 12.5 -> "12,5", 25.0 -> "25", 1820 -> "1 820"."""
    text = fr_grouped(x, digits)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def fr_cell(x: float) -> str:
    """A number in a table cell: two decimals, none for a whole number: 1591.8 -> "1 591,80", 1607.0 -> "1 607"."""
    return fr_grouped(x, 2).removesuffix(",00")


def fr_percent(share: float, digits: int = 1) -> str:
    """A share (0.125) as a percentage with exactly `digits` decimals: "12,5 %"."""
    return f"{fr_grouped(100 * share, digits)} %"
