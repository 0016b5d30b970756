"""Writers at the edge: every output is staged then moved into place at once.

``staged_outputs(out_dir)`` yields a staging directory inside ``out_dir``; the files written
there replace their targets only when the block ends without error, so an interrupted or
failed run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd


@contextlib.contextmanager
def staged_outputs(out_dir: str | Path):
    """Stage files in a hidden directory of ``out_dir``; move them in on success."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".conum-geo-", dir=out_dir))
    try:
        yield staging
        for path in sorted(staging.iterdir()):
            os.replace(path, out_dir / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_table_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with ``,`` separators, geometry dropped; codes keep their leading zeros."""
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    table.to_csv(path, index=False, encoding="utf-8")


def write_geopackage(frame: gpd.GeoDataFrame, path: Path, *, layer: str) -> None:
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def write_json(data: dict, path: Path) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
