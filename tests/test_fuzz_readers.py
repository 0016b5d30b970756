"""Property-based fuzzing of every register reader (hypothesis, seeded, bounded).

For each reader, starting from a small valid file: any bytes, and any mutation of the valid
file (cut anywhere, bytes flipped or inserted, re-encoded, columns swapped, a value replaced by
NaN, infinity, a huge or negative number or junk, rows duplicated, keys dropped) either loads
into a non-empty register or raises the project's one-line error (``ConumGeoError``): never
another exception, never an empty register. The detector that recognises files by their
content gets the same treatment. Examples per reader are bounded and derandomised, so the suite
costs the same seconds on every run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_registers_synthetic import LIEUX_HEADER, LIEUX_ROWS
from test_validation import FS_HEADER, FS_ROWS

from conum_geo.core.errors import ConumGeoError
from conum_geo.data.registers.communes import read_cog, read_contours, read_epci
from conum_geo.data.registers.contracts import read_contracts
from conum_geo.data.registers.conum import read_conum_lieux, read_conum_structures
from conum_geo.data.registers.detect import detect_kind
from conum_geo.data.registers.france_services import read_france_services
from conum_geo.data.registers.lieux import read_lieux
from conum_geo.data.registers.territoire import read_density, read_fragility, read_qpv

#: Examples per reader (``CONUM_GEO_FUZZ_EXAMPLES=2000`` for a deep local run; CI keeps the default).
EXAMPLES = int(os.environ.get("CONUM_GEO_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _csv(header, rows, sep=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


_SQUARE = shapely.geometry.mapping(shapely.box(3.0, 47.0, 3.1, 47.1))
#: A small valid file per reader: (suffix, bytes, reader).
SEEDS = {
    "france_services": (".csv", _csv(FS_HEADER, FS_ROWS), read_france_services),
    "lieux": (".csv", _csv(LIEUX_HEADER, LIEUX_ROWS), read_lieux),
    "conum_lieux": (".json", json.dumps([
        {"id": "l1", "nom": "Médiathèque", "code_postal": "58000", "commune": "Nevers", "latitude": 47.0,
         "longitude": 3.15, "horaires": "Mo-Fr 09:00-12:00", "structureId": "S1", "pivot": "111",
         "conseiller_ids": ["c1"], "date_maj": "2022-06-01"},
        {"id": "l2", "nom": "Mairie", "code_postal": "58000", "commune": "Nevers", "horaires": "",
         "structureId": "S1", "pivot": "", "conseiller_ids": ["c1", "c2"], "date_maj": "2022-07-01"}]).encode(),
        read_conum_lieux),
    "conum_structures": (".json", json.dumps([
        {"id": 7, "raison_sociale": "DEPARTEMENT DE LA NIEVRE", "type": "publique", "siret": "22580001700016",
         "nb_cnfs": 3, "insee_com": "58194", "insee_dep": "58", "latitude": 46.99, "longitude": 3.16,
         "qpv": "oui", "zrr": "non", "date_de_validation_en_comité_de_sélection": "2021-04-07"}]).encode(),
        read_conum_structures),
    "population": (".json", json.dumps([
        {"code": "58001", "nom": "A", "type": "commune-actuelle", "departement": "58", "population": 1000,
         "codesPostaux": ["58000"], "anciensCodes": ["58003"]},
        {"code": "58003", "nom": "B", "type": "commune-deleguee", "chefLieu": "58001"}]).encode(), read_cog),
    "epci": (".json", json.dumps([{"code": "200067882", "nom": "CC", "membres": [{"code": "58001"},
                                                                                 {"code": "58002"}]}]).encode(),
             read_epci),
    "communes": (".geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "58001", "nom": "A"}, "geometry": _SQUARE}]}).encode(),
        read_contours),
    "fragility": (".csv", _csv(["Insee Com", "SCORE GLOBAL departement 1", "Code Iris"],
                               [["58187", "112.18", "581870000"], ["58086", "95.5", "580860101"]], sep=";"),
                  read_fragility),
    "density": (".csv", _csv(["insee_com", "lib_com", "niveau_densite"],
                             [["58194", "Nevers", "Centres urbains intermédiaires"], ["58001", "A", "6"]]),
                read_density),
    "qpv": (".csv", _csv(["insee_com", "code_qp"], [["58194", "QN05801M"], ["58086", "QN05802M"]]), read_qpv),
    "contracts": (".csv", _csv(["post_id", "date_debut", "date_fin", "statut"],
                               [["p1", "2021-05-01", "2023-04-30", "non renouvelé"], ["p2", "", "30/06/2023", ""]]),
                  read_contracts),
}
HOSTILE_VALUES = ["nan", "NaN", "inf", "-inf", "1e308", "-5", "", "null", "=1+1", "9" * 40, "é\x00", "\ufeff",
                  "2023-02-30", "[]", "{}"]


def _mutate(data: st.DataObject, content: bytes, suffix: str) -> bytes:
    kind = data.draw(st.sampled_from(["cut", "flip", "insert", "encode", "swap", "value", "duplicate"]))
    if kind == "cut":
        return content[: data.draw(st.integers(0, len(content)))]
    if kind == "flip":
        at = data.draw(st.integers(0, len(content) - 1))
        return content[:at] + bytes([content[at] ^ data.draw(st.integers(1, 255))]) + content[at + 1:]
    if kind == "insert":
        at = data.draw(st.integers(0, len(content)))
        return content[:at] + data.draw(st.binary(min_size=1, max_size=8)) + content[at:]
    if kind == "encode":
        encoding = data.draw(st.sampled_from(["latin-1", "utf-16", "cp1252"]))
        return content.decode("utf-8").encode(encoding, errors="replace")
    return _mutate_csv(data, content, kind) if suffix == ".csv" else _mutate_json(data, content, kind)


def _mutate_csv(data: st.DataObject, content: bytes, kind: str) -> bytes:
    sep = ";" if b";" in content[:200] else ","
    rows = [[*r] for r in csv.reader(io.StringIO(content.decode("utf-8")), delimiter=sep)]
    if kind == "swap" and len(rows[0]) > 1:
        i, j = data.draw(st.permutations(range(len(rows[0]))))[:2]
        for r in rows:
            if len(r) > max(i, j):
                r[i], r[j] = r[j], r[i]
    elif kind == "value" and len(rows) > 1:
        r = data.draw(st.integers(1, len(rows) - 1))
        c = data.draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = data.draw(st.sampled_from(HOSTILE_VALUES))
    elif kind == "duplicate" and len(rows) > 1:
        rows.append(rows[data.draw(st.integers(1, len(rows) - 1))])
    return _csv(rows[0], rows[1:], sep=sep)


def _mutate_json(data: st.DataObject, content: bytes, kind: str) -> bytes:
    document = json.loads(content)
    records = document["features"] if isinstance(document, dict) else document
    if kind == "duplicate":
        records.append(records[0])
    elif records:
        record = records[data.draw(st.integers(0, len(records) - 1))]
        target = record["properties"] if "properties" in record and kind != "swap" else record
        key = data.draw(st.sampled_from(sorted(target)))
        if kind == "swap":
            target.pop(key)
        else:
            target[key] = data.draw(st.one_of(st.sampled_from(HOSTILE_VALUES), st.floats(), st.integers(),
                                              st.none(), st.lists(st.integers(), max_size=2),
                                              st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))
    return json.dumps(document, allow_nan=True).encode()


def _check(reader, suffix: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(content)
        try:
            register = reader(path)
        except ConumGeoError as error:
            assert "\n" not in str(error)
            return
        assert len(register.frame) > 0  # loaded: never an empty register


def _reader_test(name: str):
    suffix, seed, reader = SEEDS[name]

    @FUZZ
    @given(data=st.data())
    def mutated(data):
        _check(reader, suffix, _mutate(data, seed, suffix))

    @FUZZ
    @given(content=st.binary(max_size=300))
    def any_bytes(content):
        _check(reader, suffix, content)

    return mutated, any_bytes


def test_the_seeds_are_valid():
    for suffix, seed, reader in SEEDS.values():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"seed{suffix}"
            path.write_bytes(seed)
            assert len(reader(path).frame) > 0


for _name in SEEDS:
    _mutated, _any = _reader_test(_name)
    globals()[f"test_{_name}_survives_mutations"] = _mutated
    globals()[f"test_{_name}_survives_any_bytes"] = _any


@FUZZ
@given(data=st.data())
def test_detection_never_fails_otherwise(data):
    suffix, seed, _ = SEEDS[data.draw(st.sampled_from(sorted(SEEDS)))]
    content = _mutate(data, seed, suffix)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(content)
        try:
            detect_kind(path)
        except ConumGeoError as error:
            assert "\n" not in str(error)
