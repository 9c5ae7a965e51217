"""Two app instances on one PostGIS store: both serve the same build, and both show a rebuild on
their next page load without a restart."""
from __future__ import annotations

import contextlib
import dataclasses
import textwrap

from mapapp.pipeline import build

from .conftest import serve


def _records(n: int) -> str:
    return "".join(textwrap.dedent(f"""\
        - id: shared-{i}
          name: 共享园区{i}
          kind: park
          sectors: [logistics]
          status: planned
          geometry: {{type: point, lon: {115.80 + 0.01 * i}, lat: 28.65, uncertainty_m: 500, source: test point}}
          mentions: [{{plan: nanchang-14th, line: {1 + i}, quote: 园区}}]
        """) for i in range(n))


def test_two_instances_serve_one_store_and_pick_up_a_rebuild(pg_server, small_project, app_page, tmp_path):
    url = pg_server.create_database("mapapp_app")
    records = small_project.data_dir / "corpus_annotations" / "records"
    data = tmp_path / "data"
    (data / "corpus_annotations" / "records").mkdir(parents=True)
    for name in ("plans.yaml", "vocabulary.yaml"):
        (data / "corpus_annotations" / name).write_bytes((records.parent / name).read_bytes())
    (data / "geodata").mkdir()
    project = dataclasses.replace(small_project, data_dir=data, build_dir=tmp_path / "unused-build",
                                  corpus_dir=None, store=url)
    (data / "corpus_annotations" / "records" / "shared.yaml").write_text(_records(2), encoding="utf-8")
    build(project)
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(serve(project, tmp_path / f"app{i}.log")) for i in (1, 2)]
        pages = [app_page(u).open() for u in urls]
        assert [p.wait_feature_count(2) for p in pages] == [2, 2]
        assert not (tmp_path / "unused-build").exists()          # the build lives in PostGIS only
        (data / "corpus_annotations" / "records" / "shared.yaml").write_text(_records(5), encoding="utf-8")
        build(project)
        for p in pages:
            p.page.reload()
            p.open()
        assert [p.wait_feature_count(5) for p in pages] == [5, 5]
        assert all("地图显示 5 个要素" in p.page.inner_text("body") for p in pages)
