"""Time `mapapp suggest` end to end (a fresh process: imports, gazetteer, jieba, extraction,
geometry, draft) on a document of at least 200,000 characters made by joining the corpus
documents. Prints characters, wall seconds and CPU seconds (user + system of the child)."""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/work/shared/corpus")
    ap.add_argument("--chars", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    docs = sorted(Path(args.corpus).glob("0*.txt"), key=lambda p: -p.stat().st_size)
    text = ""
    while len(text) < args.chars:
        for d in docs:
            text += d.read_text(encoding="utf-8") + "\n"
            if len(text) >= args.chars:
                break
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "joined.txt"
        doc.write_text(text, encoding="utf-8")
        exe = Path(sys.executable).with_name("mapapp")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        print(f"document: {len(text):,} characters ({doc.stat().st_size / 1e6:.2f} MB), "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        for run in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([str(exe), "suggest", str(doc), "--plan-id", "nanchang-14th", "--data", str(ROOT),
                            "-o", str(Path(tmp) / "draft.yaml")], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            print(f"run {run + 1}: wall {wall:.1f} s, CPU {cpu:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
