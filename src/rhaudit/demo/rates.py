"""Parameter values of the demo year by payroll month, cached (the generator asks them many times)."""

from __future__ import annotations

from functools import lru_cache

from ..params import Parameters


class Rates:
    """Parameter values by payroll month, looked up once (the generator asks them many times)."""

    def __init__(self, params: Parameters, year: int):
        self.params, self.year = params, year

    @lru_cache(maxsize=None)
    def __call__(self, name: str, month: int):
        return self.params.value(name, (self.year, month))
