"""大数据比对筛查: each rule finds exactly the planted cases; other keys, bad rules, privacy.

The dataset is a subset of the committed sample (24 batches, ~24,000 records: the
programmes the rules cover, both counties), the lists come from
``generator.synth.make_reference`` with one planted cross-county duplicate.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from generator.load import Collector, load
from generator.privacy import scan_paths
from generator.reference import ingest_reference, list_path, load_lists
from generator.screening import (
    RULE_TYPES, RulesError, load_rules, public_summary, screen, screen_dataset, screen_dir, write_report,
)
from generator.synth import make_reference
from generator.check import check
from huinong_core.errors import DataError
from huinong_core.keys import Keyer, load_key
from tests.helpers import REPO, independent_pii_scan
from tests.golden import TINY_PEOPLE

SAMPLE = REPO / "data"
SUBSET = [f"{y}/{c}-{b}" for c in ("410421", "410425") for y, bs in (
    ("2024", ("MZ008-2024Q3", "MZ008-2024Q4", "MZ007-2024Q4")),
    ("2025", ("CL001-2025Q1", "CL001-2025Q2", "MZ010-2025Q1", "MZ010-2025Q2", "MZ002-2025Q1", "MZ002-2025Q2",
              "MZ001-2025Q1", "JY001-2025H1", "JY001-2025H2")),
) for b in bs]
KINDS = ("死亡人员", "财政供养人员", "残疾人证", "在校学生")
OTHER_KEY = "another-key-" + "x" * 40


def demo_keyer() -> Keyer:
    return load_key({"HUINONG_DEMO": "1"})


def cli(args: list[str], cwd: Path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HUINONG")}
    base.update({"HUINONG_DEMO": "1", **env})
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, env=base)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """root/data (subset + one planted duplicate), root/raw (department exports), lists ingested."""
    root = tmp_path_factory.mktemp("screen")
    data = root / "data"
    data.mkdir()
    for f in ("site.yaml", "policies.csv", "regions.csv", "services.csv", "screening.yaml"):
        shutil.copyfile(SAMPLE / f, data / f)
    for b in SUBSET:
        shutil.copytree(SAMPLE / "payments" / b, data / "payments" / b)
    with pytest.MonkeyPatch.context() as mp:
        for k in ("HUINONG_KEY", "HUINONG_KEY_FILE", "HUINONG_PRIVATE_DIR"):
            mp.delenv(k, raising=False)
        mp.setenv("HUINONG_DEMO", "1")
        expected = make_reference(data, root / "raw", plant_duplicate=True, noise=200, log=lambda *_: None)
    keyer = demo_keyer()
    for kind in KINDS:
        ingest_reference(root / "raw" / f"{kind}.csv", kind, keyer, data / "private")
    return root, set(expected)


def rules_of(data: Path):
    out = Collector(data.parent)
    rules = load_rules(data / "screening.yaml", out, load(data, payments=False).dataset.policy_codes())
    assert out.problems == []
    return rules


def test_each_rule_finds_exactly_the_planted_cases(world):
    root, expected = world
    data = root / "data"
    rules = rules_of(data)
    lists = load_lists(data / "private", demo_keyer())
    assert lists.problems == [] and len(lists.lists) == 4
    outcome = screen_dir(data, lists, rules, load(data, payments=False).dataset.policies)
    assert outcome.problems == [] and outcome.skipped_rules == []
    found = {f.key for f in outcome.findings}
    assert len(found) == len(outcome.findings)  # one finding per rule and record
    for rule in rules.rules:
        planted = {k for k in expected if k[0] == rule.name}
        assert planted, f"nothing planted for {rule.name}: the test could not fail"
        assert {k for k in found if k[0] == rule.name} == planted, rule.name
    assert found == expected
    assert {f.rule_type for f in outcome.findings} == set(RULE_TYPES)
    # every kind of certificate problem is there, and the renewal without a gap is not
    details = Counter(re.sub(r"[\d-]+", "", f.detail) for f in outcome.findings if f.rule_type == "certificate_valid")
    assert {"无残疾人证记录（要求四级及以上）", "残疾人证已于过期", "发放时尚未发证（发证日期）", "残疾等级为三级，要求二级及以上"} <= set(details)


def test_screen_on_a_loaded_dataset_matches_the_streamed_one(world, monkeypatch):
    """screen(data_dir, dataset=…): how `check` and `diff` call it."""
    root, expected = world
    data = root / "data"
    dataset = load(data).dataset
    monkeypatch.delenv("HUINONG_PRIVATE_DIR", raising=False)
    monkeypatch.setenv("HUINONG_DEMO", "1")
    findings = screen(data, dataset=dataset, only_with_lists=True).outcome.findings
    assert {f.key for f in findings} == expected
    assert findings == sorted(findings)
    one = next(f for f in findings if f.rule_type == "after_death")
    assert one.department == next(p.department for p in dataset.policies if p.code == one.programme)
    assert one.evidence_date < one.date and re.fullmatch(r"[^*]\*+[^*]?", one.name)


def test_cli_screen_report_and_exit_codes(world, tmp_path: Path):
    root, expected = world
    proc = cli(["screen", "--out", str(tmp_path / "r"), "--summary", str(tmp_path / "summary.json")], root)
    assert proc.returncode == 1, proc.stderr
    assert f"发现疑点 {len(expected)} 条" in proc.stdout
    with open(tmp_path / "r" / "比对筛查报告.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert {(r["规则"], r["批次号"], r["记录号"]) for r in rows} == expected
    for r in rows:  # the record in data/ is where the report says
        path = root / "data" / "payments" / r["批次号"].rsplit("-", 1)[1][:4] / r["批次号"] / "records.csv"
        line = path.read_text(encoding="utf-8").splitlines()[int(r["明细文件行号"]) - 1]
        assert line.startswith(r["记录号"] + ",") and r["姓名（打码）"] in line
    html = (tmp_path / "r" / "比对筛查报告.html").read_text(encoding="utf-8")
    assert "宝丰县" in html and "郏县" in html and "内部工作材料" in html
    # a batch with nothing planted: exit 0
    clean = next(b.split("/")[1] for b in SUBSET if not any(k[1] == b.split("/")[1] for k in expected))
    proc = cli(["screen", "--batch", clean, "--out", str(tmp_path / "r2")], root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "发现疑点 0 条" in proc.stdout
    # The report is internal, yet masked: no full ID, card or phone number in it.
    assert scan_paths([tmp_path / "r", tmp_path / "r2"]) == []
    independent_pii_scan(tmp_path)


def test_public_summary_suppresses_small_counts_and_names_nobody(world):
    root, expected = world
    data = root / "data"
    ds = load(data, payments=False).dataset
    rules = rules_of(data)
    outcome = screen_dir(data, load_lists(data / "private", demo_keyer()), rules, ds.policies)
    f0 = outcome.findings[0]
    summary = public_summary(outcome, rules, ds.regions, {f0.key: ("已追回", "2026-01-05")}, ds.protected_codes())
    rows = summary["数据"]
    assert rows and all(set(r) == {"区划代码", "县", "年度", "规则", "规则类型", "疑点数", "少于5", "已处理比例"} for r in rows)
    for r in rows:
        assert r["疑点数"] is None and r["少于5"] or r["疑点数"] == 0 or r["疑点数"] >= 5
        assert r["区划代码"].endswith("000000")
    assert any(r["少于5"] for r in rows) and any(r["疑点数"] == 0 for r in rows)
    text = json.dumps(summary, ensure_ascii=False)
    assert not any(k[1] in text for k in expected) and f0.name not in text
    # a cell of 5 or more shows its count and share resolved
    outcome.findings = [f for f in outcome.findings for _ in range(3)]  # inflate: every cell ×3
    big = public_summary(outcome, rules, ds.regions, {f0.key: ("已追回", "")})
    cell = next(r for r in big["数据"] if r["县"] and r["疑点数"] and r["规则"] == f0.rule and r["区划代码"] == f0.county
                and r["年度"] == f0.year)
    assert cell["已处理比例"] == round(3 / cell["疑点数"], 3)


def test_a_list_keyed_with_another_key_matches_nothing_and_screen_says_so(world, tmp_path: Path):
    root, expected = world
    private = tmp_path / "private"
    other = load_key({"HUINONG_KEY": OTHER_KEY})
    ingest_reference(root / "raw" / "死亡人员.csv", "死亡人员", other, private)
    rules = rules_of(root / "data")
    policies = load(root / "data", payments=False).dataset.policies
    # loaded as is, it matches nothing
    raw = screen_dir(root / "data", load_lists(private, None), rules, policies)
    assert [f for f in raw.findings if f.rule_type == "after_death"] == []
    # checked against the current key, it is refused with a clear reason
    lists = load_lists(private, demo_keyer())
    assert lists.lists == [] and len(lists.problems) == 1
    assert "另一把密钥" in lists.problems[0].message
    proc = cli(["screen", "--private", str(private), "--out", str(tmp_path / "r")], root)
    assert proc.returncode == 2
    assert "另一把密钥" in proc.stderr and "不能当作“未发现疑点”" in proc.stderr
    assert "另一把密钥" in (tmp_path / "r" / "比对筛查报告.html").read_text(encoding="utf-8")


def test_keyed_list_from_a_department(world, tmp_path: Path):
    """A department that holds the key hands over 人员键 + 密钥指纹, never an ID number."""
    root, expected = world
    keyer = demo_keyer()
    stored = list_path(root / "data" / "private", "死亡人员", "死亡人员")
    handed = tmp_path / "keyed.csv"
    handed.write_text(stored.read_text(encoding="utf-8").replace("行号", "原行号"), encoding="utf-8")
    with pytest.raises(DataError) as e:
        ingest_reference(handed, "死亡人员", keyer, tmp_path / "p")
    assert "缺少密钥指纹" in str(e.value.problems[0])
    with pytest.raises(DataError) as e:
        ingest_reference(handed, "死亡人员", keyer, tmp_path / "p", fingerprint="0123456789abcdef")
    assert "另一把密钥" in e.value.problems[0].message
    assert not (tmp_path / "p" / "名单" / "死亡人员" / "keyed.csv").exists()
    result = ingest_reference(handed, "死亡人员", keyer, tmp_path / "p", fingerprint=keyer.fingerprint())
    assert result.keyed_input and result.rows == stored.read_text(encoding="utf-8").count("\n") - 1
    outcome = screen_dir(root / "data", load_lists(tmp_path / "p", keyer), rules_of(root / "data"),
                         load(root / "data", payments=False).dataset.policies)
    assert {f.key for f in outcome.findings if f.rule_type == "after_death"} == {k for k in expected if k[0] == "死亡后仍发放"}


def test_ingest_reference_copes_with_messy_exports_and_refuses_bad_rows(tiny: Path, tmp_path: Path):
    keyer = demo_keyer()
    p = TINY_PEOPLE
    id15 = p[0].id18[:6] + p[0].id18[8:17]
    full = p[1].id18.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    rows = ["序号\t姓名\t身份证号码\t死亡时间\t联系电话",
            f"1\t{p[0].name}\t{id15}\t2024/5/1 0:00\t13812345678",
            f"2\t{p[1].name}\t{full}\t2024年3月1日\t",
            "3\t某人\t41042119580312021X\t2024-02-30\t",
            "4\t某人\t\t2024-01-01\t"]
    raw = tmp_path / "death.csv"
    raw.write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))
    with pytest.raises(DataError) as e:
        ingest_reference(raw, "死亡人员", keyer, tiny / "private")
    shown = [str(x) for x in e.value.problems]
    assert any(s.startswith(f"{raw}:4:3: 身份证号: ") for s in shown), shown
    assert any(s.startswith(f"{raw}:4:4: 死亡日期: 日期不存在") for s in shown), shown
    assert any(s.startswith(f"{raw}:5:3: 身份证号: 必填项为空") for s in shown), shown
    assert not (tiny / "private").exists() or not any((tiny / "private").rglob("*.csv"))
    result = ingest_reference(raw, "死亡人员", keyer, tiny / "private", skip_bad=True)
    assert result.rows == 2 and result.dropped_columns == ["序号", "姓名", "联系电话"]
    stored = result.path.read_text(encoding="utf-8")
    assert stored.splitlines() == ["人员键,死亡日期,行号", f"{keyer.person_key(p[0].id18)},2024-05-01,2",
                                   f"{keyer.person_key(p[1].id18)},2024-03-01,3"]
    assert p[0].name not in stored and p[0].id18 not in stored
    meta = result.path.with_suffix(".yaml").read_text(encoding="utf-8")
    assert f"密钥指纹: {keyer.fingerprint()}" in meta


def test_check_reports_findings_as_warnings(world):
    root, expected = world
    proc = cli(["check"], root)
    assert proc.returncode == 0, proc.stdout
    assert f"大数据比对筛查发现 {len(expected)} 条疑点" in proc.stdout


BAD_RULES = """\
规则:
  - 名称: 死亡后仍发放
    类型: after_death
    名单: 死亡人员
    项目: [NY001, ZZ999]
    颜色: 红
  - 名称: 证件
    类型: certificate_valid
    名单: 残疾证
    项目: "*"
    等级: 五级
  - 名称: 死亡后仍发放
    类型: on_payroll
    名单: 死亡人员
    项目: [MZ010]
    宽限天数: 3
  - 名称: 重复
    类型: duplicate_across_county
    项目: [nope]
作者: 张三
"""


def test_bad_screening_yaml_gives_file_line_errors(tiny: Path):
    (tiny / "screening.yaml").write_text(BAD_RULES, encoding="utf-8")
    _, problems = check(tiny)
    got = [str(p) for p in problems]
    assert got == [
        "data/screening.yaml:5:17: 项目: 项目ZZ999不在政策清单中（期望policies.csv 中的项目编码）",
        "data/screening.yaml:6:9: 颜色: 未知的字段（期望规则只含：名称，类型，名单，项目，等级，宽限天数，说明）",
        "data/screening.yaml:9:9: 名单: 不认识的名单类型（残疾证）（期望死亡人员/财政供养人员/残疾人证/在校学生）",
        "data/screening.yaml:11:9: 等级: 不认识的残疾等级（五级）（期望一级/二级/三级/四级：持证等级须为该级或更重）",
        "data/screening.yaml:12:9: 名称: 规则名称重复（与第2行相同）（期望每条规则名称唯一）",
        "data/screening.yaml:14:9: 名单: on_payroll 规则只能比对“财政供养人员”名单（写的是“死亡人员”）（期望财政供养人员）",
        "data/screening.yaml:16:11: 宽限天数: on_payroll 规则没有“宽限天数”这一项（期望删除该字段）",
        "data/screening.yaml:18:9: 类型: 不认识的规则类型（duplicate_across_county）（期望"
        + "/".join(f"{t.code}（{t.label}）" for t in RULE_TYPES.values()) + "）",
        "data/screening.yaml:19:10: 项目: 不是有效项目编码（nope）（期望两个大写字母加三位数字，如 NY001；或 \"*\"）",
        "data/screening.yaml:20:5: 作者: 未知的字段（期望只含：规则，说明）",
    ]


def test_screen_without_usable_rules_screens_nothing(tiny: Path, tmp_path: Path, monkeypatch, capsys):
    """A missing or broken rules file: exit 2 and why, no report; check and diff skip screening quietly."""
    from generator.cli import main

    monkeypatch.delenv("HUINONG_PRIVATE_DIR", raising=False)
    monkeypatch.setenv("HUINONG_DEMO", "1")
    args = ["screen", "--data", str(tiny), "--out", str(tmp_path / "r")]
    assert main(args) == 2
    assert capsys.readouterr().err == "错误：缺少筛查规则文件 " + str(tiny / "screening.yaml") + \
        "（见 data/README.md“大数据比对筛查”）。\n"
    (tiny / "screening.yaml").write_text(BAD_RULES, encoding="utf-8")
    assert main(args) == 2
    *problems, last = capsys.readouterr().err.splitlines()
    assert sorted(problems) == sorted(str(p) for p in check(tiny)[1]) and len(problems) == 10  # what check says
    assert last == "筛查规则有错误，未进行比对。"
    assert not (tmp_path / "r").exists()
    raw = tmp_path / "death.csv"  # lists present: check and diff would screen, but not with these rules
    raw.write_text(f"身份证号,死亡日期\n{TINY_PEOPLE[0].id18},2024-01-01\n", encoding="utf-8")
    ingest_reference(raw, "死亡人员", demo_keyer(), tiny / "private")
    with pytest.raises(RulesError) as e:
        screen(tiny, dataset=load(tiny).dataset, only_with_lists=True)
    assert len(e.value.problems) == 10


def test_committed_rules_are_valid():
    out = Collector(REPO)
    rules = load_rules(SAMPLE / "screening.yaml", out, load(SAMPLE, payments=False).dataset.policy_codes())
    assert out.problems == [] and {r.type for r in rules.rules} == set(RULE_TYPES)


TINY_RULES = """\
规则:
  - 名称: 死亡后仍发放
    类型: after_death
    名单: 死亡人员
    项目: [NY001, MZ010]
  - 名称: 跨县重复领取
    类型: duplicate_across_counties
    项目: "*"
"""


def test_lists_and_reports_never_reach_the_built_site(tiny: Path, tmp_path: Path, monkeypatch):
    """A build with lists and a report present reads nothing under data/private and
    publishes none of the report's record numbers, rules or keys."""
    from generator.pipeline import build

    keyer = demo_keyer()
    (tiny / "screening.yaml").write_text(TINY_RULES, encoding="utf-8")
    p = TINY_PEOPLE
    raw = tmp_path / "death.csv"
    noise = [f"41042119{y}0101{i:03d}" for y, i in ((30, 11), (31, 12))]
    from stdnum.cn import ric
    noise = [n[:17] + ric.calc_check_digit(n[:17] + "0") for n in noise]
    raw.write_text("身份证号,死亡日期\n" + f"{p[0].id18},2024-01-01\n{p[3].id18},2024-05-01\n"
                   + "".join(f"{n},2020-01-01\n" for n in noise), encoding="utf-8")
    ingest_reference(raw, "死亡人员", keyer, tiny / "private")
    lists = load_lists(tiny / "private", keyer)
    ds = load(tiny).dataset
    rules = rules_of(tiny)
    outcome = screen_dataset(ds, lists, rules)
    findings = outcome.findings
    assert {(f.rule, f.record_no) for f in findings} == {("死亡后仍发放", "00001"), ("死亡后仍发放", "00005")}
    write_report(tiny.parent / "reports", outcome, rules, lists, ds.regions)

    private = str((tiny / "private").resolve())
    opened: list[str] = []

    def hook(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.fsdecode(args[0])
            if os.path.abspath(path).startswith(private) or "比对筛查" in path:
                opened.append(path)

    watching = [True]
    sys.addaudithook(lambda e, a: hook(e, a) if watching[0] else None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    try:
        build(tiny, tmp_path / "public", posters=False)
    finally:
        watching[0] = False
    assert opened == []
    keys = [line.split(",")[0] for line in list_path(tiny / "private", "死亡人员", "death").read_text().splitlines()[1:]]
    needles = [re.compile(rf"(?<!\d){f.record_no}(?!\d)") for f in findings]
    words = ["比对筛查", "死亡后仍发放", "死亡人员", *keys]
    for path in (tmp_path / "public").rglob("*"):
        if not path.is_file() or path.suffix not in (".html", ".json", ".xml", ".csv", ".txt", ".js", ".sqlite"):
            continue
        text = path.read_bytes().decode("utf-8", "ignore")
        for w in words:
            assert w not in text, (path, w)
        if path.suffix != ".sqlite":
            for n in needles:
                assert not n.search(text), (path, n.pattern)
