"""Data into pages: the one encoder for values embedded in a script, and the page's
Content-Security-Policy.

Register data is third-party: a lieu named ``</script><svg onload=alert(1)>`` must reach a
map as text, never as markup or code. Three rules, applied here once for every page:

- a value embedded in a ``<script>`` goes through ``script_json``: JSON whose ``<``, ``>``,
  ``&`` and U+2028/U+2029 are escaped (what Django's ``json_script`` and Jinja's ``tojson``
  do), so no value can close the script element or start a comment;
- text written into HTML goes through ``html_text`` (``map_frame.markup`` for folium's
  tooltips, which are JavaScript template strings); braces become entities too, because
  folium reads a layer's rendered script again as a Jinja template (a ``{{ … }}`` of the
  data would run there);
- every page carries a ``Content-Security-Policy`` (``with_csp``) that runs only the page's
  own inline scripts (by their SHA-256) and no script from the network, no event-handler
  attribute and no ``javascript:`` URL, and loads images only from the basemaps' hosts: were
  any markup to slip through, it could not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterable

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
                   "{": "\\u007b", "}": "\\u007d"}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACES = re.compile("[{}]")
#: HTML entities of the braces: folium re-reads a layer's rendered script as a Jinja template,
#: where a ``{{`` of the data would run.
HTML_BRACES = {"{": "&#123;", "}": "&#125;"}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_HEAD = re.compile(r"<head>", re.IGNORECASE)


def script_json(value) -> str:
    """``value`` as JSON text safe anywhere inside a ``<script>`` element, and inside folium's
    templates: braces within strings escaped too (module doc)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    text = _JSON_STRING.sub(lambda match: _BRACES.sub(lambda b: _SCRIPT_ESCAPES[b.group()], match.group()), text)
    return _SCRIPT_UNSAFE.sub(lambda match: _SCRIPT_ESCAPES[match.group()], text)


def html_text(text) -> str:
    """``text`` escaped for HTML, braces included (``HTML_BRACES``): safe in an element, an
    attribute, folium's tooltips and templates."""
    escaped = html.escape(str(text))
    return escaped.replace("{", HTML_BRACES["{"]).replace("}", HTML_BRACES["}"])


def _sha256_source(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(page: str, image_hosts: Iterable[str] = ()) -> str:
    """The policy of ``page``: its inline scripts by hash, images from ``image_hosts`` and
    ``data:``, inline styles, nothing else."""
    scripts = sorted({_sha256_source(body) for body in _INLINE_SCRIPT.findall(page)})
    directives = [
        "default-src 'none'",
        "script-src " + (" ".join(scripts) if scripts else "'none'"),
        "style-src 'unsafe-inline'",
        "img-src " + " ".join(["data:", *sorted(set(image_hosts))]),
        "base-uri 'none'",
        "form-action 'none'",
    ]
    return "; ".join(directives)


def with_csp(page: str, image_hosts: Iterable[str] = ()) -> str:
    """``page`` with its ``content_security_policy`` as the first element of ``<head>`` (so
    it governs everything after it)."""
    policy = content_security_policy(page, image_hosts)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    page, found = _HEAD.subn(lambda match: match.group() + meta, page, count=1)
    assert found, "a page without <head>: no place for its Content-Security-Policy"
    return page
