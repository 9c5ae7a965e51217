"""List what `bench/suggest_eval.py` counts against `mapapp suggest`, per document (own plan
excluded): the plan's records not proposed (with the quote and text of their first mentions),
the candidates that match no record, and the matched located records whose suggested county is
wrong (the record's counties, the suggestion's, and why it was made). For reading, not a figure.

Usage: python bench/suggest_diagnose.py [--corpus DIR] [--plan ID]… [--min-score S]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from suggest_eval import evaluate  # noqa: E402

from mapapp.admin import load_admin_boundaries  # noqa: E402
from mapapp.project import Project  # noqa: E402
from mapapp.resolve import ResolveContext  # noqa: E402
from mapapp.suggest.run import load_inputs  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/work/shared/corpus")
    ap.add_argument("--plan", action="append")
    ap.add_argument("--min-score", type=float, default=0.0)
    args = ap.parse_args()
    project = Project.from_settings(ROOT, None, Path(args.corpus))
    annotations, stations = load_inputs(project)
    admin = load_admin_boundaries()
    ctx = ResolveContext(admin, stations, project.geodata_dir, None)
    counties = admin.units("county")
    for pid in args.plan or list(annotations.plans):
        r = evaluate(project, pid, annotations, stations, ctx, counties, args.min_score)
        lines = {n.number: n.original for n in _lines(project, annotations, pid)}
        print(f"=== {pid}: {len(r['missed'])} records missed")
        for rec in r["missed"]:
            ms = [m for m in rec.mentions if m.plan == pid][:2]
            where = " | ".join(f"{m.line}:{m.quote} «{_around(lines.get(m.line, ''), m.quote)}»" for m in ms)
            print(f"MISS {rec.id} [{rec.name}] {rec.kind} :: {where}")
        print(f"=== {pid}: {len(r['unmatched'])} candidates matching no record")
        for p in r["unmatched"]:
            o = p.candidate.occurrences[0]
            print(f"FP {p.score:.2f} {p.candidate.name} ({p.candidate.kind}/{p.candidate.head}) "
                  f"{o.line.number}: «{_around(o.line.original, o.line.quote(o.start, o.end))}»")
        wrong = [row for row in r["county_rows"] if not row[4]]
        print(f"=== {pid}: {len(wrong)} of {len(r['county_rows'])} located records with the county wrong")
        for p, rec, truth, got, _ in wrong:
            print(f"CTY {p.candidate.name} -> {rec.id}: truth {sorted(truth)} got {sorted(got)[:5]}"
                  f"{'…' if len(got) > 5 else ''} [{p.suggestion.clue}] {p.suggestion.why}")
    return 0


def _lines(project, annotations, pid):
    from mapapp.suggest.document import read_document
    return read_document(project.corpus_dir / annotations.plans[pid].doc)


def _around(text: str, quote: str, width: int = 25) -> str:
    i = text.find(quote)
    if i < 0:
        return text[:2 * width]
    return text[max(0, i - width):i + len(quote) + width]


if __name__ == "__main__":
    sys.exit(main())
