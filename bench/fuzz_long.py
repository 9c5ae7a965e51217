"""Run the long fuzz profile (>= 5,000 cases per input class) and print the figures per class:
cases, accepted, rejected with a clear error, crashes, hangs (over the time bound), silent
acceptances of certainly invalid input, and the slowest case. `make fuzz` runs this.

Usage: python bench/fuzz_long.py [-k EXPR]   (EXPR selects classes, as pytest -k)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ("cases", "accepted", "rejected", "crashes", "hangs", "silent", "max_ms")


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "fuzz.json"
        env = dict(os.environ, MAPAPP_FUZZ="long", MAPAPP_FUZZ_REPORT=str(report))
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               str(REPO / "tests" / "test_fuzz.py"), *argv], env=env, cwd=REPO)
        stats = json.loads(report.read_text(encoding="utf-8"))["classes"] if report.exists() else {}
    print(f"\n{'class':<18}" + "".join(f"{c:>10}" for c in COLUMNS))
    for cls, row in stats.items():
        print(f"{cls:<18}" + "".join(f"{row.get(c, 0):>10}" for c in COLUMNS))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
