"""Crash safety and concurrency of the build: `mapapp build` killed (SIGKILL) at random points leaves
the previous build intact and loadable; a kill between the two renames of a swap is repaired; two
concurrent builds end with one complete build, the loser gets a clear error and leaves nothing."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_bad_input import GOOD_STATIONS, record

from mapapp.atomic import FolderLock
from mapapp.errors import BuildBusy
from mapapp.pipeline import build, load_build
from mapapp.stores.folder import BUILD_FOLDER

REPO = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("MAPAPP_KILLS", "20"))


def _cli(*args: str, extra: str = "") -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = f"import sys; {extra}\nfrom mapapp.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _snapshot(build_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(build_dir.iterdir())}


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".build"))


@pytest.fixture
def built(data):
    data.file("geodata/stations/rail.csv", GOOD_STATIONS)
    data.records(record() + record(rid="second-zone", name="第二新城",
                                   geometry="{type: stations, stations: [南昌西, 吉安西], uncertainty_m: 2000}"))
    build(data.project())
    return data


def test_sigkill_at_random_points_keeps_a_loadable_build(built):
    """Kill `mapapp build` KILLS times at random moments across a whole build (including the swap)."""
    build_dir = built.root / "build"
    reference = load_build(build_dir).features.drop(columns="geometry").to_json()
    started = time.monotonic()
    proc = _cli("build", "--data", str(built.root))
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    duration = time.monotonic() - started
    rng = random.Random(16)
    outcomes = {"killed": 0, "finished": 0}
    for _ in range(KILLS):
        before = _snapshot(build_dir)
        proc = _cli("build", "--data", str(built.root))
        time.sleep(rng.uniform(0.2, duration * 1.05))
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        outcomes["killed" if code == -signal.SIGKILL else "finished"] += 1
        b = load_build(build_dir)                                    # intact and loadable
        assert b.features.drop(columns="geometry").to_json() == reference
        after = _snapshot(build_dir)
        assert after == before or after["manifest.json"] != before["manifest.json"], "a mix of two builds"
    assert outcomes["killed"] >= KILLS // 2, outcomes
    proc = _cli("build", "--data", str(built.root))
    assert proc.wait(timeout=300) == 0
    assert _leftovers(built.root) == [], "stale temporaries are cleaned by the next build"
    assert sorted(p.name for p in built.root.iterdir()) == ["build", "corpus_annotations", "geodata"]


def test_kill_between_the_two_renames_is_repaired(built):
    """Where no atomic exchange exists, a swap is two renames; a kill between them leaves no build/
    but `.build.old-PID`. The next reader or build puts it back."""
    build_dir = built.root / "build"
    before = _snapshot(build_dir)
    # The child swaps with two renames and is killed right after moving the old build aside.
    extra = ("import os, signal, pathlib, mapapp.atomic as a; a._exchange = lambda x, y: False\n"
             "orig = pathlib.Path.rename\n"
             "def rename(self, target):\n"
             "    result = orig(self, target)\n"
             "    if '.old-' in str(target): os.kill(os.getpid(), signal.SIGKILL)\n"
             "    return result\n"
             "pathlib.Path.rename = rename")
    proc = _cli("build", "--data", str(built.root), extra=extra)
    assert proc.wait(timeout=300) == -signal.SIGKILL
    assert not build_dir.exists()
    assert [n for n in _leftovers(built.root) if ".old-" in n], _leftovers(built.root)
    assert _snapshot(Path(load_build(build_dir).where)) == before     # the reader restored it
    assert _leftovers(built.root) == []


def test_kill_between_the_two_renames_then_build(built):
    build_dir = built.root / "build"
    old = built.root / f".build.old-{_dead_pid()}"
    build_dir.rename(old)
    build(built.project())                                        # repairs, then replaces
    load_build(build_dir)
    assert _leftovers(built.root) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(built):
    build_dir = built.root / "build"
    before = _snapshot(build_dir)
    with FolderLock(build_dir, BUILD_FOLDER):
        proc = _cli("build", "--data", str(built.root))
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 1 and "Traceback" not in err
        assert f"another mapapp process (pid {os.getpid()}) is writing the mapapp build {build_dir}" in err
        with pytest.raises(BuildBusy):
            build(built.project())
    assert _snapshot(build_dir) == before
    assert _leftovers(built.root) == []


@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_builds_end_with_one_complete_build(built, round_):
    procs = [_cli("build", "--data", str(built.root)) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert all("Traceback" not in err for _, err in results), results
    assert any(code == 0 for code, _ in results), results
    for code, err in results:
        assert code == 0 or (code == 1 and "another mapapp process" in err and "is writing" in err), (code, err)
    load_build(built.root / "build")
    assert _leftovers(built.root) == []
    assert sorted(p.name for p in built.root.iterdir()) == ["build", "corpus_annotations", "geodata"]
