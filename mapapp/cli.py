"""The command line: `mapapp validate | build | export | stats | compare | report | app`, a thin
shell over the library."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import MapappError, ValidationFailed
from .project import Project


def _progress(msg: str) -> None:
    print(f"  … {msg}", file=sys.stderr, flush=True)


def _project(args) -> Project:
    return Project.from_settings(args.data, args.build_dir, getattr(args, "corpus", None),
                                 getattr(args, "store", None))


def cmd_validate(args) -> int:
    from .pipeline import check

    project = _project(args)
    result = check(project, progress=_progress)
    if result.annotations is not None:
        from .corpus import Corpus
        from .suggest.drafts import check_draft_folder

        corpus = Corpus(project.corpus_dir) if project.corpus_dir else None
        result.problems += check_draft_folder(project.annotations_dir, result.annotations, corpus)
    if result.problems:
        for p in result.problems:
            print(p)
        files = {p.file for p in result.problems}
        print(f"\n{len(result.problems)} problem(s) in {len(files)} file(s).", file=sys.stderr)
        return 1
    for w in result.warnings:
        print(w)
    recs = result.annotations.records
    located = sum(1 for r in result.resolved.values() if r.geometry is not None)
    quotes = (f"; {result.mentions_checked} quotes found on their cited lines in {project.corpus_dir}"
              if project.corpus_dir else " (quotes not checked: pass --corpus DIR)")
    warned = f" {len(result.warnings)} warning(s) above." if result.warnings else ""
    print(f"OK: {len(recs)} records, {located} located{quotes}.{warned}")
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
    from .pipeline import ensure_store

    with ensure_store(_project(args), progress=_progress).reading() as store:
        flt = _filter_of(args, store.manifest(), args.within, args.include_unlocated)
        selected = store.select(flt)
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
    print(f"{len(changes)} stations found in OSM, {len(missing)} not found, "
          f"{len(moved)} moved by more than {MOVED_M:.0f} m:")
    for c in sorted(moved, key=lambda c: -c.distance_m):
        print(f"  {c.name}: {c.distance_m:,.0f} m ({c.old[0]:.5f}, {c.old[1]:.5f}) -> "
              f"({c.new[0]:.5f}, {c.new[1]:.5f}) {c.osm_id}")
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


def _add_filter_options(p: argparse.ArgumentParser) -> None:
    """The feature filters shared by `export`, `stats` and `report`."""
    p.add_argument("--plan", action="append", default=[], metavar="ID")
    p.add_argument("--sector", action="append", default=[], metavar="S")
    p.add_argument("--kind", action="append", default=[], metavar="K")
    p.add_argument("--status", action="append", default=[], metavar="S")
    p.add_argument("--precision", action="append", default=[], metavar="P")
    p.add_argument("--name", metavar="TEXT", help="keep features whose name or alias contains TEXT")


def _filter_of(args, manifest: dict, within: list[str] | None = None, include_unlocated: bool = False):
    """Return the FeatureFilter of the options `_add_filter_options` adds. Raises MapappError for a
    value the build's vocabulary or plans do not know."""
    from .features import FeatureFilter

    flt = FeatureFilter(plans=args.plan, sectors=args.sector, kinds=args.kind, statuses=args.status,
                        precisions=args.precision, within=within or [], query=args.name or "",
                        include_unlocated=include_unlocated)
    _check_choices(manifest, flt)
    return flt


def cmd_stats(args) -> int:
    from .area_stats import area_statistics, readable_table, statistics_csv
    from .export import write_bytes
    from .pipeline import ensure_store

    with ensure_store(_project(args), progress=_progress).reading() as store:
        manifest = store.manifest()
        table = area_statistics(store.select, store.boundaries(), manifest, args.by, _filter_of(args, manifest))
    if args.output:
        write_bytes(statistics_csv(table), Path(args.output))
        print(f"Wrote {len(table)} {args.by} rows to {args.output}.")
    else:
        print(readable_table(table))
    return 0


def cmd_compare(args) -> int:
    from .export import write_bytes
    from .pipeline import ensure_store
    from .plan_compare import compare_plans, comparison_csv, comparison_json, group_counts, readable_comparison

    with ensure_store(_project(args), progress=_progress).reading() as store:
        plans = [p["id"] for p in store.manifest()["plans"]]
        table = compare_plans(store.select, args.plan_a, args.plan_b, plans)
    if args.output:
        suffix = Path(args.output).suffix.lower()
        if suffix not in (".csv", ".json"):
            raise MapappError(f"cannot tell the format of {args.output}: name it .csv or .json")
        data = comparison_csv(table) if suffix == ".csv" else comparison_json(table, args.plan_a, args.plan_b)
        write_bytes(data, Path(args.output))
        counts = ", ".join(f"{k} {v}" for k, v in group_counts(table).items())
        print(f"Wrote {len(table)} rows to {args.output} ({counts}).")
    else:
        print(readable_comparison(table, args.plan_a, args.plan_b))
    return 0


def cmd_report(args) -> int:
    from .area_report import area_report, render_report
    from .export import write_bytes
    from .pipeline import ensure_store

    with ensure_store(_project(args), progress=_progress).reading() as store:
        manifest = store.manifest()
        rep = area_report(store.select, store.boundaries(), manifest, args.within, _filter_of(args, manifest),
                          args.lang)
    fmt = args.format or ("html" if args.output and Path(args.output).suffix.lower() in (".html", ".htm") else "md")
    data = render_report(rep, fmt)
    if args.output:
        write_bytes(data, Path(args.output))
        print(f"Wrote the brief of {rep.unit['name']} ({len(rep.entities)} entities) to {args.output} ({fmt}).")
    else:
        sys.stdout.write(data.decode("utf-8"))
    return 0


def cmd_suggest(args) -> int:
    from .suggest.drafts import DRAFTS_FOLDER, write_draft
    from .suggest.progress import terminal_bar
    from .suggest.run import draft_entries, load_inputs, suggest

    project = _project(args)
    annotations, stations = load_inputs(project)
    result = suggest(project, Path(args.document), args.plan_id, args.exclude_plan, progress=terminal_bar(),
                     annotations=annotations, stations=stations)
    entries = draft_entries(result, annotations, min_score=args.min_score)
    out = Path(args.output) if args.output else project.annotations_dir / DRAFTS_FOLDER / f"{args.plan_id}.yaml"
    header = (f"Draft records proposed by `mapapp suggest` for plan {args.plan_id} from {Path(args.document).name}"
              f"{' (gazetteer without ' + ', '.join(args.exclude_plan) + ')' if args.exclude_plan else ''}.\n"
              f"Not read by the build. Review: mapapp review {out}")
    write_draft(entries, out, header)
    n_known = sum(1 for e in entries if "add_mentions_to" in e)
    print(f"Wrote {out}: {n_known} known records named, {len(entries) - n_known} new candidates "
          f"({result.characters:,} characters in {result.seconds:.1f} s).")
    return 0


def cmd_review(args) -> int:
    from .suggest.cli_review import review_loop

    return review_loop(_project(args), Path(args.draft), input_fn=input, show=print)


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
    common.add_argument("--store", metavar="URL", help="keep the build in a shared PostGIS store, e.g. "
                        "postgresql://user@host:5432/db, instead of the build folder (default: $MAPAPP_STORE)")
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
    _add_filter_options(p)
    p.add_argument("--within", action="append", default=[], metavar="ADMIN_NAME",
                   help="keep features that intersect this province, city or county (e.g. 吉安市)")
    p.add_argument("--include-unlocated", action="store_true", help="add records without geometry (null)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("profile", parents=[common, corpus], help="how precisely the records are placed, per plan",
                       description="Print the precision profile per plan: records, placed within 2 km (exact or "
                                   "derived geometry, or uncertainty_m <= 2000), points stacked on one spot with "
                                   "two or more others, admin upper bounds and unlocated records.")
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.set_defaults(func=cmd_profile)
    p = sub.add_parser("stats", parents=[common, corpus], help="statistics by county or city (查询统计)",
                       description="One row per county (or city) holding at least one feature that matches the "
                                   "filters: adcode, name, city, level, features (counted as `export --within` "
                                   "counts them), precise, upper_bound, area_km2 (zones clipped to the unit, "
                                   "equal-area), length_km (lines clipped, geodesic), then a count per plan and "
                                   "per sector. Without -o, a table on stdout.")
    p.add_argument("--by", choices=("county", "city"), default="county")
    _add_filter_options(p)
    p.add_argument("-o", "--output", metavar="FILE.csv", help="write CSV here")
    p.set_defaults(func=cmd_stats)
    p = sub.add_parser("compare", parents=[common, corpus], help="compare two plans (对比分析)",
                       description="One row per entity named by either plan: id, name, kind, in_a, in_b, the "
                                   "status each plan states (status_a, status_b), the cited lines and the group: "
                                   "changed (named by both, status changed), both, only_a, only_b - in that order.")
    p.add_argument("plan_a", metavar="PLAN_A")
    p.add_argument("plan_b", metavar="PLAN_B")
    p.add_argument("-o", "--output", metavar="FILE.csv|FILE.json")
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("report", parents=[common, corpus], help="a brief for one county or city (Markdown or HTML)",
                       description="Write the brief of one county, city or the province: counts by plan and "
                                   "sector, every entity in it with its precision and first quote (plan, line).")
    p.add_argument("--within", required=True, metavar="NAME", help="a full unit name (青云谱区, 吉安市) or adcode")
    _add_filter_options(p)
    p.add_argument("--format", choices=("md", "html"), help="default: html for a .html file, else md")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("app", parents=[common, corpus], help="open the interactive map in the browser",
                       description="Start the Streamlit map on the build (building it first if needed).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--no-browser", action="store_true")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("suggest", parents=[common], help="find the entities of a new plan document, draft records",
                       description="Read a plain-text plan document, find the lines that name known records and "
                                   "new candidate entities, suggest geometry, and write a draft records file "
                                   "(default corpus_annotations/drafts/PLAN.yaml) for `mapapp review`. "
                                   "Drafts never enter the build.")
    p.add_argument("document", metavar="DOC.txt")
    p.add_argument("--plan-id", required=True, metavar="ID", help="the document's plan id in plans.yaml")
    p.add_argument("--exclude-plan", action="append", default=[], metavar="ID",
                   help="leave this plan's records out of the gazetteer (for evaluation)")
    p.add_argument("-o", "--output", metavar="DRAFT.yaml")
    p.add_argument("--min-score", type=float, default=0.0, metavar="S", help="drop candidates scored below S")
    p.set_defaults(func=cmd_suggest)
    p = sub.add_parser("review", parents=[common, corpus], help="accept, edit, merge or reject drafted records",
                       description="Show each proposed entry of a draft with its paragraph; accept it (optionally "
                                   "with another name or kind), merge it into an existing record, or reject it. "
                                   "Accepted records go to corpus_annotations/records/PLAN.suggested.yaml.")
    p.add_argument("draft", metavar="DRAFT.yaml")
    p.set_defaults(func=cmd_review)

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
