"""The publishing pipeline (scripts/pipeline.sh mr, what both CI templates run) is green on the
committed sample: the site tests use the build it made, and its change report names the batch
the last commit adds."""

from __future__ import annotations

from tests.site.sample import MR_BATCH


def test_pipeline_mr_is_green_on_the_sample(pipeline_run):
    repo, done = pipeline_run
    steps = [line[3:].split("：")[0] for line in done.stdout.splitlines() if line.startswith("== ")]
    assert steps == ["检查数据", "构建网站和查询数据库", "隐私检查（构建结果全部文件）", "变更报告", "完成"]
    assert "检查通过：791 个区划" in done.stdout and "未发现个人信息。" in done.stdout
    report = (repo / "reports/diff.md").read_text(encoding="utf-8")
    batch = MR_BATCH.split("/")[1]
    assert batch in report and "新增" in report
    records = sum(1 for _ in (repo / "data/payments" / MR_BATCH / "records.csv").open(encoding="utf-8")) - 1
    assert f"{records:,}" in report or str(records) in report
    assert (repo / "reports/diff.html").exists() and (repo / "reports/comment.md").exists()
