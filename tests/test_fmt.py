"""The one French number format (rhaudit.fmt): expected strings written by hand."""

import pytest

from rhaudit.fmt import fr_amount, fr_cell, fr_eur, fr_grouped, fr_number, fr_percent


@pytest.mark.parametrize("value, text", [
    (1234567.891, "1 234 567,89"),  # thousands separated by spaces, rounded to the cent, decimal comma
    (1591.8, "1 591,80"),  # an amount keeps its two decimals
    (-45.5, "-45,50"),
    (0.0, "0,00"),
    (-0.004, "0,00"),  # rounds to zero: no "-0,00"
])
def test_fr_amount_always_has_two_decimals(value, text):
    assert fr_amount(value) == text


def test_fr_eur_adds_the_currency():
    assert fr_eur(1234.5) == "1 234,50 EUR"


@pytest.mark.parametrize("value, digits, text", [
    (1591.8, 2, "1 591,8"),  # a quantity loses its useless zeros (worktime printed "1 591,80" before)
    (1607.0, 2, "1 607"),
    (1820, 0, "1 820"),
    (10, 0, "10"),  # the zeros of "10" are not decimals
    (100.0, 1, "100"),
    (12.345, 1, "12,3"),  # rounded to the stated digits
    (0.8, 2, "0,8"),
    (-15.2, 2, "-15,2"),
    (-0.001, 2, "0"),
    (1234567.5, 2, "1 234 567,5"),
])
def test_fr_number_rounds_to_its_digits_without_useless_zeros(value, digits, text):
    assert fr_number(value, digits) == text


def test_fr_grouped_and_fr_percent_keep_their_digits():
    assert fr_grouped(1234.5, 2) == "1 234,50" and fr_grouped(1234.5, 0) == "1 234"
    # 0.1234 = 12.34 % -> one decimal "12,3 %"; 1.0 = 100 % -> "100,0 %"
    assert fr_percent(0.1234) == "12,3 %" and fr_percent(1.0) == "100,0 %" and fr_percent(0.5, 2) == "50,00 %"


def test_fr_cell_keeps_two_decimals_unless_whole():
    # a column of hours: 1 591,80 and 1 607 (not 1 591,8 / 1 607,00)
    assert fr_cell(1591.8) == "1 591,80" and fr_cell(1607.0) == "1 607" and fr_cell(0.004) == "0"
