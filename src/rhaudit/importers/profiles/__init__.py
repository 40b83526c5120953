"""Import profiles: how to read one software's CSV/XLSX export into the canonical tables.

- `schema`: the profile file (format, columns, constants, value mappings, absence label rules) and `load_profile`;
- `reader`: `read_mapped` reads a file with a profile into raw rows of the mapped fields;
- `cells`: `CellParser` converts raw cells to canonical values (`CellError`: the row is rejected),
  `convert_rows` and `parse_keyed_table` apply it to a whole file.

The names other modules use are re-exported here.
"""

from .cells import CellParser, convert_rows, first_of_each_key, parse_keyed_table
from .reader import MappedTable, read_mapped
from .schema import (ASA_MOTIVES, CLOSED_VALUES, DEFAULT_PROFILES, KIND_LABELS, PSEUDO_FIELDS, AbsenceLabelRule, CellError,
                     FormatOptions, Profile, ProfileError, field_label, field_types, load_profile)

__all__ = ["ASA_MOTIVES", "CLOSED_VALUES", "DEFAULT_PROFILES", "KIND_LABELS", "PSEUDO_FIELDS", "AbsenceLabelRule", "CellError",
           "CellParser", "FormatOptions", "MappedTable", "Profile", "ProfileError", "convert_rows", "field_label", "field_types",
           "first_of_each_key", "load_profile", "parse_keyed_table", "read_mapped"]
