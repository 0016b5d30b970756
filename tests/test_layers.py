"""The package's layers only look down, and no module imports itself back through others.

Layers, bottom to top: ``core`` (types and rules, no input or output), ``data`` (files in),
``network`` (road graphs), ``analysis``, ``models`` (computations on core types: no file
reading, so they never import ``data``), ``outputs`` (every text, table, map and report),
``national``, ``cli``, then the package's own ``__init__`` and ``__main__``. Every import
counts, including those inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "conum_geo"
LAYERS = ["core", "data", "network", "analysis", "models", "outputs", "national", "cli", "__init__", "__main__"]
#: Layers that may not import some lower layer all the same (what they are not for).
FORBIDDEN = {"analysis": {"data"}, "models": {"data"}}


def _module(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str], package_dir: Path) -> set[str]:
    """The package's modules ``path`` imports (``from x import y`` counts ``x.y`` when it is
    a module, else ``x``)."""
    name = _module(path, package_dir)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return "__main__" if parts[1] == "__main__" else parts[1]


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    paths = sorted(package.rglob("*.py"))
    modules = {_module(p, package) for p in paths}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for path in paths:
        graph.add_edges_from((_module(path, package), target) for target in _imports(path, modules, package))
    return graph


def layer_violations(graph: nx.DiGraph) -> list[str]:
    """Every import that goes up a layer, into a forbidden one, or from an unknown folder."""
    found = []
    for source, target in graph.edges:
        a, b = _layer(source), _layer(target)
        if a not in LAYERS or b not in LAYERS:
            found.append(f"{source} → {target} : dossier hors des couches {LAYERS}")
        elif LAYERS.index(b) > LAYERS.index(a):
            found.append(f"{source} → {target} : {a} importe {b}, une couche au-dessus")
        elif b in FORBIDDEN.get(a, ()):
            found.append(f"{source} → {target} : {a} ne lit pas de fichiers ({b})")
    return sorted(found)


def test_every_import_goes_down():
    assert layer_violations(import_graph()) == []


def test_no_module_imports_itself_back():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


@pytest.mark.parametrize("source, target, fragment", [
    ("core/territory.py", "from ..outputs.text import fmt_int", "core importe outputs"),
    ("analysis/gaps.py", "from ..data.cost_files import load_costs", "analysis ne lit pas de fichiers"),
    ("outputs/atlas.py", "from ..national.runner import NationalResult", "outputs importe national"),
])
def test_the_check_catches_a_deliberate_upward_import(tmp_path, source, target, fragment):
    import shutil

    copy = tmp_path / "conum_geo"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.toml"))
    path = copy / source
    path.write_text(path.read_text(encoding="utf-8") + f"\n{target}\n", encoding="utf-8")
    assert any(fragment in line for line in layer_violations(import_graph(copy)))


FRENCH = re.compile(r"[àâäéèêëîïôöùûüÿçœæÀÂÉÈÊËÎÏÔÙÛÜÇŒ«»]|\b(?:le|la|les|des|du|aux?|une?|est|sont|pas|sans|avec|pour|dans|"
                    r"attendu|reçu|aucune?|commune\(s\)|lieu\(x\)|poste\(s\))\b")


def french_strings(folder: Path, package: Path = PACKAGE) -> list[str]:
    """String literals (docstrings aside) of the modules of ``folder`` that read as French."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                    and not node.value.isidentifier() and FRENCH.search(node.value)):  # codes are words
                found.append(f"{path.relative_to(package)}:{node.lineno} {node.value[:60]!r}")
    return found


@pytest.mark.parametrize("folder", ["analysis", "models"])
def test_computations_write_no_french(folder):
    """Their errors come from ``core.messages``, their notices are said by ``outputs.messages``,
    their labels are the vocabulary's."""
    assert french_strings(PACKAGE / folder) == []


def test_the_french_check_sees_a_sentence(tmp_path):
    (tmp_path / "m.py").write_text('"""Une phrase en français."""\nX = "plus aucune présence accessible"\n'
                                   'Y = "flagged: %d communes"\nZ = f"reçu {1}"\n', encoding="utf-8")
    assert french_strings(tmp_path, tmp_path) == ["m.py:2 'plus aucune présence accessible'", "m.py:4 'reçu '"]
