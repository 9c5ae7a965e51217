"""A one-line progress bar on stderr for `mapapp suggest`."""
from __future__ import annotations

import sys
import time


def terminal_bar(label: str = "suggest", stream=None):
    """Return a progress(stage, fraction) callback that redraws one line on `stream` (stderr)."""
    stream = stream or sys.stderr
    t0 = time.perf_counter()
    last = [-1.0]

    def show(stage: str, fraction: float) -> None:
        if fraction - last[0] < 0.01 and fraction < 1.0:
            return
        last[0] = fraction
        bar = "#" * int(30 * fraction)
        stream.write(f"\r{label} [{bar:<30}] {fraction:4.0%} {time.perf_counter() - t0:5.1f} s  {stage:<24}")
        if fraction >= 1.0:
            stream.write("\n")
        stream.flush()
    return show
