"""Comparison of two plans (对比分析): the entities both name, with the status each states, and
those only one of them names.

The status a plan states for a record comes from the `status` of that plan's mentions of it:
- when its mentions state project stages (planned, under_construction, completed), the most
  advanced one (a 2021 plan that lists a line as a project and reviews its first section as
  built states `completed`);
- otherwise the first status stated (e.g. `existing`: a place the plan refers to);
- when none of its mentions carries a status, the record's own status if this plan is the only
  one citing the record (that status was read from it), else '' (not annotated).

A status change is two stated statuses at different stages; `completed` and `existing` are the
same stage (a finished project is an existing thing).
"""
from __future__ import annotations

import json

import pandas as pd

from .errors import MapappError
from .features import FeatureFilter, Select

COLUMNS = ("id", "name", "kind", "in_a", "in_b", "status_a", "status_b", "lines_a", "lines_b", "group")
# Groups in output order: named by both with a status change, by both otherwise, only by A, only by B.
GROUPS = ("changed", "both", "only_a", "only_b")
STAGES = {"planned": 0, "under_construction": 1, "completed": 2, "existing": 2}
PROJECT_STATUSES = ("planned", "under_construction", "completed")


def stated_status(mentions: list[dict], plan: str, record_status: str, record_plans: list[str]) -> str:
    """Return the status `plan` states for a record (see the module docstring); '' when unknown."""
    stated = [m.get("status") or "" for m in mentions if m["plan"] == plan]
    stated = [s for s in stated if s]
    if not stated:
        return record_status if list(record_plans) == [plan] else ""
    projects = [s for s in stated if s in PROJECT_STATUSES]
    if projects:
        return max(projects, key=lambda s: STAGES[s])
    return stated[0]


def status_changed(a: str, b: str) -> bool:
    """Return True when both statuses are stated and lie at different stages."""
    if not a or not b:
        return False
    return STAGES.get(a, a) != STAGES.get(b, b)


def selection(plan_a: str, plan_b: str) -> FeatureFilter:
    """Return the filter of the records a comparison covers: named by either plan, located or not."""
    return FeatureFilter(plans=[plan_a, plan_b], include_unlocated=True)


def compare_plans(select: Select, plan_a: str, plan_b: str, known_plans: list[str]) -> pd.DataFrame:
    """Return one row per record named by `plan_a` or `plan_b` (located or not), with COLUMNS,
    ordered by GROUPS and, inside a group, in feature-table order. `lines_a`/`lines_b` are the
    cited line numbers (lists). The records come from `select` (a store's select, or
    `features.selecting_from` a table), asked once for `selection(plan_a, plan_b)`.

    Raises MapappError for an unknown plan or when both plans are the same."""
    for plan in (plan_a, plan_b):
        if plan not in known_plans:
            raise MapappError(f"unknown plan '{plan}' (known: {', '.join(known_plans)})")
    if plan_a == plan_b:
        raise MapappError(f"compare needs two different plans, got '{plan_a}' twice")
    features = select(selection(plan_a, plan_b))
    rows = []
    for rec in features[["id", "name", "kind", "status", "plans", "mentions"]].itertuples(index=False):
        in_a, in_b = plan_a in rec.plans, plan_b in rec.plans
        status_a = stated_status(rec.mentions, plan_a, rec.status, rec.plans) if in_a else ""
        status_b = stated_status(rec.mentions, plan_b, rec.status, rec.plans) if in_b else ""
        if in_a and in_b:
            group = "changed" if status_changed(status_a, status_b) else "both"
        else:
            group = "only_a" if in_a else "only_b"
        rows.append({"id": rec.id, "name": rec.name, "kind": rec.kind, "in_a": in_a, "in_b": in_b,
                     "status_a": status_a, "status_b": status_b,
                     "lines_a": sorted(int(m["line"]) for m in rec.mentions if m["plan"] == plan_a),
                     "lines_b": sorted(int(m["line"]) for m in rec.mentions if m["plan"] == plan_b),
                     "group": group})
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    order = {g: i for i, g in enumerate(GROUPS)}
    return table.sort_values("group", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def group_counts(table: pd.DataFrame) -> dict[str, int]:
    """Return the number of rows in each of GROUPS."""
    counts = table["group"].value_counts()
    return {g: int(counts.get(g, 0)) for g in GROUPS}


def comparison_csv(table: pd.DataFrame) -> bytes:
    """Return the comparison as UTF-8 CSV; line lists are JSON arrays, as in `mapapp export`."""
    flat = table.copy()
    for col in ("lines_a", "lines_b"):
        flat[col] = [json.dumps(v) for v in flat[col]]
    return flat.to_csv(index=False, lineterminator="\n").encode("utf-8")


def comparison_json(table: pd.DataFrame, plan_a: str, plan_b: str) -> bytes:
    """Return the comparison as UTF-8 JSON: {plan_a, plan_b, counts, groups: {group: [rows]}}."""
    groups = {g: [{k: _plain(row[k]) for k in COLUMNS if k != "group"}
                  for _, row in table[table["group"] == g].iterrows()]
              for g in GROUPS}
    doc = {"plan_a": plan_a, "plan_b": plan_b, "counts": group_counts(table), "groups": groups}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _plain(value):
    if isinstance(value, list):
        return [int(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def readable_comparison(table: pd.DataFrame, plan_a: str, plan_b: str) -> str:
    """Return the comparison as text for a terminal, one section per group."""
    titles = {"changed": f"named by both, status changed ({plan_a} -> {plan_b})",
              "both": "named by both, same status", "only_a": f"only in {plan_a}", "only_b": f"only in {plan_b}"}
    out = []
    for g in GROUPS:
        part = table[table["group"] == g]
        out.append(f"== {titles[g]}: {len(part)}")
        if len(part):
            shown = part.drop(columns=["group"]).assign(
                lines_a=[",".join(map(str, v)) for v in part["lines_a"]],
                lines_b=[",".join(map(str, v)) for v in part["lines_b"]])
            out.append(shown.to_string(index=False))
        out.append("")
    return "\n".join(out)
