"""Where conum-geo caches what it downloads or builds, and how cache files are written.

Root: ``$CONUM_GEO_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/conum-geo`` (default
``~/.cache/conum-geo``). Sub-folders: downloaded registers at the root, ``networks`` (road
graphs), ``national`` (the decoded national commune layer), ``registers`` (parsed register
files). Files are written to a temporary
name in their folder and renamed, so an interrupted run never leaves a half file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def cache_root() -> Path:
    """The cache root (see module doc)."""
    root = os.environ.get("CONUM_GEO_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "conum-geo"


@contextlib.contextmanager
def atomic_path(path: Path, *, suffix: str = ""):
    """Yield a temporary path beside ``path``; it replaces ``path`` when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (the key of what is cached from it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
