"""Fit the weights of `mapapp suggest`'s candidate score by logistic regression, honestly: leave one
document out, and compare with the hand-set score of mapapp/suggest/ranking.py.

A candidate's label is whether it matches one of its plan's records (the lenient match of
bench/suggest_eval.py), each document run with its own plan excluded from the gazetteer. Its
features are generic evidence the candidate carries, never its name or its document: a proper
name before the head (jieba's tags), a head outside the strict list, how many lines name it,
how close the place clue is, status words around it, the name's length, the kind guessed from the
head word. The model is an L2-penalised logistic regression fitted by Newton's method (numpy only).

For each document: fit on the other four, score the fifth, pick the threshold on the four (the
best harmonic mean of their pooled record recall and precision, the criterion of
`suggest_eval.py --loo`, on a grid 0.05 … 0.95), and measure the fifth at it. The hand-set
score is measured the same way, on the same grid. Then the weights fitted on all five documents
are printed, ready to be written into ranking.py.

Usage: python bench/suggest_fit.py [--corpus DIR] [--l2 L] [--markdown]
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from mapapp.suggest.lexicon import KIND_SECTORS, STRICT_HEADS  # noqa: E402
from mapapp.suggest.run import suggest  # noqa: E402
from suggest_eval import evaluate, f1, lenient, load_evaluation, record_names  # noqa: E402

GRID = [round(0.05 * i, 2) for i in range(1, 20)]   # 0.05 … 0.95
NEAR_CLUES = {"station", "record", "name", "clause"}
FAR_CLUES = {"sentence", "paragraph", "section"}
KINDS = sorted(KIND_SECTORS)


def feature_names() -> list[str]:
    return ["bias", "proper", "common_head", "lines", "clue_near", "clue_far", "status", "long_name",
            *(f"kind={k}" for k in KINDS)]


def features(p) -> list[float]:
    """Return the feature vector of a proposal (order of feature_names())."""
    c = p.candidate
    return [1.0, float(c.proper), float(c.head not in STRICT_HEADS),
            min(1.0, math.log2(1 + len(c.lines)) / 3),
            float(p.suggestion.clue in NEAR_CLUES), float(p.suggestion.clue in FAR_CLUES),
            float(bool(p.status_words)), float(len(c.name) >= 4),
            *(float(c.kind == k) for k in KINDS)]


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Return the weights of an L2-penalised logistic regression (bias unpenalised), by Newton."""
    w = np.zeros(x.shape[1])
    pen = np.full(x.shape[1], l2)
    pen[0] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + pen * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(pen) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def average_precision(scores, labels) -> float:
    """Return the average precision of the ranking by score (ties taken as one group: the precision
    of a group's cut counts for each of its matching candidates)."""
    scores, labels = np.asarray(scores, float), np.asarray(labels, float)
    if not labels.sum():
        return 0.0
    ap, hits, n = 0.0, 0.0, 0
    for t in sorted(set(scores), reverse=True):
        group = scores == t
        hits += labels[group].sum()
        n += int(group.sum())
        ap += labels[group].sum() * hits / n
    return ap / labels.sum()


def rescored(result, scores):
    props = [dataclasses.replace(p, score=float(s)) for p, s in zip(result.proposals, scores)]
    return dataclasses.replace(result, proposals=props)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/work/shared/corpus")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the weights (not the bias)")
    ap.add_argument("--no-kinds", action="store_true", help="leave the kind guessed from the head word out")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if args.no_kinds:
        KINDS.clear()
    project, annotations, stations, ctx, counties = load_evaluation(Path(args.corpus))
    plans = list(annotations.plans)
    results = {pid: suggest(project, project.corpus_dir / annotations.plans[pid].doc, pid, [pid],
                            annotations=annotations, stations=stations) for pid in plans}

    def measure(pid, result, t):
        return evaluate(project, pid, annotations, stations, ctx, counties, t, result)

    data, matches, known, own = {}, {}, {}, {}
    for pid in plans:
        recs = [r for r in annotations.records.values() if pid in r.plans]
        names = {r.id: record_names(r) for r in recs}
        lines_of = {r.id: {m.line for m in r.mentions if m.plan == pid} for r in recs}
        # the records each proposal matches (the lenient match of suggest_eval.evaluate)
        matches[pid] = []
        for p in results[pid].proposals:
            c = p.candidate
            strict = {rid for rid, ns in names.items() if c.name in ns}
            matches[pid].append(strict or {rid for rid, ns in names.items()
                                           if set(c.lines) & lines_of[rid] and any(lenient(c.name, n) for n in ns)})
        known[pid] = {km.record.id for km in results[pid].known} & set(names)
        own[pid] = len(recs)
        x = np.array([features(p) for p in results[pid].proposals]).reshape(-1, len(feature_names()))
        y = np.array([1.0 if m else 0.0 for m in matches[pid]])
        data[pid] = (x, y)

    def pooled(train, scores, t) -> float:
        """Harmonic mean of record recall and precision pooled over `train` at threshold t."""
        found = hits = n = total = 0
        for pid in train:
            kept = [m for m, s in zip(matches[pid], scores[pid]) if s >= t]
            found += len(known[pid] | set().union(*kept))
            hits += sum(1 for m in kept if m)
            n += len(kept)
            total += own[pid]
        return f1(found / total, hits / max(1, n))

    def loo(score_of) -> list[dict]:
        """score_of(train_plans, pid) -> scores of pid's proposals; return the held-out rows."""
        rows = []
        for held in plans:
            train = [pid for pid in plans if pid != held]
            scores = {pid: score_of(train, pid) for pid in plans}
            best = max(GRID, key=lambda t: pooled(train, scores, t))
            rows.append({**measure(held, rescored(results[held], scores[held]), best), "threshold": best,
                         "ap": average_precision(scores[held], data[held][1])})
        return rows

    def hand(_train, pid):
        return [p.score for p in results[pid].proposals]

    fitted_cache: dict[tuple, np.ndarray] = {}

    def fitted(train, pid):
        key = tuple(train)
        if key not in fitted_cache:
            x = np.vstack([data[t][0] for t in train])
            y = np.concatenate([data[t][1] for t in train])
            fitted_cache[key] = fit(x, y, args.l2)
        w = fitted_cache[key]
        return np.round(1 / (1 + np.exp(-(data[pid][0] @ w))), 2)

    before, after = loo(hand), loo(fitted)
    if args.markdown:
        print("| plan | records | threshold | record recall | candidates | precision | county right (n) | AP |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
    else:
        print(f"{'plan':<26}{'records':>8}  {'threshold':>17}  {'record recall':>13}  {'candidates':>11}  "
              f"{'precision':>11}  {'county right (n)':>25}  AP")
    for b, a in zip(before, after):
        cells = [b["plan"], str(b["records"]), f"{b['threshold']:.2f} → {a['threshold']:.2f}",
                 f"{b['record_recall']:.0%} → {a['record_recall']:.0%}", f"{b['candidates']} → {a['candidates']}",
                 f"{b['precision']:.0%} → {a['precision']:.0%}",
                 f"{b['county']:.0%} ({b['county_n']}) → {a['county']:.0%} ({a['county_n']})",
                 f"{b['ap']:.2f} → {a['ap']:.2f}"]
        if args.markdown:
            print("| " + " | ".join(cells) + " |")
        else:
            print(f"{cells[0]:<26}{cells[1]:>8}  {cells[2]:>17}  {cells[3]:>13}  {cells[4]:>11}  "
                  f"{cells[5]:>11}  {cells[6]:>25}  {cells[7]}")
    print("(hand-set score → fitted logistic regression; leave one document out: the fit and the threshold "
          "on the other four; own plan excluded from the gazetteer; AP: average precision of the held-out "
          "document's candidates ranked by score, whatever the threshold)")
    x = np.vstack([data[p][0] for p in plans])
    y = np.concatenate([data[p][1] for p in plans])
    w = fit(x, y, args.l2)
    print(f"\nweights fitted on all five documents ({len(y)} candidates, {int(y.sum())} matching a record, "
          f"L2 {args.l2}):")
    for name, v in zip(feature_names(), w):
        print(f"  {name:<22}{v:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
