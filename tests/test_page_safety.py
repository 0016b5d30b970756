"""Register data never runs in a page: every command's map, the national atlas and the
timeline chart, built from registers whose every text field is hostile (``hostile_registers``),
opened in headless Chromium with the network blocked and dialogs hooked: no dialog, no page
error, no CSP violation, the map drawn, the hostile names shown as text. Plus the encoders
and the policy, by hand.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CHROMIUM
from hostile_registers import HOSTILE, HOSTILE_FILE, write_france_services, write_registers

from conum_geo.cli import cli
from conum_geo.outputs.map_frame import markup
from conum_geo.outputs.page_safety import content_security_policy, html_text, script_json, with_csp


def test_script_json_by_hand():
    assert script_json("</script>") == '"\\u003c/script\\u003e"'
    assert script_json({"a": "x&y\u2028z\u2029"}) == '{"a": "x\\u0026y\\u2028z\\u2029"}'
    # braces inside strings (folium reads scripts again as Jinja templates), not structural ones
    assert script_json([{"k": "{{ 7*7 }}"}]) == '[{"k": "\\u007b\\u007b 7*7 \\u007d\\u007d"}]'
    assert script_json('a"b\\') == '"a\\"b\\\\"'
    for value in ("</script><svg onload=alert(1)>", "{% if %}", "\u2028", ["<", {"x": ">&"}]):
        assert json.loads(script_json(value)) == value  # the same value, decoded
        assert not re.search("[<>&\u2028\u2029]|{{|{%|{#", script_json(value))


def test_html_text_and_markup_by_hand():
    assert html_text('<b a="1">{{x}}</b> & \'') == ("&lt;b a=&quot;1&quot;&gt;&#123;&#123;x&#125;&#125;&lt;/b&gt; "
                                                    "&amp; &#x27;")
    assert markup("`${x}`\\") == "&#96;&#36;&#123;x&#125;&#96;&#92;"


def test_content_security_policy_hashes_the_inline_scripts():
    page = "<html><head><script>var a = 1;</script></head><body><script>\nb()\n</script></body></html>"
    policy = content_security_policy(page, ["https://data.geopf.fr"])
    for body in ("var a = 1;", "\nb()\n"):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]  # scripts: hashes only
    assert "default-src 'none'" in policy and "img-src data: https://data.geopf.fr" in policy
    out = with_csp(page)
    assert out.startswith('<html><head><meta http-equiv="Content-Security-Policy"')




#: Every site marker's tooltip text, every commune feature, on the page's maps.
DRAWN_JS = """() => {
    const out = {features: 0, sites: []};
    document.querySelectorAll('.folium-map').forEach(div => window[div.id].eachLayer(layer => {
        const p = layer.feature && layer.feature.properties;
        if (p && p._code !== undefined) { out.features += 1; }
        else if (layer.getTooltip && (layer.options.className || '').includes('conum-site')) {
            const box = document.createElement('div');
            box.innerHTML = layer.getTooltip().getContent();
            out.sites.push(box.textContent);
        }
    }));
    return out;
}"""
#: Elements the page would have if a hostile value had become markup.
INJECTED = "svg[onload], img[onerror], img[src='x'], b"


@pytest.fixture(scope="module")
def registers(tmp_path_factory, demo_territory) -> Path:
    return write_registers(demo_territory, tmp_path_factory.mktemp("hostile") / "registres")


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output


def _open(page, path: Path) -> dict:
    page.goto(path.as_uri())
    page.wait_for_function("() => window.L && document.querySelector('.leaflet-pane canvas')", timeout=20_000)
    page.wait_for_timeout(300)
    assert page.dialogs == [] and page.errors == []  # CSP violations are console errors too
    assert page.locator(INJECTED).count() == 0
    return page.evaluate(DRAWN_JS)


def _search(page, query: str) -> str:
    box = page.locator(".conum-search input")
    box.fill(query)
    box.press("Enter")
    popup = page.locator(".leaflet-popup-content").last
    popup.wait_for(state="visible", timeout=5_000)
    return popup.text_content()


def _no_markup(text: str) -> bool:
    """The hostile value appears in ``text`` as itself (U+2028 aside, which layout may fold)."""
    return HOSTILE.replace("\u2028", "") in text.replace("\u2028", "")


COMMANDS = {
    "gaps": ["gaps"],
    "simulate": ["simulate", "--draws", "20"],
    "compare": ["compare"],
    "redeploy": ["redeploy", "--posts", "2", "--solver", "greedy"],
    "catchments": ["catchments", "--cell", "2000"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_hostile_registers_in_every_map(page, tmp_path, registers, command):
    _run([*COMMANDS[command], "--dept", "58", "--data-dir", str(registers), "--out", str(tmp_path)])
    page_text = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert "</script><svg" not in page_text and "{{ 7*7 }}" not in page_text and ">49<" not in page_text
    drawn = _open(page, tmp_path / "map.html")
    assert drawn["features"] >= 309
    assert any(_no_markup(text) for text in drawn["sites"]), drawn["sites"][:3]  # names shown as text
    assert _no_markup(_search(page, "58095"))  # a hostile commune name, found and shown as text
    assert HOSTILE_FILE in page.inner_text(".conum-sources")  # the file name, as text
    assert page.dialogs == [] and page.errors == [] and page.locator(INJECTED).count() == 0


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_hostile_registers_in_the_diff_map(page, tmp_path, demo_territory):
    before, after = tmp_path / "avant.csv", tmp_path / "apres.csv"
    write_france_services(demo_territory, before)
    write_france_services(demo_territory, after, keep=slice(2, None))
    _run(["diff", "--dept", "58", "--before", str(before), "--after", str(after), "--out", str(tmp_path / "out")])
    drawn = _open(page, tmp_path / "out" / "map.html")
    assert drawn["features"] == 309 and any(_no_markup(text) for text in drawn["sites"])


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_hostile_registers_in_the_national_atlas(page, tmp_path, registers):
    _run(["gaps", "--dept", "58,89", "--workers", "0", "--data-dir", str(registers), "--out", str(tmp_path)])
    _open(page, tmp_path / "france" / "index.html")
    assert HOSTILE_FILE in page.inner_text(".conum-sources")
    drawn = _open(page, tmp_path / "58" / "map.html")
    assert any(_no_markup(text) for text in drawn["sites"])


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_hostile_registers_in_the_timeline_chart(page, tmp_path, registers):
    _run(["timeline", "--dept", "58", "--data-dir", str(registers), "--out", str(tmp_path)])
    page.goto((tmp_path / "timeline.svg").as_uri())
    page.wait_for_timeout(300)
    assert page.dialogs == [] and page.errors == []
    assert HOSTILE_FILE in page.locator("svg").text_content()


def test_terminal_shows_control_characters_as_codes(tmp_path, demo_territory):
    """A register name holding a terminal escape sequence (clear screen) or a bidirectional
    override is printed as codes."""
    path = tmp_path / "fs.csv"
    write_france_services(demo_territory, path)
    path.write_text(path.read_text(encoding="utf-8").replace("France services", "FS\x1b[2J\u202eX"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["nearest", "--dept", "58", "--commune", "58194", "--france-services", str(path)])
    assert result.exit_code == 0, result.output
    assert "FS\\u001b[2J\\u202eX" in result.output and "\x1b" not in result.output and "\u202e" not in result.output
