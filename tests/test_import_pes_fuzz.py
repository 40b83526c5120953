"""Fuzzing the PES reader: damaged files never raise anything but the French ImportError_, and
every payslip is accounted for (lus = importés + rejetés)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rhaudit.importers.base import ImportError_
from rhaudit.importers.pes import parse_pes_file

DATA = Path(__file__).parent / "data" / "pes"
# Small valid files with several shapes (namespaces, Nomenclatures, signs, encodings).
SEEDS = [(DATA / n).read_bytes() for n in (
    "sans_mtbrut.xhl", "nomenclatures.xhl", "cotisations_negatives.xhl", "ancien_espace_prefixe.xhl",
    "espaces_dans_les_balises.xhl", "encodage_bom_windows1252.xhl", "zeros_et_elements_divers.xhl",
)]


@st.composite
def damaged(draw) -> bytes:
    raw = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["truncate", "insert", "duplicate", "delete", "drop_element"]))
        at = draw(st.integers(0, len(raw)))
        if how == "truncate":
            raw = raw[:at]
        elif how == "insert":
            raw = raw[:at] + draw(st.sampled_from([
                b"&", b"<", b"<x/>", b"\x00", b"\xff\xfe", b"\xe9", b"]]>", b"<!--", b"</PayeIndivMensuel>",
                b'<Mt V="inf"/>', b"<PayeIndivMensuel>", b'<MtBrut V="NaN"/>',
            ]) | st.binary(min_size=1, max_size=8)) + raw[at:]
        elif how == "duplicate":
            end = draw(st.integers(at, min(len(raw), at + 400)))
            raw = raw[:end] + raw[at:end] + raw[end:]
        elif how == "delete":
            end = draw(st.integers(at, min(len(raw), at + 60)))
            raw = raw[:at] + raw[end:]
        else:  # a whole element, e.g. every payslip's <PayeIndivMensuel>...</PayeIndivMensuel>
            elements = [m.span(1) for m in re.finditer(rb"(?=(<(\w+)>.*?</\2>))", raw, flags=re.S)]
            if elements:
                start, end = draw(st.sampled_from(elements))
                raw = raw[:start] + raw[end:]
    return raw


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_pes_files_are_imported_or_refused_in_french_and_every_payslip_is_accounted_for(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.xhl"
        path.write_bytes(raw)
        try:
            parsed = parse_pes_file(path)
        except ImportError_ as exc:
            assert str(exc)  # a French message naming the file
            return
    rejected = sum(r.record == "bulletin" for r in parsed.rejected)
    assert parsed.records_read == parsed.records_imported + rejected
    lines = parsed.tables["pay_lines"]
    for col in ("base", "rate", "units", "amount"):
        values = lines[col].dropna().astype(float)
        assert values.abs().lt(1e12).all()  # no inf, no absurd number stored
