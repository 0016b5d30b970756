"""The JavaScript and CSS every map embeds, so that it renders with no network at all.

Leaflet and Leaflet.markercluster come from their XStatic packages (declared dependencies:
the library's own files, at the version folium targets); the map's behaviour (search, full
screen, print, colouring switch, offline notice) is our own script, ``static/conum-map.js``,
and its style ``static/conum-map.css``. Images the CSS refers to become ``data:`` URIs. The
page then loads nothing but its basemap tiles, and shows the communes and landmarks without
them.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from pathlib import Path

_URL = re.compile(r"url\(\s*['\"]?(images/[^'\")]+)['\"]?\s*\)")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}


def _xstatic_dir(package: str) -> Path:
    module = __import__(f"xstatic.pkg.{package}", fromlist=["BASE_DIR"])
    return Path(module.BASE_DIR)


def _inline_images(css: str, folder: Path) -> str:
    def data_uri(match: re.Match) -> str:
        path = folder / match.group(1)
        payload = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:{_MIME[path.suffix]};base64,{payload})"

    return _URL.sub(data_uri, css)


def _read(path: Path) -> str:
    return _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))


def _own(name: str) -> str:
    return (resources.files("conum_geo.outputs") / "static" / name).read_text(encoding="utf-8")


@cache
def map_assets() -> tuple[str, str]:
    """``(css, js)``: everything a map page needs, as text to inline in its ``<head>``."""
    leaflet = _xstatic_dir("leaflet")
    cluster = _xstatic_dir("leaflet_markercluster")
    css = "\n".join([
        _inline_images(_read(leaflet / "leaflet.css"), leaflet),
        _read(cluster / "MarkerCluster.css"), _read(cluster / "MarkerCluster.Default.css"),
        _own("conum-map.css"),
    ])
    js = "\n;\n".join([_read(leaflet / "leaflet.js"), _read(cluster / "leaflet.markercluster.js"),
                       _own("conum-map.js")])
    return css, js


def inline_head() -> str:
    """The ``<style>`` and ``<script>`` elements of ``map_assets`` (``</`` escaped in scripts)."""
    css, js = map_assets()
    js = js.replace("</script", "<\\/script")
    return f"<style>\n{css}\n</style>\n<script>\n{js}\n</script>\n"
