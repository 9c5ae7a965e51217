"""The map's scripts and styles, served by Streamlit's static serving: Leaflet and
Leaflet.markercluster from the installed XStatic packages, protomaps-leaflet (the vector tile layer)
from the npm package `make setup` installs into js/node_modules, and the app's own
`static/mapapp.js` and `static/mapapp.css` (the Leaflet drawing) and `static/prefetch.js` (starts reading the
map's features before the libraries have loaded).

Streamlit serves the files of the folder `static/` next to the page script at `/app/static/…`. The
page script therefore runs from a small runtime folder (`runtime_dir()`) that holds a one-line stub
script and copies of those files; nothing is fetched from a CDN.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

import functools
import hashlib

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_cluster

from ..errors import MapappError
from ..project import PACKAGE_ROOT

STATIC_URL = "/app/static"
STUB_NAME = "mapapp_page.py"
_STUB = "from mapapp.app.page import main\n\nmain()\n"
_LEAFLET_FILES = ("leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png",
                  "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png")
_CLUSTER_FILES = ("leaflet.markercluster.js", "MarkerCluster.css")
OWN_DIR = Path(__file__).resolve().parent / "static"
_OWN_FILES = ("mapapp.js", "mapapp.css", "prefetch.js")
# npm packages installed by `make setup` (js/package.json); MAPAPP_JS_MODULES names another node_modules
JS_MODULES = Path(os.environ.get("MAPAPP_JS_MODULES", PACKAGE_ROOT / "js" / "node_modules"))
_PROTOMAPS = ("protomaps-leaflet", "dist/protomaps-leaflet.js")


def protomaps_version() -> str | None:
    """Return the installed protomaps-leaflet version, or None when `make setup` has not installed it."""
    package, script = _PROTOMAPS
    try:
        meta = json.loads((JS_MODULES / package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(meta.get("version")) if (JS_MODULES / package / script).is_file() else None


def require_protomaps() -> None:
    """Return when the vector tile layer's script is installed. Raises MapappError saying how to install it."""
    if protomaps_version() is None:
        raise MapappError(f"the map's vector tile layer needs protomaps-leaflet in {JS_MODULES}: run `make setup` "
                          f"(or `npm ci` in the repository's js/ folder)")


def js_links(prefetch: str | None = None, tiled: bool = False) -> list[tuple[str, str]]:
    """Return folium-style (name, url) pairs of the scripts the map needs, all local, in load order
    (st_folium loads them one after the other). `prefetch`: the URL of the features the map will
    read (mapapp.load): a small first script starts fetching and decoding them, and asks for the
    scripts after it all at once (preload), so their one-by-one loading reads them from the cache.
    `tiled`: the map draws vector tiles, so protomaps-leaflet is loaded too (call
    require_protomaps first)."""
    links = [("leaflet", f"{STATIC_URL}/leaflet/leaflet.js"),
             ("markercluster", f"{STATIC_URL}/markercluster/leaflet.markercluster.js")]
    if tiled:
        links.append(("protomaps", f"{STATIC_URL}/protomaps/protomaps-leaflet.js"))
    links.append(("mapapp", f"{STATIC_URL}/mapapp/mapapp.js?v={_own_tag()}"))
    if not prefetch:
        return links
    scripts = quote(",".join(url for _, url in links))
    first = f"{STATIC_URL}/mapapp/prefetch.js?v={_own_tag()}&url={quote(prefetch)}&scripts={scripts}"
    return [("mapapp_prefetch", first), *links]


def css_links() -> list[tuple[str, str]]:
    """Return folium-style (name, url) pairs of the stylesheets the map needs, all local."""
    return [("leaflet_css", f"{STATIC_URL}/leaflet/leaflet.css"),
            ("markercluster_css", f"{STATIC_URL}/markercluster/MarkerCluster.css"),
            ("mapapp_css", f"{STATIC_URL}/mapapp/mapapp.css?v={_own_tag()}")]


def icon_path() -> str:
    """Return the URL folder of Leaflet's default marker images."""
    return f"{STATIC_URL}/leaflet/images/"


def _sources() -> dict[str, Path]:
    leaflet = Path(xs_leaflet.BASE_DIR)
    files = {f"leaflet/{name}": leaflet / name for name in _LEAFLET_FILES}
    files.update({f"markercluster/{name}": Path(xs_cluster.BASE_DIR) / name for name in _CLUSTER_FILES})
    files.update({f"mapapp/{name}": OWN_DIR / name for name in _OWN_FILES})
    if protomaps_version():
        files["protomaps/protomaps-leaflet.js"] = JS_MODULES / _PROTOMAPS[0] / _PROTOMAPS[1]
    return files


@functools.lru_cache(maxsize=1)
def _own_tag() -> str:
    """Return a short hash of the app's own static files (a new version gets a new folder and URL);
    read once per process."""
    h = hashlib.sha256()
    for name in _OWN_FILES:
        h.update((OWN_DIR / name).read_bytes())
    return h.hexdigest()[:10]


def runtime_dir() -> Path:
    """Return the folder with the page stub and static/ (created on first use, reused after).

    The folder name carries the package versions, so an upgrade makes a fresh one. It is written
    to a temporary name and renamed into place, so concurrent launches never see half a folder."""
    tag = (f"mapapp-{version('mapapp')}-leaflet-{version('XStatic-Leaflet')}"
           f"-cluster-{version('XStatic-Leaflet-MarkerCluster')}-pm-{protomaps_version()}-own-{_own_tag()}")
    uid = os.getuid() if hasattr(os, "getuid") else 0
    target = Path(tempfile.gettempdir()) / f"mapapp-app-{uid}" / tag
    if _complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    for rel, src in _sources().items():
        dest = tmp / "static" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    (tmp / STUB_NAME).write_text(_STUB, encoding="utf-8")
    if target.exists() and not _complete(target):
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(tmp, target)
    except OSError:  # another launch made it meanwhile: its folder is identical
        shutil.rmtree(tmp, ignore_errors=True)
    if not _complete(target):
        raise MapappError(f"cannot prepare the app's runtime folder {target}")
    return target


DATA_DIR = "data"


def publish(name: str, content: str | bytes, suffix: str = ".json") -> str:
    """Put `content` (a build's layer: GeoJSON text, or bytes such as gzip-compressed JSON with
    suffix ".json.gz") in the static folder under a name made of `name`, a hash of the content
    and `suffix`, and return its URL. The browser fetches it once and caches it, instead of
    receiving it again with the map on every rerun. Written atomically; a file that is already
    there is reused (same name, same content). A ".gz" file is served as application/gzip, so
    Streamlit sends it as it is (no compression per request) and the page decompresses it."""
    target = _publish_target(name, content, suffix)
    if not target.is_file():
        data = content.encode("utf-8") if isinstance(content, str) else content
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    return f"{STATIC_URL}/{DATA_DIR}/{target.name}"


@functools.lru_cache(maxsize=48)  # a build's layers in both datums, for the 4 builds page.py caches
def _publish_target(name: str, content: str | bytes, suffix: str) -> Path:
    """Return the file `publish` writes `content` to. Memoised: the page publishes the same build
    layers on every rerun, and Python keeps a str's or bytes' hash, so a repeat costs no hashing
    of megabytes."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    digest = hashlib.sha256(data).hexdigest()[:20]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    return runtime_dir() / "static" / DATA_DIR / f"{safe}-{digest}{suffix}"


def publish_file(name: str, source: Path, key: str) -> str:
    """Put a copy of the file `source` (a build's vector tiles) in the static folder as `name` made
    unique by `key` (the build id) and return its URL. Streamlit serves it with HTTP range requests,
    which is how PMTiles are read. Copied once per key (atomically); later calls reuse it."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in f"{name}-{key}")
    file_name = f"{safe}{Path(source).suffix}"
    target = runtime_dir() / "static" / DATA_DIR / file_name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # same file system: a hard link, no copy
            os.link(source, target)
    if not target.is_file():
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise MapappError(f"cannot publish {source} to the app's static folder: {exc.strerror or exc}") from None
    return f"{STATIC_URL}/{DATA_DIR}/{file_name}"


def _complete(folder: Path) -> bool:
    return (folder / STUB_NAME).is_file() and all((folder / "static" / rel).is_file() for rel in _sources())
