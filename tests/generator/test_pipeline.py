"""build: all-or-nothing output behind the privacy gate."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from generator.pipeline import build, privacy_gate
from generator.writer import LINKED, Writer, WriterError
from huinong_core.errors import DataError, PrivacyError
from tests.builds import contents
from tests.golden import TINY_PEOPLE


def test_build_writes_masked_village_lists(tiny: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    summary = build(tiny, tmp_path / "public")
    village = json.loads((tmp_path / "public/site/diqu/410421100201/410421100201.json").read_text(encoding="utf-8"))
    rows = village["记录"]
    assert [r["姓名"] for r in rows] == ["王*国", "李*英"]
    assert sum(float(r["金额"]) for r in rows if r["状态"] in ("已发放", "已补发")) == 577.50
    assert summary.records == 6
    assert privacy_gate(tmp_path / "public") is None
    # The village's list in the batch, on a page of its own: the unit of 数量 from the policy (亩).
    page = (tmp_path / "public/site/diqu/410421100201/410421-NY001-2024/index.html").read_text(encoding="utf-8")
    assert "<th scope=\"col\">数量（亩）</th>" in page and "王*国" in page and "李*英" in page
    village = (tmp_path / "public/site/diqu/410421100201/index.html").read_text(encoding="utf-8")
    assert 'href="410421-NY001-2024/"' in village.replace("../../diqu/410421100201/", "")


def test_results_older_than_publish_years_are_withdrawn(tiny: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1861920000")  # 2029-01-01: 2024 is outside 3 years
    summary = build(tiny, tmp_path / "public")
    assert summary.withdrawn == 1
    assert "410421-NY001-2024" in summary.report().splitlines()[1]
    assert not (tmp_path / "public/site/diqu/410421100201/410421100201.json").exists()


def test_failed_build_leaves_last_good_output(tiny: Path, tmp_path: Path):
    out = tmp_path / "public"
    build(tiny, out)
    before = contents(out)
    (tiny / "policies.csv").write_text("项目编码\n", encoding="utf-8")
    with pytest.raises(DataError):
        build(tiny, out)
    assert contents(out) == before
    # The failed build's directory is gone: left are the live build and at most one earlier tree,
    # with its list of files, for the next build to recycle (never published).
    others = [p for p in (tmp_path / ".public.builds").iterdir() if p.name not in ("lock", "cache", LINKED, out.resolve().name)]
    assert out.resolve().parent == tmp_path / ".public.builds"
    assert len(others) <= 1 and all((p / "manifest.json").is_file() for p in others)


def test_privacy_gate_blocks_and_keeps_old_output(tmp_path: Path):
    out = tmp_path / "public"
    w = Writer(out)
    w.write_text("index.html", "ok")
    w.commit()
    w = Writer(out)
    w.write_text("index.html", f"<td>{TINY_PEOPLE[0].id18}</td>")
    with pytest.raises(PrivacyError) as e:
        privacy_gate(w.tmp)
    w.abort()
    assert (out / "index.html").read_text() == "ok"
    assert TINY_PEOPLE[0].id18 not in str(e.value.findings[0])


def test_writer_refuses_a_path_twice_and_escapes(tmp_path: Path):
    w = Writer(tmp_path / "public")
    w.write_text("a/b.html", "1")
    with pytest.raises(WriterError):
        w.write_text("a/b.html", "2")
    with pytest.raises(WriterError):
        w.write_text("../evil", "x")
    w.abort()


def test_published_output_is_readable_by_a_web_server(tmp_path: Path):
    w = Writer(tmp_path / "public")
    w.write_text("site/index.html", "x")
    w.commit()
    assert (tmp_path / "public").stat().st_mode & 0o777 == 0o755


def test_build_leaves_the_process_locale_alone(tiny: Path, tmp_path: Path):
    """pelican sets its LOCALE process-wide; later subprocess text decoding must not turn ASCII."""
    import locale

    before = locale.setlocale(locale.LC_ALL)
    build(tiny, tmp_path / "public", posters=False)
    assert locale.setlocale(locale.LC_ALL) == before


def test_a_stage_beside_the_site_that_fails_fails_the_build(tiny: Path, tmp_path: Path, monkeypatch):
    """The lookup database and the posters run in a forked process beside the site (pipeline.Beside):
    an error there is the build's, raised in it, and the last good output stays."""
    import generator.index as index

    out = tmp_path / "public"
    build(tiny, out)
    before = contents(out)

    def broken(ctx):
        raise WriterError("查询数据库写不了")

    monkeypatch.setattr(index, "write", broken)
    with pytest.raises(WriterError, match="查询数据库写不了"):
        build(tiny, out, full=True)
    assert contents(out) == before


def _slow_stage(mark: Path):
    """A stage (or a half of the site) that says it started, its process id in `mark`, then takes long."""
    def stage(*_args):
        mark.write_text(str(os.getpid()))
        time.sleep(30)
        return 0
    return stage


def _wait_for(mark: Path) -> None:
    deadline = time.monotonic() + 10
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _assert_ended(mark: Path, out: Path, started: float) -> None:
    """The build did not wait for the slow process, which is gone, and left no build directory."""
    from tests.procs import alive

    assert time.monotonic() - started < 20
    pid = int(mark.read_text())
    assert pid != os.getpid() and not alive(pid)
    assert [p.name for p in (out.parent / f".{out.name}.builds").iterdir() if p.name.startswith("build-")] == []


@pytest.mark.parametrize("slow, failing", [
    # The site fails while the lookup database and the posters are made beside it.
    (("generator.index", "write"), ("generator.site", "render")),
    # The disclosure half fails while the policy half renders in its own process.
    (("generator.site", "build_policy_half"), ("generator.site", "build_disclosure_half")),
], ids=["site-stops-beside", "disclosure-stops-policy-half"])
def test_a_failing_part_ends_the_process_beside_it(tiny: Path, tmp_path: Path, monkeypatch, slow, failing):
    """The process beside a part that fails is ended, not left writing into a tree being removed; the
    build fails at once with the part's error."""
    import importlib

    mark = tmp_path / "started"

    def broken(*_args):
        _wait_for(mark)
        raise WriterError("写不了")

    monkeypatch.setattr(importlib.import_module(slow[0]), slow[1], _slow_stage(mark))
    monkeypatch.setattr(importlib.import_module(failing[0]), failing[1], broken)
    started = time.monotonic()
    with pytest.raises(WriterError, match="写不了"):
        build(tiny, tmp_path / "public")
    _assert_ended(mark, tmp_path / "public", started)


def test_a_build_that_fails_while_it_waits_for_stages_beside_ends_the_others(tiny: Path, tmp_path: Path,
                                                                             monkeypatch):
    """Waiting for the stages beside can raise (one of them failed, or Ctrl+C): every process beside not
    yet taken in is ended too, not left writing into the build the writer removes."""
    import generator.pipeline as pipeline
    from generator.pipeline import Beside

    mark = tmp_path / "started"

    def broken(ctx):
        raise WriterError("查询数据库写不了")

    def site(ctx):
        _wait_for(mark)
        return 0

    monkeypatch.setattr(pipeline, "_stages", lambda posters: [Beside((broken,)), Beside((_slow_stage(mark),)), site])
    started = time.monotonic()
    with pytest.raises(WriterError, match="查询数据库写不了"):
        build(tiny, tmp_path / "public")
    _assert_ended(mark, tmp_path / "public", started)


def test_the_manifest_has_each_files_own_hash(tiny: Path, tmp_path: Path, monkeypatch):
    """Files made beside the site (the lookup database, the posters) are hashed in their process; the
    manifest's hash of every file, there or here, full build or incremental, is the file's."""
    import hashlib

    from tests.builds import add_batch, build_dir
    from tests.gitrepo import init_repo

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1718928000")  # the tiny batch's 公示期: its posters are made too
    repo = init_repo(tmp_path / "repo", tiny)
    out = tmp_path / "public"
    for step in ("full", "new batch"):
        if step == "new batch":
            add_batch(repo)
        build(repo / "data", out)
        live = build_dir(out)
        files = json.loads((live / "manifest.json").read_text(encoding="utf-8"))["files"]
        assert any(rel.startswith("site/haibao/") and rel.endswith(".pdf") for rel in files) and "lookup.sqlite" in files
        wrong = [rel for rel, e in files.items() if hashlib.sha256((live / rel).read_bytes()).hexdigest() != e["sha256"]]
        assert wrong == [], step
