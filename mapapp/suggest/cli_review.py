"""The terminal dialogue of `mapapp review`: one proposed entry at a time."""
from __future__ import annotations

from pathlib import Path
from collections.abc import Callable

from ..errors import MapappError
from ..project import Project
from .drafts import PROPOSED
from .review import ReviewSession

HELP = "[a]ccept  [n]ame  [k]ind  [m]erge into a record  [r]eject  [s]kip  [q]uit (saves)"


def review_loop(project: Project, draft: Path, input_fn: Callable[[str], str], show: Callable[[str], None]) -> int:
    """Review `draft` entry by entry, asking with `input_fn` and printing with `show`; save at
    the end or on quit (end of input counts as quit). Returns the exit code."""
    session = ReviewSession.open(project, draft)
    todo = session.pending()
    show(f"{len(todo)} proposed entries in {draft}. {HELP}")
    try:
        for i in todo:
            _show_entry(session, i, show)
            if not _decide(session, i, input_fn, show):
                break
    finally:
        written = session.save()
    show(f"Saved. {'Accepted records written to ' + str(written) if written else 'No record accepted.'} "
         f"{len(session.entries)} entries left in {draft}.")
    return 0


def _show_entry(session: ReviewSession, i: int, show) -> None:
    e = session.entries[i]
    mark = e[PROPOSED]
    title = (f"mentions of record {e['add_mentions_to']}" if "add_mentions_to" in e
             else f"{e['name']}  (kind {e['kind']}, status {e['status']}, id {e['id']})")
    show(f"\n[{mark['score']:.2f}] {title}\n  why: {mark.get('why', '')}")
    if "geometry" in e:
        show(f"  geometry: {dict(e['geometry'])}")
    paragraph = session.paragraph(i)
    if not paragraph:
        for m in (e.get("mentions") or [])[:6]:
            show(f"  line {m['line']}: {m['quote']}   (pass --corpus DIR to see the paragraph)")
    for n, text, quote in paragraph[:6]:
        snippet = text.replace(quote, f"【{quote}】", 1)
        at = snippet.find("【")
        show(f"  line {n}: …{snippet[max(0, at - 60):at + len(quote) + 62]}…")
    for rid, name, sim in session.similar(i):
        show(f"  similar record: {rid} ({name}, {sim})")


def _decide(session: ReviewSession, i: int, input_fn, show) -> bool:
    """Ask until the entry is decided or skipped; return False to stop the review."""
    name = kind = None
    while True:
        try:
            answer = input_fn("decision> ").strip().lower()
        except EOFError:
            return False
        try:
            if answer in ("a", "accept"):
                taken = session.accept(i, name=name, kind=kind)
                show("  accepted" if taken else "  accepted: its mentions are already recorded, nothing to add")
                return True
            if answer in ("n", "name"):
                name = input_fn("new name> ").strip() or None
            elif answer in ("k", "kind"):
                kind = input_fn(f"kind ({', '.join(session.annotations.vocabulary.kinds)})> ").strip() or None
            elif answer in ("m", "merge"):
                taken = session.merge(i, input_fn("record id> ").strip())
                show("  merged" if taken else "  merged: its mentions are already recorded, nothing to add")
                return True
            elif answer in ("r", "reject"):
                session.reject(i)
                show("  rejected")
                return True
            elif answer in ("s", "skip", ""):
                return True
            elif answer in ("q", "quit"):
                return False
            else:
                show(HELP)
        except (MapappError, EOFError) as exc:
            show(f"  not done: {exc}")
