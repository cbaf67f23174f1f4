"""`check` (load → rules → scan): golden messages on a broken copy of the tiny dataset, clean passes, problems found while loading and scanning."""

from __future__ import annotations

from pathlib import Path

from generator.check import check
from tests.golden import EXPECTED, TINY, broken_copy, run_check_cli


def test_tiny_dataset_passes():
    code, out = run_check_cli(TINY)
    assert code == 0, out
    assert out.startswith("检查通过：10 个区划，5 条政策，1 份文件，1 个办事流程，3 个服务网点，1 个批次，6 条发放记录")


def test_broken_copy_matches_golden(tmp_path: Path):
    """Every planted fault is reported once, as path:line:column: 字段: 问题（期望…）."""
    broken_copy(tmp_path)
    code, out = run_check_cli(tmp_path)
    assert code == 1
    assert out == (EXPECTED / "check_broken.txt").read_text(encoding="utf-8"), "run `make golden` and review the diff"


def test_every_problem_line_has_the_contract_shape(tmp_path: Path):
    broken_copy(tmp_path)
    _, out = run_check_cli(tmp_path)
    lines = out.splitlines()
    assert lines[-1] == f"检查未通过：共 {len(lines) - 1} 个问题。"
    for line in lines[:-1]:
        path, row, col, rest = line.split(":", 3)
        assert path.startswith("data/") and row.isdigit() and col.isdigit(), line
        field, message = rest.strip().split(": ", 1)
        assert field and message, line


def test_problems_are_sorted_and_unique(tmp_path: Path):
    data = broken_copy(tmp_path)
    _, problems = check(data)
    keys = [(p.path, p.line, p.column, p.field, p.message) for p in problems]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_plaintext_card_anywhere_in_data_is_found(tiny: Path):
    from tests.golden import TINY_PEOPLE

    (tiny / "documents" / "files" / "note.txt").write_text("卡号 " + TINY_PEOPLE[0].card, encoding="utf-8")
    _, problems = check(tiny)
    assert [(p.path, p.field) for p in problems] == [("data/documents/files/note.txt", "银行卡号")]
    assert TINY_PEOPLE[0].card not in str(problems[0])


def test_non_utf8_data_file_is_reported_with_line(tiny: Path):
    (tiny / "services.csv").write_bytes("名称,类型,区划代码,地址,电话,办公时间\n".encode() + "窗口".encode("gbk"))
    _, problems = check(tiny)
    assert [(p.path, p.line, p.field) for p in problems] == [("data/services.csv", 2, "编码")]


def test_missing_files_are_reported(tmp_path: Path):
    (tmp_path / "data").mkdir()
    _, problems = check(tmp_path / "data")
    assert {p.path for p in problems} == {"data/site.yaml", "data/regions.csv", "data/policies.csv", "data/services.csv"}


def test_wrong_columns(tiny: Path):
    svc = tiny / "services.csv"
    text = svc.read_text(encoding="utf-8").replace("办公时间", "营业时间", 1)
    svc.write_text(text, encoding="utf-8")
    _, problems = check(tiny)
    assert [(p.line, p.column, p.field, p.message) for p in problems] == [
        (1, 0, "办公时间", "缺少此列"), (1, 6, "营业时间", "未知的列")]


def test_quantity_unit_is_a_short_word_or_empty(tiny: Path):
    """数量单位 heads the 数量 column of the village lists: a word such as 亩 or 学期, or nothing."""
    pol = tiny / "policies.csv"
    original = pol.read_text(encoding="utf-8")
    pol.write_text(original.replace("每亩105元（示例）,亩,", "每亩105元（示例）,,", 1), encoding="utf-8")
    dataset, problems = check(tiny)
    assert problems == []
    assert [p.quantity_unit for p in dataset.policies if p.code == "NY001"] == [""]
    pol.write_text(original.replace("每亩105元（示例）,亩,", "每亩105元（示例）,3亩,", 1), encoding="utf-8")
    _, problems = check(tiny)
    assert [(p.path, p.line, p.column, p.field, p.message) for p in problems] == [
        ("data/policies.csv", 2, 10, "数量单位", "数量单位必须是一至四个汉字（3亩）")]
