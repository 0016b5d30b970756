"""Reading the project's TOML files (scenarios, renewal assumptions, cost tables): one place
that turns a missing file or bad TOML into the one-line error naming the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..core.errors import ScenarioError


def read_toml(path: Path, missing: str) -> dict:
    """The TOML document at ``path``; ``missing`` is the French error when there is no file."""
    if not path.is_file():
        raise ScenarioError(missing, path=path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"TOML invalide : {exc}", path=path) from None
