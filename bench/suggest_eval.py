"""Evaluate `mapapp suggest` on the corpus: each document with its own plan excluded from the
gazetteer, measured against the project's own records for that plan.

Prints, per document: record recall (the share of the plan's records proposed, as a mention of a
known record or as a candidate with a matching name), mention-line recall, candidate precision
(the share of candidates that match one of the plan's records), and the share of matched located
records whose suggested geometry names the county (at most three counties, one of them a
county the record lies in; a whole city is not a county suggestion). A candidate matches a record
when its name equals the record's name or an alias (normalised, a parenthesis such as （吉安段）
left out: "strict"), or, on a line both cite, one name contains the other and the shorter is at
least half as long ("lenient"). The two "quote" columns also count a candidate that matches, in
the same lenient way, the quote of the record's mention on a line both cite: the quote is how
this document names the record (大学科技城 for 南昌（国家）大学科技城), not an alias of the record,
so these columns go beyond the issue's definition and are printed next to it, never instead.
The column "county right, ≤3 counties" goes beyond the issue's definition too: the same share
among the records that lie in at most three counties (a record covering a whole city or a long
route has no single county, and a city-wide suggestion is never counted right above). Also the
wall and CPU time per document.

With --loo, each document is measured at the score threshold picked on the other four (the best
harmonic mean of record recall and precision pooled over them), never on itself.

Usage: python bench/suggest_eval.py [--corpus DIR] [--min-score S | --loo] [--markdown]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapapp.admin import load_admin_boundaries  # noqa: E402
from mapapp.model import GeometrySpec, Record  # noqa: E402
from mapapp.project import Project  # noqa: E402
from mapapp.resolve import ResolveContext, resolve_record  # noqa: E402
from mapapp.suggest.document import normalise  # noqa: E402
from mapapp.suggest.run import load_inputs, suggest  # noqa: E402

MAX_COUNTIES = 3   # a suggestion spanning more counties does not name the county
PAREN = re.compile(r"[（(][^）)]*[）)]")


def record_names(rec) -> set[str]:
    out = set()
    for n in [rec.name, *rec.aliases]:
        out.add(normalise(n))
        out.add(normalise(PAREN.sub("", n)))
    return {n for n in out if n}


def lenient(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return short in long_ and len(short) * 2 >= len(long_)


def counties_of(geom, counties) -> set[str]:
    if geom is None or geom.is_empty:
        return set()
    if geom.geom_type in ("Point", "MultiPoint"):
        p = geom.representative_point()
        return {u.label for u in counties if u.geometry.contains(p)}
    out = set()
    for u in counties:
        if not u.geometry.intersects(geom):
            continue
        inter = u.geometry.intersection(geom)
        if geom.area > 0:
            share = inter.area / geom.area
        else:
            share = inter.length / geom.length if geom.length else 0
        if share >= 0.05:
            out.add(u.label)
    return out


def spec_of(d: dict) -> GeometrySpec:
    fields = {k: v for k, v in d.items() if k != "type"}
    if d["type"] == "osm":
        fields["fallback"] = spec_of(fields["fallback"])
    return GeometrySpec(d["type"], fields)


def evaluate(project: Project, plan_id: str, annotations, stations, ctx, counties, min_score: float,
             result=None) -> dict:
    """Return the figures of `mapapp suggest` on the plan's document (run now, or `result` of an
    earlier run) for the candidates scored `min_score` or more."""
    plan = annotations.plans[plan_id]
    doc = project.corpus_dir / plan.doc
    cpu0, t0 = time.process_time(), time.perf_counter()
    if result is None:
        result = suggest(project, doc, plan_id, [plan_id], annotations=annotations, stations=stations)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    own = [r for r in annotations.records.values() if plan_id in r.plans]
    names = {r.id: record_names(r) for r in own}
    lines_of = {r.id: {m.line for m in r.mentions if m.plan == plan_id} for r in own}
    quotes_of = {r.id: {(m.line, normalise(m.quote)) for m in r.mentions if m.plan == plan_id} for r in own}
    found_lines: dict[str, set[int]] = {r.id: set() for r in own}
    for km in result.known:
        if km.record.id in found_lines:
            found_lines[km.record.id] |= set(km.lines)
    known_ids = {km.record.id for km in result.known}
    props = [p for p in result.proposals if p.score >= min_score]
    strict_hits, lenient_hits, quote_hits, county_total, county_right = 0, 0, 0, 0, 0
    matched_ids, quote_ids = set(), set()
    unmatched, county_rows = [], []
    small_total, small_right = 0, 0   # records lying in at most MAX_COUNTIES counties
    for p in props:
        c = p.candidate
        strict = [rid for rid, ns in names.items() if c.name in ns]
        loose = strict or [rid for rid, ns in names.items()
                           if set(c.lines) & lines_of[rid] and any(lenient(c.name, n) for n in ns)]
        strict_hits += bool(strict)
        lenient_hits += bool(loose)
        by_quote = loose or [rid for rid, qs in quotes_of.items()
                             if any(line in c.lines and lenient(c.name, q) for line, q in qs)]
        quote_hits += bool(by_quote)
        quote_ids |= set(by_quote)
        if not loose:
            unmatched.append(p)
            continue
        rid = loose[0]
        matched_ids |= set(loose)
        for r in loose:
            found_lines[r] |= set(c.lines)
        rec = annotations.records[rid]
        resolved, _ = resolve_record(rec, ctx)
        truth = counties_of(resolved.geometry if resolved else None, counties)
        if not truth:
            continue
        county_total += 1
        sugg = p.suggestion.spec
        suggested: set[str] = set()
        if sugg["type"] != "none":
            probe = Record(id="probe", name=c.name, kind=c.kind, sectors=["urban"], status="planned",
                           geometry=spec_of(sugg))
            got, _ = resolve_record(probe, ctx)
            suggested = counties_of(got.geometry, counties) if got is not None else set()
        right = 0 < len(suggested) <= MAX_COUNTIES and bool(truth & suggested)
        county_right += right
        county_rows.append((p, rec, truth, suggested, right))
        if len(truth) <= MAX_COUNTIES:
            small_total += 1
            small_right += right
    proposed = (known_ids | matched_ids) & set(names)
    proposed_q = (known_ids | matched_ids | quote_ids) & set(names)
    total_lines = sum(len(v) for v in lines_of.values())
    covered = sum(len(lines_of[r] & found_lines[r]) for r in lines_of)
    return {"plan": plan_id, "chars": result.characters, "records": len(own),
            "known": len(known_ids & set(names)), "candidates": len(props),
            "record_recall": len(proposed) / len(own) if own else 0,
            "line_recall": covered / total_lines if total_lines else 0,
            "precision_strict": strict_hits / len(props) if props else 0,
            "precision": lenient_hits / len(props) if props else 0,
            "record_recall_q": len(proposed_q) / len(own) if own else 0,
            "precision_q": quote_hits / len(props) if props else 0,
            "county": county_right / county_total if county_total else 0, "county_n": county_total,
            "county_small": small_right / small_total if small_total else 0, "county_small_n": small_total,
            "wall_s": wall, "cpu_s": cpu,
            # details for bench/suggest_diagnose.py
            "missed": [r for r in own if r.id not in proposed], "unmatched": unmatched, "county_rows": county_rows,
            "result": result}


class EvaluationInputs(NamedTuple):
    """What every evaluation of the corpus reads once: the project, its annotations and stations,
    the resolve context and the counties of the boundary package."""

    project: Project
    annotations: object
    stations: object
    ctx: ResolveContext
    counties: list


def corpus_dir(arg: str) -> Path:
    """Return the corpus folder named on the command line, or /work/shared/corpus when it is none."""
    corpus = Path(arg)
    return corpus if corpus.is_dir() else Path("/work/shared/corpus")


def load_evaluation(corpus: Path) -> EvaluationInputs:
    """Return the inputs of an evaluation of `mapapp suggest` on the documents in `corpus`."""
    project = Project.from_settings(ROOT, None, corpus)
    annotations, stations = load_inputs(project)
    admin = load_admin_boundaries()
    ctx = ResolveContext(admin, stations, project.geodata_dir, None)
    return EvaluationInputs(project, annotations, stations, ctx, admin.units("county"))


THRESHOLDS = [round(0.4 + 0.05 * i, 2) for i in range(12)]   # 0.40 … 0.95


def f1(recall: float, precision: float) -> float:
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


def leave_one_out(project, annotations, stations, ctx, counties) -> list[dict]:
    """For each document, pick the score threshold on the other four (the one with the best
    harmonic mean of record recall and precision, both pooled over the four) and return the
    held-out document's figures at that threshold."""
    results = {pid: suggest(project, project.corpus_dir / annotations.plans[pid].doc, pid, [pid],
                            annotations=annotations, stations=stations) for pid in annotations.plans}
    grid = {(pid, t): evaluate(project, pid, annotations, stations, ctx, counties, t, results[pid])
            for pid in results for t in [0.0, *THRESHOLDS]}
    rows = []
    for held in results:
        def pooled(t, held=held):
            rs = [grid[(pid, t)] for pid in results if pid != held]
            found = sum(r["record_recall"] * r["records"] for r in rs)
            hits = sum(r["precision"] * r["candidates"] for r in rs)
            recall = found / sum(r["records"] for r in rs)
            precision = hits / max(1, sum(r["candidates"] for r in rs))
            return f1(recall, precision)
        best = max(THRESHOLDS, key=pooled)
        rows.append({**grid[(held, best)], "threshold": best})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent.parent / "shared" / "corpus"))
    ap.add_argument("--min-score", type=float, default=0.0)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--loo", action="store_true",
                    help="leave one document out: each document at the threshold picked on the other four")
    args = ap.parse_args()
    project, annotations, stations, ctx, counties = load_evaluation(corpus_dir(args.corpus))
    if args.loo:
        rows = leave_one_out(project, annotations, stations, ctx, counties)
    else:
        rows = [evaluate(project, pid, annotations, stations, ctx, counties, args.min_score)
                for pid in annotations.plans]
    head = ["plan", "characters", "records", "record recall", "mention-line recall", "candidates",
            "precision (strict)", "precision", "county right (n)", "county right, ≤3 counties (n)", "recall (quote)",
            "precision (quote)", "wall s", "CPU s"] + (["threshold"] if args.loo else [])
    fmt = [[r["plan"], f"{r['chars']:,}", str(r["records"]), f"{r['record_recall']:.0%}", f"{r['line_recall']:.0%}",
            str(r["candidates"]), f"{r['precision_strict']:.0%}", f"{r['precision']:.0%}",
            f"{r['county']:.0%} ({r['county_n']})", f"{r['county_small']:.0%} ({r['county_small_n']})",
            f"{r['record_recall_q']:.0%}", f"{r['precision_q']:.0%}",
            f"{r['wall_s']:.1f}", f"{r['cpu_s']:.1f}"] + ([f"{r['threshold']:.2f}"] if args.loo else [])
           for r in rows]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
        for f in fmt:
            print("| " + " | ".join(f) + " |")
    else:
        widths = [max(len(h), *(len(f[i]) for f in fmt)) for i, h in enumerate(head)]
        print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
        for f in fmt:
            print("  ".join(v.rjust(w) for v, w in zip(f, widths)))
    if args.loo:
        print("(leave one document out: each document at the score threshold with the best harmonic mean of "
              "record recall and precision on the other four; own plan excluded from the gazetteer)")
    else:
        print(f"(min score {args.min_score}; each document with its own plan excluded from the gazetteer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
