"""The command line: `mapapp validate | build | export | app`, a thin shell over the library."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import MapappError, ValidationFailed
from .project import Project


def _progress(msg: str) -> None:
    print(f"  … {msg}", file=sys.stderr, flush=True)


def _project(args) -> Project:
    return Project.from_settings(args.data, args.build_dir, getattr(args, "corpus", None))


def cmd_validate(args) -> int:
    from .pipeline import check

    project = _project(args)
    result = check(project, progress=_progress)
    if result.problems:
        for p in result.problems:
            print(p)
        files = {p.file for p in result.problems}
        print(f"\n{len(result.problems)} problem(s) in {len(files)} file(s).", file=sys.stderr)
        return 1
    recs = result.annotations.records
    located = sum(1 for r in result.resolved.values() if r.geometry is not None)
    quotes = (f"; {result.mentions_checked} quotes found on their cited lines in {project.corpus_dir}"
              if project.corpus_dir else " (quotes not checked: pass --corpus DIR)")
    print(f"OK: {len(recs)} records, {located} located{quotes}.")
    return 0


def cmd_build(args) -> int:
    from .pipeline import build

    project = _project(args)
    manifest = build(project, progress=_progress)
    print(f"Built {project.build_dir}: {manifest['records']} records, {manifest['located']} located "
          f"({', '.join(f'{k} {v}' for k, v in manifest['by_precision'].items())}) in {manifest['seconds']} s.")
    osm = manifest["osm"]
    if osm["matched"] or osm["unmatched"]:
        where = f"OSM cache of {osm['cache']['data_timestamp']}" if osm["cache"] else "no OSM cache"
        print(f"OSM selectors ({where}): {len(osm['matched'])} matched, {len(osm['unmatched'])} kept their fallback.")
        for entry in osm["unmatched"]:
            print(f"  {entry['record']}: osm selector unresolved ({entry['why']})")
    return 0


def cmd_export(args) -> int:
    from .export import write_export
    from .features import FeatureFilter, filter_features
    from .pipeline import ensure_build

    project = _project(args)
    b = ensure_build(project, progress=_progress)
    flt = FeatureFilter(plans=args.plan, sectors=args.sector, kinds=args.kind, statuses=args.status,
                        precisions=args.precision, within=args.within, query=args.name or "",
                        include_unlocated=args.include_unlocated)
    _check_choices(b.manifest, flt)
    selected = filter_features(b.features, flt, b.boundaries)
    fmt = write_export(selected, Path(args.output), args.format)
    print(f"Wrote {len(selected)} features to {args.output} ({fmt}).")
    return 0


def _check_choices(manifest: dict, flt) -> None:
    known = {"plans": [p["id"] for p in manifest["plans"]], "sectors": list(manifest["vocabulary"]["sectors"]),
             "kinds": list(manifest["vocabulary"]["kinds"]), "statuses": list(manifest["vocabulary"]["statuses"]),
             "precisions": list(manifest["vocabulary"]["precisions"])}
    for field, allowed in known.items():
        bad = [v for v in getattr(flt, field) if v not in allowed]
        if bad:
            raise MapappError(f"unknown {field[:-1] if field != 'statuses' else 'status'} "
                              f"{', '.join(bad)} (known: {', '.join(allowed)})")


def cmd_osm_import(args) -> int:
    from .osm.pbf_import import import_extract, terminal_progress

    project = _project(args)
    meta = import_extract(Path(args.file), project.osm_cache_dir, bbox=None if args.all else _bbox(args.bbox),
                          node_index=args.node_index, progress=terminal_progress("import"))
    print(f"OSM cache {project.osm_cache_dir}: {meta['objects']:,} objects, data as of {meta['data_timestamp']}.")
    return 0


def cmd_osm_fetch(args) -> int:
    from .osm.overpass import fetch_overpass

    project = _project(args)
    from .osm.overpass import DEFAULT_ENDPOINT

    meta = fetch_overpass(project.osm_cache_dir, endpoint=args.endpoint or DEFAULT_ENDPOINT, bbox=_bbox(args.bbox),
                          progress=_progress)
    print(f"OSM cache {project.osm_cache_dir}: {meta['objects']:,} objects, data as of {meta['data_timestamp']}.")
    return 0


def cmd_osm_stations(args) -> int:
    from .osm.cache import OsmCache
    from .osm.station_refresh import MOVED_M, refresh_stations

    project = _project(args)
    cache = OsmCache.open(project.osm_cache_dir)
    if cache is None:
        raise MapappError(f"no OSM cache in {project.osm_cache_dir}: "
                          f"run `mapapp osm import FILE` or `mapapp osm fetch`")
    changes, missing = refresh_stations(project.geodata_dir / "stations", cache, write=args.write)
    moved = [c for c in changes if c.distance_m > MOVED_M]
    print(f"{len(changes)} stations found in OSM, {len(missing)} not found, {len(moved)} moved by more than {MOVED_M:.0f} m:")
    for c in sorted(moved, key=lambda c: -c.distance_m):
        print(f"  {c.name}: {c.distance_m:,.0f} m ({c.old[0]:.5f}, {c.old[1]:.5f}) -> ({c.new[0]:.5f}, {c.new[1]:.5f}) {c.osm_id}")
    if missing:
        print(f"not in OSM: {', '.join(missing)}")
    print("tables updated." if args.write else "nothing written (use --write to update the tables).")
    return 0


def _bbox(text: str | None):
    from .osm.cache import JIANGXI_BBOX

    if not text:
        return JIANGXI_BBOX
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise MapappError(f"--bbox must be WEST,SOUTH,EAST,NORTH in degrees, got '{text}'") from None
    if not (w < e and s < n):
        raise MapappError(f"--bbox {text}: west must be < east and south < north")
    return (w, s, e, n)


def cmd_profile(args) -> int:
    from .pipeline import ensure_build
    from .placement import placement_profile

    table = placement_profile(ensure_build(_project(args), progress=_progress).features)
    print(table.to_csv(index=False) if args.csv else table.to_string(index=False))
    return 0


def cmd_app(args) -> int:
    from .app.launch import launch

    return launch(_project(args), host=args.host, port=args.port, open_browser=not args.no_browser)


def parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `mapapp` command."""
    top = argparse.ArgumentParser(prog="mapapp", description="Chinese development plans as an evidence-backed map.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", metavar="DIR", help="folder with corpus_annotations/ and geodata/ "
                        "(default: $MAPAPP_DATA or the embedded data)")
    common.add_argument("--build-dir", metavar="DIR", help="build folder (default: $MAPAPP_BUILD or DATA/build)")
    corpus = argparse.ArgumentParser(add_help=False)
    corpus.add_argument("--corpus", metavar="DIR", help="folder of plan documents (default: $MAPAPP_CORPUS); "
                        "quotes are checked against it")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", parents=[common, corpus], help="check every annotation and geodata file",
                       description="Check every annotation and geodata file; with --corpus, check that each "
                                   "quote stands on its cited line. Exit 1 when anything is wrong.")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("build", parents=[common, corpus], help="validate, resolve geometry, write the build",
                       description="Validate, resolve every record's geometry and write the feature table "
                                   "(GeoParquet), boundaries and manifest into the build folder atomically.")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("export", parents=[common, corpus], help="export the (filtered) features",
                       description="Export features as GeoJSON (RFC 7946), GeoPackage or CSV. Filters combine "
                                   "with AND; repeated options with OR. Builds first if there is no build.")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--format", choices=("geojson", "gpkg", "csv"), help="default: from the file suffix")
    p.add_argument("--plan", action="append", default=[], metavar="ID")
    p.add_argument("--sector", action="append", default=[], metavar="S")
    p.add_argument("--kind", action="append", default=[], metavar="K")
    p.add_argument("--status", action="append", default=[], metavar="S")
    p.add_argument("--precision", action="append", default=[], metavar="P")
    p.add_argument("--within", action="append", default=[], metavar="ADMIN_NAME",
                   help="keep features that intersect this province, city or county (e.g. 吉安市)")
    p.add_argument("--name", metavar="TEXT", help="keep features whose name or alias contains TEXT")
    p.add_argument("--include-unlocated", action="store_true", help="add records without geometry (null)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("profile", parents=[common, corpus], help="how precisely the records are placed, per plan",
                       description="Print the precision profile per plan: records, placed within 2 km (exact or "
                                   "derived geometry, or uncertainty_m <= 2000), points stacked on one spot with "
                                   "two or more others, admin upper bounds and unlocated records.")
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.set_defaults(func=cmd_profile)
    p = sub.add_parser("app", parents=[common, corpus], help="open the interactive map in the browser",
                       description="Start the Streamlit map on the build (building it first if needed).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--no-browser", action="store_true")
    p.set_defaults(func=cmd_app)

    osm = sub.add_parser("osm", help="join records to OpenStreetMap (import, fetch, stations)",
                         description="Fill the local OSM cache (next to the build) from an extract or from "
                                     "Overpass; `mapapp build` then resolves `osm` geometry specs from it.")
    osm_sub = osm.add_subparsers(dest="osm_command", required=True)
    p = osm_sub.add_parser("import", parents=[common], help="import a .osm.pbf / .osm extract (one streaming pass)",
                           description="Import the objects mapapp needs from an OSM extract in one streaming pass. "
                                       "A failed import leaves the previous cache intact; rerun to restart.")
    p.add_argument("file", metavar="FILE.osm.pbf")
    p.add_argument("--bbox", metavar="W,S,E,N", help="keep objects in this box (default: Jiangxi with a margin)")
    p.add_argument("--all", action="store_true", help="keep objects everywhere (no bbox)")
    p.add_argument("--node-index", default="flex_mem", metavar="TYPE",
                   help="libosmium node location index; 'sparse_file_array,/tmp/nodes.idx' bounds memory "
                        "on a national extract (default: flex_mem)")
    p.set_defaults(func=cmd_osm_import)
    p = osm_sub.add_parser("fetch", parents=[common], help="fetch the same objects for Jiangxi from Overpass",
                           description="Fetch from the Overpass API (batched, retried with backoff on 429/5xx, "
                                       "answers cached on disk).")
    p.add_argument("--endpoint", default=None, metavar="URL", help="Overpass interpreter URL")
    p.add_argument("--bbox", metavar="W,S,E,N")
    p.set_defaults(func=cmd_osm_fetch)
    p = osm_sub.add_parser("stations", parents=[common], help="compare (and refresh) the rail station tables with OSM",
                           description="Match rail stations to OSM railway=station by name and report those "
                                       "more than 200 m away; --write updates coordinates and sources.")
    p.add_argument("--write", action="store_true")
    p.set_defaults(func=cmd_osm_stations)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 user error)."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationFailed as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"\n{len(exc.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    except MapappError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
