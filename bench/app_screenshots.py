"""Screenshots of the map for the README, in headless Chromium: province scale (the default view),
南昌 at city scale (zoom 11) and 青云谱区 (zoom 13), on a build of the real annotations.

Usage:  .venv/bin/python bench/app_screenshots.py --build-dir BUILD [--corpus DIR] [--out docs]
Writes map-province.png, map-nanchang-z11.png, map-qingyunpu-z13.png (the map and the side panel).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from browser_setup import CHROMIUM_ARGS, MAP_FRAME, chromium_path, free_port
from mapapp.app.launch import start_server, stop_server, wait_until_up
from mapapp.project import Project

VIEWS = (("map-province", None, None), ("map-nanchang-z11", (28.665, 115.90), 11),
         ("map-qingyunpu-z13", (28.625, 115.915), 13))



def shoot(url: str, out: Path) -> list[Path]:
    """Take the screenshots of VIEWS from the app at `url` into `out`; return their paths."""
    from playwright.sync_api import sync_playwright

    paths = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for name, center, zoom in VIEWS:
            page = browser.new_page(viewport={"width": 1600, "height": 900})
            page.goto(url)
            frame = page.frame_locator(MAP_FRAME).locator("#map_div")
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    drawn = frame.evaluate("() => window.mapappDrawn === undefined ? -1 : window.mapappDrawn",
                                           timeout=2000)
                    if drawn >= 0:
                        break
                except Exception:
                    pass
                page.wait_for_timeout(300)
            if center:
                frame.evaluate(f"() => window.map.setView([{center[0]}, {center[1]}], {zoom}, {{animate: false}})")
            page.wait_for_timeout(1500)
            path = out / f"{name}.png"
            page.locator("[data-testid='stMain']").screenshot(path=str(path))
            paths.append(path)
            page.close()
        browser.close()
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    args = ap.parse_args()
    project = Project.from_settings(build_dir=args.build_dir, corpus_dir=args.corpus)
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        proc = start_server(project, "127.0.0.1", port, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            if not wait_until_up(url, timeout=90, proc=proc):
                log.seek(0)
                print(log.read()[-3000:], file=sys.stderr)
                return 1
            for path in shoot(url, args.out):
                print(path)
        finally:
            stop_server(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
