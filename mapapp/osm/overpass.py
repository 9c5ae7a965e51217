"""`mapapp osm fetch`: the same objects for Jiangxi from the Overpass API, for users who are online.

Queries are batched (one per tag key), retried with exponential backoff on 429 and 5xx (honouring
Retry-After), and each answer is cached on disk by the hash of its query, so a rerun after a
failure only asks for what is missing. Offline or refused requests give a clear OverpassError."""
from __future__ import annotations

import functools
import hashlib
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import shapely
from shapely.geometry import LineString, Point, Polygon

from ..atomic import write_file
from ..errors import OsmDataError, OverpassError
from .cache import JIANGXI_BBOX, CacheWriter
from .tags import ANY, WANTED, is_linear, is_wanted

DEFAULT_ENDPOINT = "https://overpass-api.de/api/interpreter"
RETRY_STATUSES = {429, 500, 502, 503, 504}


def build_queries(bbox=JIANGXI_BBOX) -> list[str]:
    """Return one Overpass QL query per wanted tag key, for the bbox (west, south, east, north)."""
    w, s, e, n = bbox
    queries = []
    for key, values in WANTED.items():
        sel = f'["{key}"]' if values == ANY else f'["{key}"~"^({"|".join(sorted(values))})$"]'
        queries.append(f"[out:json][timeout:180];nwr{sel}({s},{w},{n},{e});out tags geom;")
    return queries


def _post(endpoint: str, query: str, timeout: float) -> bytes:
    data = urllib.parse.urlencode({"data": query}).encode()
    req = urllib.request.Request(endpoint, data=data, headers={"User-Agent": "mapapp (osm fetch)"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.read()


def fetch_query(endpoint: str, query: str, answers_dir: Path, retries: int = 5, backoff_s: float = 2.0,
                timeout: float = 200.0, sleep: Callable[[float], None] = time.sleep) -> dict:
    """Return the JSON answer to `query`, from the answers cache or the endpoint (with retries).

    Raises OverpassError when offline, refused (4xx other than 429) or still failing after `retries`."""
    key = hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest()[:24]
    cached = answers_dir / f"{key}.json"
    if cached.is_file():
        try:
            answer = json.loads(cached.read_text(encoding="utf-8"))
            if isinstance(answer, dict):
                return answer
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            pass                     # a damaged cached answer is asked again
    last_error = ""
    for attempt in range(retries + 1):
        try:
            body = _post(endpoint, query, timeout)
            answer = json.loads(body)
            if not isinstance(answer, dict):
                raise json.JSONDecodeError("not a JSON object", "", 0)
            answers_dir.mkdir(parents=True, exist_ok=True)
            write_file(cached, functools.partial(Path.write_bytes, data=body))
            return answer
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRY_STATUSES:
                raise OverpassError(f"Overpass refused the request: HTTP {exc.code} {exc.reason} "
                                    f"from {endpoint}") from None
            last_error = f"HTTP {exc.code} {exc.reason}"
            wait = exc.headers.get("Retry-After") if exc.headers else None
            delay = float(wait) if wait and wait.isdigit() else backoff_s * 2 ** attempt
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, (ConnectionRefusedError, socket.gaierror)) or "Name or service" in str(reason):
                raise OverpassError(f"cannot reach Overpass at {endpoint} ({reason}): are you offline? "
                                  f"Use `mapapp osm import FILE.osm.pbf` with a downloaded extract instead") from None
            last_error = str(reason)
            delay = backoff_s * 2 ** attempt
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            last_error = "the answer is not a JSON object"
            delay = backoff_s * 2 ** attempt
        if attempt < retries:
            sleep(delay)
    raise OverpassError(f"Overpass at {endpoint} still failing after {retries + 1} attempts ({last_error})")


def element_geometry(el: dict):
    """Return the shapely geometry of an Overpass `out geom` element, or None."""
    tags = el.get("tags") or {}
    if el["type"] == "node":
        return Point(el["lon"], el["lat"])
    if el["type"] == "way":
        pts = [(p["lon"], p["lat"]) for p in el.get("geometry") or [] if p]
        if len(pts) < 2:
            return None
        closed = len(pts) >= 4 and pts[0] == pts[-1]
        return Polygon(pts) if closed and not is_linear(tags) else LineString(pts)
    if el["type"] == "relation":
        ways = [LineString([(p["lon"], p["lat"]) for p in m["geometry"] if p])
                for m in el.get("members") or [] if m.get("type") == "way" and len(m.get("geometry") or []) >= 2]
        if not ways:
            return None
        if tags.get("type") in ("multipolygon", "boundary") and not is_linear(tags):
            polys = shapely.get_parts(shapely.polygonize(ways))
            return shapely.make_valid(shapely.union_all(polys)) if len(polys) else None
        return shapely.line_merge(shapely.union_all(ways))
    return None


def fetch_overpass(cache_dir: Path, endpoint: str = DEFAULT_ENDPOINT, bbox=JIANGXI_BBOX,
                   progress: Callable[[str], None] | None = None, **retry) -> dict:
    """Fetch every wanted object in the bbox from Overpass into the cache. Returns the cache metadata.

    The previous cache is replaced only when every query succeeded."""
    say = progress or (lambda _m: None)
    answers_dir = Path(cache_dir).with_name(Path(cache_dir).name + "-overpass-answers")
    queries = build_queries(bbox)
    answers = []
    for i, q in enumerate(queries, start=1):
        say(f"Overpass query {i}/{len(queries)}")
        answers.append(fetch_query(endpoint, q, answers_dir, **retry))
    writer = CacheWriter(cache_dir, source=f"Overpass API {endpoint}", bbox=bbox)
    try:
        seen = set()
        stamps = []
        for answer in answers:
            stamps.append(str((answer.get("osm3s") or {}).get("timestamp_osm_base", "")))
            for el in answer.get("elements") or []:
                try:
                    oid = el["type"][0] + str(int(el["id"]))
                    tags = {str(k): str(v) for k, v in (el.get("tags") or {}).items()}
                    if oid in seen or not is_wanted(tags):
                        continue
                    seen.add(oid)
                    geom = element_geometry(el)
                except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                    raise OsmDataError(f"Overpass answer from {endpoint} holds a malformed element "
                                       f"({type(exc).__name__}: {exc}): {json.dumps(el)[:200]}") from None
                if geom is not None and not geom.is_empty:
                    writer.add(oid, tags, geom)
        return writer.commit(max(stamps) if stamps else "")
    except BaseException:
        writer.abort()
        raise
