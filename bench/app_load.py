"""Load test of the map app: N concurrent headless sessions (default 1, 5, 10, 20) on the real build.

For each N it starts `--instances` Streamlit servers (default 1) on free 127.0.0.1 ports, all on
the same build (the build folder, or with `--store` one PostGIS store), opens N browser contexts
in one Debian chromium (each context is one Streamlit session; sessions are dealt round-robin to
the instances), and in every session at once: opens the page (until the map has drawn its
features), then makes `--changes` filter changes (default 2), each time until the map shows a
different number of features: pick one kind, clear the filters, pick the next kind, … (typing the
kind's name first, as a person narrows the list). It reports:

- p50 / p95 latency of the first page and of a filter change, and the errors (timeouts, pages
  showing a Streamlit exception);
- server RSS (summed over the instances): after one warm-up visit per instance (the server's
  one-time caches of the build), with all sessions open (and per session), its peak, and 30 s
  after they closed (is the memory released?);
- server CPU seconds (user + system, from /proc) per first page;
- server CPU seconds per rerun during the filter changes, and the
  reruns counted by the page (MAPAPP_TIMING_LOG). On 2 cores the browsers compete with the
  server, so the server's own CPU is the figure that scales, not the latency.

Usage:  .venv/bin/python bench/app_load.py [--sessions 1 5 10 20] [--timeout 300]
        .venv/bin/python bench/app_load.py --store temp --instances 2 --sessions 20 --changes 10
`--store URL` serves the build in that PostGIS store (built there first from the real data);
`--store temp` starts a throw-away PostgreSQL + PostGIS for the run (tests/pg_server.py).
Needs chromium (/usr/bin/chromium). Prints a Markdown table for bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from browser_setup import CHROMIUM_ARGS, MAP_FRAME, chromium_path, free_port  # noqa: E402
from mapapp.app.launch import stop_server, streamlit_command, wait_until_up  # noqa: E402
from mapapp.app.launch import streamlit_env  # noqa: E402
from mapapp.features import FeatureFilter  # noqa: E402
from mapapp.pipeline import build  # noqa: E402
from mapapp.project import Project  # noqa: E402
from mapapp.stores import open_store  # noqa: E402

COUNT_JS = "(el) => (window.mapappDrawn === undefined ? -1 : window.mapappDrawn)"
CLEAR_LABEL = "清除筛选"
CLK_TCK = os.sysconf("SC_CLK_TCK")



def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the process and its waited-for children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / CLK_TCK


def server_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakRss(threading.Thread):
    """Samples the servers' summed RSS every 0.5 s; `peak` is the largest seen."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.peak, self.running = pids, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, sum(server_rss_mb(p) for p in self.pids))
            time.sleep(0.5)


async def map_count(page) -> int:
    try:
        return await page.frame_locator(MAP_FRAME).locator("#map_div").evaluate(COUNT_JS, timeout=2000)
    except Exception:  # no map frame yet, or it is being replaced
        return -1


async def wait_until(page, ok, timeout: float) -> tuple[float | None, int]:
    """Poll the map's feature count until ok(count); return (seconds or None on timeout, count)."""
    start = time.perf_counter()
    count = -1
    while time.perf_counter() - start < timeout:
        count = await map_count(page)
        if ok(count):
            return time.perf_counter() - start, count
        await page.wait_for_timeout(100)
    return None, count


async def session(browser, url: str, labels: list[str], changes: int, timeout: float,
                  start_filters: asyncio.Event, loaded: list, result: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 950})
    page = await ctx.new_page()
    try:
        t0 = time.perf_counter()
        await page.goto(url, timeout=timeout * 1000)
        waited, count = await wait_until(page, lambda n: n > 0, timeout)
        result["first"] = None if waited is None else time.perf_counter() - t0
        loaded.append(1)
        await start_filters.wait()
        result["filters"] = []
        if waited is not None:
            for step in range(changes):
                label = labels[(step // 2) % len(labels)]
                if step % 2 == 0:     # pick one kind
                    box = page.locator("[data-testid='stMultiSelect']").filter(has_text="类型").first
                    await box.locator("input").click(timeout=timeout * 1000)
                    await page.keyboard.type(label)
                    option = page.get_by_role("option").filter(has_text=label).first
                    await option.wait_for(timeout=timeout * 1000)
                    t1 = time.perf_counter()
                    await option.click()
                else:                 # clear the filters
                    button = page.get_by_role("button", name=CLEAR_LABEL)
                    await button.wait_for(timeout=timeout * 1000)
                    t1 = time.perf_counter()
                    await button.click()
                before = count
                waited, count = await wait_until(page, lambda n, b=before: n > 0 and n != b, timeout)
                result["filters"].append(None if waited is None else time.perf_counter() - t1)
                if step % 2 == 0:     # close the list: a click on the title (else the next click only closes it)
                    await page.keyboard.press("Escape")
                    await page.locator("h3").first.click(timeout=timeout * 1000)
        result["exceptions"] = await page.locator("[data-testid='stException']").count()
        result["page"] = page
        result["ctx"] = ctx
    except Exception as exc:  # a session that failed is counted as an error, with its reason
        result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        result["ctx"] = ctx


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def run_level(n: int, urls: list[str], pids: list[int], labels: list[str], changes: int, timeout: float,
                    logs: list[Path]) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for url in urls:       # one visit first: the servers' one-time caches are not per-session memory
            warm: dict = {}
            await session(browser, url, [], 0, timeout, _set_event(), [], warm)
            if warm.get("ctx") is not None:
                await warm["ctx"].close()
        await asyncio.sleep(2)
        rss_before = sum(server_rss_mb(p) for p in pids)
        cpu_start = sum(server_cpu_s(p) for p in pids)
        peak = PeakRss(pids)
        peak.start()
        start_filters = asyncio.Event()
        loaded: list = []
        results = [{"instance": i % len(urls)} for i in range(n)]
        tasks = [asyncio.create_task(session(browser, urls[r["instance"]], labels, changes, timeout, start_filters,
                                             loaded, r)) for r in results]
        while len(loaded) < n and not all(t.done() for t in tasks):
            await asyncio.sleep(0.2)
        rss_open = sum(server_rss_mb(p) for p in pids)
        cpu0, reruns0 = sum(server_cpu_s(p) for p in pids), sum(_lines(log) for log in logs)
        cpu_first = cpu0 - cpu_start
        start_filters.set()
        await asyncio.gather(*tasks)
        cpu_filters = sum(server_cpu_s(p) for p in pids) - cpu0
        reruns = sum(_lines(log) for log in logs) - reruns0
        for r in results:
            if r.get("ctx") is not None:
                await r["ctx"].close()
        await browser.close()
        peak.running = False
    await asyncio.sleep(30)
    rss_after = sum(server_rss_mb(p) for p in pids)
    first = [r["first"] for r in results if r.get("first") is not None]
    filters = [f for r in results for f in r.get("filters", []) if f is not None]
    errors = sum(1 for r in results if "error" in r or r.get("first") is None or r.get("exceptions")) + sum(
        1 for r in results for f in r.get("filters", []) if f is None)
    reasons = sorted({r["error"] for r in results if "error" in r})
    per_instance = [sum(1 for r in results if r["instance"] == i) for i in range(len(urls))]
    return {"sessions": n, "instances": per_instance, "first_p50": percentile(first, 0.5),
            "first_p95": percentile(first, 0.95), "filter_p50": percentile(filters, 0.5),
            "filter_p95": percentile(filters, 0.95), "filter_changes": len(filters), "errors": errors,
            "reasons": reasons, "rss_before": rss_before, "rss_open": rss_open, "rss_peak": peak.peak,
            "rss_after": rss_after, "cpu_per_rerun": cpu_filters / reruns if reruns else None, "reruns": reruns,
            "cpu_first_per_session": cpu_first / n}


def _set_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


def _lines(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def _f(v, fmt="{:.2f}"):
    return "–" if v is None else fmt.format(v)


HEADER = ("| sessions (per instance) | first page p50 (s) | p95 (s) | filter change p50 (s) | p95 (s) | errors | "
          "server RSS before → open → peak (MB) | RSS per session (MB) | RSS 30 s after close (MB) | "
          "server CPU per first page (s) | server CPU per filter rerun (s) | reruns |\n"
          "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")


def row(r: dict) -> str:
    per = (r["rss_open"] - r["rss_before"]) / r["sessions"]
    split = "+".join(str(k) for k in r["instances"])
    return (f"| {r['sessions']} ({split}) | {_f(r['first_p50'])} | {_f(r['first_p95'])} | {_f(r['filter_p50'])} | "
            f"{_f(r['filter_p95'])} ({r['filter_changes']}) | {r['errors']} | "
            f"{r['rss_before']:.0f} → {r['rss_open']:.0f} → "
            f"{r['rss_peak']:.0f} | {per:.1f} | {r['rss_after']:.0f} | {_f(r['cpu_first_per_session'])} | "
            f"{_f(r['cpu_per_rerun'], '{:.3f}')} | {r['reruns']} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    ap.add_argument("--instances", type=int, default=1, help="app processes on the same build (default 1)")
    ap.add_argument("--changes", type=int, default=2, help="filter changes per session (default 2)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for a map (default 300)")
    ap.add_argument("--build-dir", type=Path, help="an existing build of the real data (default: build one)")
    ap.add_argument("--store", metavar="URL|temp", help="serve from this PostGIS store (the real data is built "
                    "into it first); 'temp' starts a throw-away server for the run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mapapp-load-") as tmpdir, contextlib.ExitStack() as stack:
        tmp = Path(tmpdir)
        store_url = args.store
        if store_url == "temp":
            sys.path.insert(0, str(REPO / "tests"))
            from pg_server import Server, unavailable

            why = unavailable()
            if why:
                print(f"skipped: {why}")
                return 0
            server = Server()
            stack.callback(server.stop)
            store_url = server.create_database("mapapp_load")
        project = Project.from_settings(data_dir=REPO, build_dir=args.build_dir or tmp / "build", store=store_url)
        if store_url or args.build_dir is None:
            build(project)
        manifest = open_store(project).manifest()
        features = open_store(project).select(FeatureFilter())
        kinds = [k for k in features["kind"].value_counts().index if k in manifest["vocabulary"]["kinds"]][:5]
        labels = [manifest["vocabulary"]["kinds"][k]["zh"] for k in kinds]
        where = f"PostGIS store {open_store(project).where}" if store_url else f"build folder {project.build_dir}"
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; real build of "
              f"{manifest['records']} records ({manifest['located']} located) in the {where}; "
              f"{args.instances} instance(s); {args.changes} filter changes per session over kinds "
              f"{', '.join(labels)}", flush=True)
        results = []
        for n in args.sessions:
            procs, urls, logs = [], [], []
            try:
                for i in range(args.instances):
                    port = free_port()
                    log = tmp / f"timing-{n}-{i}.log"
                    env = streamlit_env(project, dict(os.environ, MAPAPP_TIMING_LOG=str(log)))
                    env.pop("MAPAPP_CORPUS", None)
                    with open(tmp / f"server-{n}-{i}.log", "w") as server_log:
                        procs.append(subprocess.Popen(streamlit_command("127.0.0.1", port), env=env,
                                                      stdout=server_log, stderr=subprocess.STDOUT))
                    urls.append(f"http://127.0.0.1:{port}")
                    logs.append(log)
                for url, proc in zip(urls, procs):
                    if not wait_until_up(url, proc=proc):
                        raise RuntimeError(f"the server {url} did not start")
                r = asyncio.run(run_level(n, urls, [p.pid for p in procs], labels, args.changes, args.timeout, logs))
            finally:
                for proc in procs:
                    stop_server(proc, timeout=20)
            results.append(r)
            print(row(r) + (f"  errors: {'; '.join(r['reasons'])}" if r["reasons"] else ""), flush=True)
    print()
    print(HEADER)
    for r in results:
        print(row(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
