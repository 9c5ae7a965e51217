"""List what `bench/suggest_eval.py` counts against `mapapp suggest`, per document (own plan
excluded): the plan's records not proposed (with the quote and text of their first mentions),
the candidates that match no record, and the matched located records whose suggested county is
wrong (the record's counties, the suggestion's, and why it was made). For reading, not a figure.

With --causes it prints only the counts per cause group (the groups README and RESULTS.md
give): records missed by what stands on their mention lines, unmatched candidates by their form,
wrong counties by the clue that gave them.

Usage: python bench/suggest_diagnose.py [--corpus DIR] [--plan ID]… [--min-score S] [--causes]
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from suggest_eval import evaluate, load_evaluation, record_names  # noqa: E402

from mapapp.suggest.document import normalise  # noqa: E402
from mapapp.suggest.lexicon import HEAD_KIND  # noqa: E402

CONTENTS = re.compile(r"(\.{3,}|…{2,}|·{3,})\s*[0-9]+$")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/work/shared/corpus")
    ap.add_argument("--plan", action="append")
    ap.add_argument("--min-score", type=float, default=0.0)
    ap.add_argument("--causes", action="store_true", help="print the counts per cause group only")
    args = ap.parse_args()
    project, annotations, stations, ctx, counties = load_evaluation(Path(args.corpus))
    totals: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for pid in args.plan or list(annotations.plans):
        r = evaluate(project, pid, annotations, stations, ctx, counties, args.min_score)
        if args.causes:
            for group, counts in causes(r, pid).items():
                print(pid, group, dict(counts))
                totals[group].update(counts)
            continue
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
    for group, counts in totals.items():
        print("all plans", group, sum(counts.values()), dict(counts))
    return 0


def causes(r: dict, pid: str) -> dict[str, collections.Counter]:
    """Return the counts per cause group of one document's evaluation."""
    heads = tuple(HEAD_KIND)
    spans = collections.defaultdict(list)
    for p in r["result"].proposals:
        for o in p.candidate.occurrences:
            spans[o.line.number].append(p.candidate.name)
    for km in r["result"].known:
        for o in km.occurrences:
            spans[o.line.number].append("KNOWN:" + km.record.name)
    missed: collections.Counter = collections.Counter()
    for rec in r["missed"]:
        ms = [m for m in rec.mentions if m.plan == pid]
        names = record_names(rec)
        quotes = {normalise(m.quote) for m in ms}
        if not quotes & names and not any(q in n for q in quotes for n in names):
            missed["named otherwise in the text"] += 1
        near = [(n, normalise(m.quote)) for m in ms for n in spans.get(m.line, [])
                if normalise(m.quote) and (normalise(m.quote) in n or n in normalise(m.quote)
                                           or len(set(n) & set(normalise(m.quote))) >= 2)]
        if near:
            n, q = near[0]
            missed["taken by a known record" if n.startswith("KNOWN:") else "the candidate is the place it is about"
                   if q in n else "candidate cut shorter" if n in q else "no candidate of its own"] += 1
        elif any(q.endswith(heads) for q in quotes) or any(n.endswith(heads) for n in names):
            missed["a head word, nothing proposed"] += 1
        else:
            missed["no head word"] += 1
    unmatched: collections.Counter = collections.Counter()
    for p in r["unmatched"]:
        c = p.candidate
        if re.match(r"^([一二三四五六七八九十0-9]+\)|第[一二三四五六七八九十0-9]+[章节篇])", c.name) or all(
                CONTENTS.search(o.line.original.strip()) for o in c.occurrences):
            unmatched["heading number or contents line"] += 1
        elif re.match(r"^(充分|全面|大力|做优|用好|推动|加快|持续|[0-9]*[条个座项批])", c.name):
            unmatched["leading verb or count"] += 1
        elif c.proper:
            unmatched["proper name (jieba's tags) + head"] += 1
        else:
            unmatched["class name with a head"] += 1
    county: collections.Counter = collections.Counter()
    for p, _rec, truth, got, right in r["county_rows"]:
        if right:
            continue
        clue = p.suggestion.clue
        county["record in more than 3 counties" if len(truth) > 3 else "a record's units" if clue == "record"
               else "only a city" if len(got) > 3 or clue == "region" else "no suggestion" if not got
               else "a wrong county in its own name" if clue in ("name", "prefix")
               else "a known place named beside it" if clue == "neighbour"
               else "another county named near it"] += 1
    return {"missed": missed, "unmatched": unmatched, "wrong county": county}


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
