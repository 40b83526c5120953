"""Catégorie and population inference (placeholder until the module lands)."""

import pandas as pd


def annotate_population(payslips: pd.DataFrame, pay_lines: pd.DataFrame, agents: pd.DataFrame | None = None) -> pd.DataFrame:
    return payslips
