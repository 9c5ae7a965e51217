"""How far can `mapapp suggest` get the county right by choosing among the names the text gives?

For each document (its own plan excluded, as in bench/suggest_eval.py) this counts the matched,
located records whose suggested county is wrong although they lie in at most three counties, and
asks of each: is one of the record's counties named on a line that names the candidate, or on the
three lines above one of them? "Named" means the county's full name, its short form (吉安县 ->
吉安, unless that is its city's short form too) or one of its townships (jionlp's division list,
mapapp/suggest/towns.py). A perfect choice among the names the text gives could make those right
and no others, so (right now + those) / located is an upper bound for any rule that reads the
county from the text around a mention.

Usage: python bench/suggest_county_bound.py [--corpus DIR]
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from suggest_eval import MAX_COUNTIES, ROOT, corpus_dir, evaluate, load_evaluation  # noqa: E402

from mapapp.admin import load_admin_boundaries  # noqa: E402
from mapapp.suggest.towns import load_towns  # noqa: E402

LINES_ABOVE = 3
UNIT_ENDINGS = ("自治县", "县", "区", "市")


def short_form(name: str) -> str:
    """Return a unit's name without its ending (吉安县 -> 吉安), or the name when that leaves < 2 chars."""
    for ending in UNIT_ENDINGS:
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            return name[:-len(ending)]
    return name


def _share(n: int, total: int) -> str:
    return f"{n / total:.0%}" if total else "–"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent.parent / "shared" / "corpus"))
    args = ap.parse_args()
    project, annotations, stations, ctx, counties = load_evaluation(corpus_dir(args.corpus))
    town_names: dict[str, set[str]] = defaultdict(set)
    for town in load_towns(load_admin_boundaries()):   # (cached: the same boundaries as above)
        town_names[f"{town.county.city}/{town.county.name}"] |= {town.name} | (
            {town.short} if len(town.short) >= 2 else set())
    print("| plan | located | county right | wrong, ≤3 counties | of those, a right county named on its lines "
          f"or {LINES_ABOVE} above | at most |")
    print("|---|---:|---:|---:|---:|---:|")
    for plan_id, plan in annotations.plans.items():
        lines = (project.corpus_dir / plan.doc).read_text(encoding="utf-8").split("\n")
        figures = evaluate(project, plan_id, annotations, stations, ctx, counties, 0.0)
        right = wrong = named = 0
        for proposal, _record, truth, _suggested, ok in figures["county_rows"]:
            right += bool(ok)
            if ok or len(truth) > MAX_COUNTIES:
                continue
            wrong += 1
            names: set[str] = set()
            for unit in truth:
                city, county = unit.split("/")
                names |= {county} | town_names[unit]
                if short_form(county) != short_form(city):
                    names.add(short_form(county))
            near = "".join("".join(lines[max(0, n - 1 - LINES_ABOVE):n]) for n in proposal.candidate.lines)
            named += any(name in near for name in names)
        located = figures["county_n"]
        print(f"| {plan_id} | {located} | {right} ({_share(right, located)}) | {wrong} | {named} | "
              f"{_share(right + named, located)} |")
    print("(each document with its own plan excluded; 'at most': right now + the wrong ones whose right county "
          "the text names near them, over the located)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
