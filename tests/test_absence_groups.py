"""Absence-type groups are defined once, in model.py, from model.ABSENCE_TYPES."""

from rhaudit import model
from rhaudit.analytics.absenteeism import MOTIVE_GROUPS
from rhaudit.importers.absences import CALENDAR_DAY_TYPES as IMPORT_CALENDAR_DAY_TYPES

GROUPS = ("LONG_SICK_LEAVE_TYPES", "WORK_INJURY_TYPES", "SICK_LEAVE_TYPES", "FAMILY_LEAVE_TYPES",
          "CALENDAR_DAY_TYPES", "NOT_WORKING_TYPES")


def test_every_group_is_made_of_absence_types():
    for name in GROUPS:
        group = getattr(model, name)
        assert group and set(group) <= set(model.ABSENCE_TYPES), name


def test_groups_as_the_law_reads():
    # Sick leave: ordinary (CMO), long (CLM, CLD, CGM), work injury or occupational disease.
    assert set(model.SICK_LEAVE_TYPES) == {"cmo", "clm", "cld", "cgm", "accident_service", "maladie_professionnelle"}
    # Calendar days: sick, maternity and paternity leave; working days: annual leave, ARTT, ASA...
    assert set(model.CALENDAR_DAY_TYPES) == set(model.SICK_LEAVE_TYPES) | {"maternite", "paternite"}
    # No work at all: every type but "autre" (unknown nature).
    assert set(model.NOT_WORKING_TYPES) == set(model.ABSENCE_TYPES) - {"autre"}


def test_readers_use_the_model_groups():
    assert MOTIVE_GROUPS["clm_cld_cgm"] == model.LONG_SICK_LEAVE_TYPES
    assert MOTIVE_GROUPS["accident_maladie_pro"] == model.WORK_INJURY_TYPES
    assert MOTIVE_GROUPS["maternite_paternite_adoption"] == model.FAMILY_LEAVE_TYPES
    # the absence importer counts these in calendar days.
    assert set(IMPORT_CALENDAR_DAY_TYPES) == set(model.CALENDAR_DAY_TYPES)
