"""A build while the app is serving: the page never breaks (no exception, no "cannot read the
build" message) while builds replace the folder under it, and shows the new build on the next
rerun."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

from mapapp.project import Project

from .conftest import REPO, serve

EXTRA = """
- id: test-added-{n}
  name: 新增测试点{n}
  kind: park
  sectors: [manufacturing]
  status: planned
  geometry: {{type: point, lon: {lon}, lat: 28.10, uncertainty_m: 300, source: added while serving}}
  mentions:
    - {{plan: nanchang-14th, line: 3, quote: 测试空港新城}}
"""


def test_builds_while_serving_never_break_the_page(small_project, app_page, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_project.data_dir, data)
    project = Project.from_settings(data_dir=data, build_dir=tmp_path / "build", corpus_dir=small_project.corpus_dir)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "mapapp.cli", "build", "--data", str(data), "--build-dir", str(project.build_dir)]
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    with serve(project, tmp_path / "serve.log") as url:
        p = app_page(url).open()
        assert p.wait_feature_count(3) == 3
        records = data / "corpus_annotations" / "records" / "test.yaml"
        for n in range(1, 4):                  # three builds, each adding one located record
            records.write_text(records.read_text(encoding="utf-8") + EXTRA.format(n=n, lon=115.5 + n / 10),
                               encoding="utf-8")
            builder = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            seen = set()
            while builder.poll() is None:      # rerun the page again and again while the build runs
                p.page.reload()
                p.page.get_by_text("江西规划项目地图").first.wait_for(timeout=60000)
                body = p.page.inner_text("body")
                assert "无法读取构建结果" not in body and "Traceback" not in body
                assert p.page.locator("[data-testid='stException']").count() == 0
                seen.add(p.drawn_count())
                time.sleep(0.2)
            _, err = builder.communicate()
            assert builder.returncode == 0, err
            assert seen <= {-1, 2 + n, 3 + n}, seen    # the old build or the new one, never a mix
            p.page.reload()                    # the next rerun shows the new build
            assert p.wait_feature_count(3 + n, timeout=60) == 3 + n
