"""The package as users get it: lazy imports, the public API, one error hierarchy, what ships."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import conum_geo
from conum_geo.core.errors import ConumGeoError

PACKAGE = Path(conum_geo.__file__).parent
HEAVY = ("pandas", "geopandas", "numpy", "scipy", "shapely", "folium", "pyproj")


def _modules_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_import_is_lazy():
    assert _modules_after("import conum_geo") == []


def test_cli_help_loads_no_library():
    code = ("from click.testing import CliRunner\nfrom conum_geo.cli import cli\n"
            "result = CliRunner().invoke(cli, ['--help'])\nassert result.exit_code == 0\n"
            "for name in ('gaps', 'compare', 'redeploy', 'catchments', 'simulate', 'diff', 'data'):\n"
            "    assert CliRunner().invoke(cli, [name, '--help']).exit_code == 0")
    assert _modules_after(code) == []


def test_every_public_name_resolves():
    for name in conum_geo.__all__:
        assert getattr(conum_geo, name) is not None, name
    assert "analyse_gaps" in dir(conum_geo)
    with pytest.raises(AttributeError):
        conum_geo.no_such_name  # noqa: B018


def test_the_base_error_is_never_raised_itself():
    raised = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
                if name in ("ConumGeoError", "TypeError", "ValueError", "Exception"):
                    raised.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    assert raised == []


def test_analysis_entry_points_take_options_by_keyword():
    import inspect

    for name in ("analyse_gaps", "simulate_renewals", "compare_models", "redeploy", "catchments",
                 "deploy_models", "site_times", "coverage_metrics", "compare_coverage", "coverage_timeline"):
        parameters = list(inspect.signature(getattr(conum_geo, name)).parameters.values())
        assert [p.name for p in parameters[:2]] == ["territory", "graph"], name
        assert all(p.kind is p.KEYWORD_ONLY for p in parameters[2:]), name
        assert "settings" in {p.name for p in parameters[2:]}, name


def test_load_network_takes_its_options_by_keyword():
    import inspect

    parameters = list(inspect.signature(conum_geo.load_network).parameters.values())
    assert [p.name for p in parameters[:2]] == ["territory", "network"]
    assert all(p.kind is p.KEYWORD_ONLY for p in parameters[2:])


def test_errors_are_one_class_tree_and_the_standard_types():
    from conum_geo.core.errors import OutputError
    from conum_geo.data.registers.hours import HoursError

    expected = {"InputError": ValueError, "ParameterError": ValueError, "ScenarioError": ValueError,
                "DataUnavailableError": OSError, "NetworkError": ValueError, "SolverError": RuntimeError,
                "UnknownDepartementError": ValueError}
    for name, standard in expected.items():
        error = getattr(conum_geo, name)
        assert issubclass(error, ConumGeoError) and issubclass(error, standard), name
    assert issubclass(OutputError, OSError) and issubclass(HoursError, conum_geo.InputError)
    with pytest.raises(ValueError, match="threshold_min"):  # caught by code that knows nothing of conum-geo
        conum_geo.Settings(threshold_min=-1)


def test_example_scenarios_are_found_by_name():
    examples = conum_geo.example_scenarios()
    assert {"departement-non-renouvele", "associations-non-renouvelees"} <= set(examples)
    scenario = conum_geo.load_scenario("departement-non-renouvele")
    assert scenario.end_structure_types == ("departement",)
    assert conum_geo.load_scenario(examples["territoire-a-2023"]).name


@pytest.mark.slow
def test_the_wheel_ships_its_data_files(tmp_path):
    root = PACKAGE.parent
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "-w", str(tmp_path), str(root)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    wheel = next(tmp_path.glob("conum_geo-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("conum_geo/data/scenarios/")}
    assert shipped == {p.name for p in (PACKAGE / "data" / "scenarios").glob("*.toml")}
    assert {"conum_geo/outputs/static/conum-map.js", "conum_geo/outputs/static/conum-map.css",
            "conum_geo/py.typed"} <= set(names)
    assert not any(n.startswith(("tests/", "benchmarks/", "docs/")) for n in names)


def _documented_parameters(doc: str, headings=("Parameters",)) -> set[str]:
    """The names listed under a numpy-style ``Parameters`` heading (or one of ``headings``)."""
    lines = doc.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() in headings)
    except StopIteration:
        return set()
    names: set[str] = set()
    for line in lines[start + 2 :]:
        if line.strip() in ("Returns", "Raises", "Yields", "Methods", "Notes"):
            break
        if line.strip() and not line[0].isspace():  # a name line, not its indented text
            names.update(part.strip().split(":")[0] for part in line.split(","))
    return names


def test_every_public_function_documents_its_parameters():
    import inspect

    missing = {}
    for name in conum_geo.__all__:
        value = getattr(conum_geo, name)
        if not inspect.isfunction(value):
            continue
        doc = inspect.getdoc(value) or ""
        wanted = {p for p in inspect.signature(value).parameters if p not in ("self", "cls")}
        absent = wanted - _documented_parameters(doc)
        if absent or "Returns" not in doc.splitlines():
            missing[name] = sorted(absent) or ["Returns"]
    assert not missing, f"public functions without numpy-style Parameters/Returns: {missing}"


def test_every_public_class_documents_its_fields():
    import dataclasses
    import inspect

    missing = {}
    for name in conum_geo.__all__:
        value = getattr(conum_geo, name)
        if not (inspect.isclass(value) and dataclasses.is_dataclass(value)):
            continue
        documented: set[str] = set()
        for cls in value.__mro__:  # a subclass documents its own fields, its bases theirs
            doc = inspect.cleandoc(cls.__doc__ or "")
            documented |= _documented_parameters(doc, ("Parameters", "Attributes"))
        absent = {f.name for f in dataclasses.fields(value)} - documented
        if absent:
            missing[name] = sorted(absent)
    assert not missing, f"public classes with fields their docstring does not list: {missing}"
