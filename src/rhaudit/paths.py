"""Where the user's workspace folders (configs/, calendars/, payroll_import/profiles/) are.

Order: an explicit path; the RHAUDIT_HOME environment variable; the current directory when it
holds a configs/ folder (a clone of the repository); the repository this package was installed
from in editable mode; the copy shipped inside the wheel.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def home() -> Path:
    """The folder holding configs/, calendars/ and payroll_import/."""
    env = os.environ.get("RHAUDIT_HOME")
    if env:
        return Path(env)
    cwd = Path.cwd()
    if (cwd / "configs" / "parametres").is_dir():
        return cwd
    repo = _PACKAGE_DIR.parents[1]  # src/rhaudit -> repository root (editable install)
    if (repo / "configs" / "parametres").is_dir():
        return repo
    return _PACKAGE_DIR / "_defaults"


def configs_dir() -> Path:
    return home() / "configs"


def calendars_dir() -> Path:
    return home() / "calendars"


def profiles_dir() -> Path:
    base = home()
    # In the wheel, profiles are shipped flat under _defaults/profiles.
    return base / "payroll_import" / "profiles" if (base / "payroll_import").is_dir() else base / "profiles"


def cases_dir() -> Path:
    """The hand-computed legal cases (tests/data/cases in the repository, cases/ in the wheel)."""
    for base in (_PACKAGE_DIR.parents[1], home()):
        if (base / "tests" / "data" / "cases").is_dir():
            return base / "tests" / "data" / "cases"
    return _PACKAGE_DIR / "_defaults" / "cases"
