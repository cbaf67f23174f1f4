"""The tiny golden dataset and the expected output of `check` on a broken copy.

    python -m tests.golden regenerate     (or: make golden)

rebuilds the tiny dataset's payment batch (through ingest, demo key) and the
expected files under tests/golden/.  Review the diff before committing it.

Made-up people for tests are built here too: deterministic, valid-looking IDs
and cards, never committed in plaintext (only their keyed forms are).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import csv
import io
import os
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from huinong_core.keys import load_key
from huinong_core.normalize import luhn_complete
from stdnum.cn import ric

ROOT = Path(__file__).resolve().parent
TINY = ROOT / "fixtures" / "tiny"
EXPECTED = ROOT / "golden"
DEMO_ENV = {"HUINONG_DEMO": "1"}
DEMO_KEYER = load_key(DEMO_ENV)


@dataclass(frozen=True)
class FakePerson:
    id18: str
    name: str
    card: str
    bank: str
    village: str


def fake_id(prefix: str, born: "dt.date | str", seq: int = 123) -> str:
    """An 18-char ID with the correct GB 11643 check digit (the date may be impossible)."""
    date = born if isinstance(born, str) else f"{born:%Y%m%d}"
    body = f"{prefix}{date}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def fake_card(seed: int, bin6: str = "622848") -> str:
    r = random.Random(seed)
    return luhn_complete(bin6 + "".join(str(r.randint(0, 9)) for _ in range(12)))


TINY_PEOPLE = (
    FakePerson(fake_id("410421", "19580312", 21), "王建国", fake_card(1), "中国农业银行", "410421100201"),
    FakePerson(fake_id("410421", "19620701", 44), "李秀英", fake_card(2), "中国农业银行", "410421100201"),
    FakePerson(fake_id("410421", "19700215", 13), "欧阳晓明", fake_card(3), "宝丰农商银行", "410421100202"),
    FakePerson(fake_id("410421", "19451109", 27), "张𠮷", fake_card(4), "中国农业银行", "410421100202"),
    FakePerson(fake_id("410422", "19811224", 35), "买买提·艾力", fake_card(5), "中国农业银行", "410421100001"),
)

RAW_HEADER = ("序号", "乡镇", "村", "姓名", "身份证号码", "社保卡号", "开户银行", "发放数量", "补贴标准", "发放金额",
              "发放日期", "发放状态", "失败原因", "联系电话")
VILLAGE_NAMES = {"410421100201": ("城关镇", "前营村"), "410421100202": ("城关镇", "张庄村"),
                 "410421100001": ("城关镇", "东关社区"), "410425101201": ("冢头镇", "大刘庄村")}


def raw_csv(rows: list[dict], header=RAW_HEADER) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for i, row in enumerate(rows, 1):
        w.writerow([row.get(h, str(i) if h == "序号" else "") for h in header])
    return out.getvalue()


def person_row(p: FakePerson, **over) -> dict:
    township, village = VILLAGE_NAMES[p.village]
    row = {"乡镇": township, "村": village, "姓名": p.name, "身份证号码": p.id18, "社保卡号": p.card,
           "开户银行": p.bank, "发放数量": "3.5", "补贴标准": "105.00", "发放金额": "367.50",
           "发放日期": "2024-05-20", "发放状态": "已发放", "失败原因": "", "联系电话": "13812345678"}
    row.update(over)
    return row


def tiny_ny001_rows() -> list[dict]:
    p = TINY_PEOPLE
    return [
        person_row(p[0]),
        person_row(p[1], 发放数量="2", 发放金额="210.00"),
        person_row(p[2], 发放状态="发放失败", 失败原因="账户已销户"),
        person_row(p[2], 发放日期="2024-06-10", 发放状态="已补发"),
        person_row(p[3], 发放数量="1.2", 发放金额="126.00"),
        person_row(p[4], 发放数量="0.8", 发放金额="84.00"),
    ]


@contextlib.contextmanager
def env(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def make_tiny_payments(data_dir: Path, tmp: Path) -> None:
    from generator.ingest import ingest
    from generator.load import load

    pay = data_dir / "payments"
    if pay.exists():
        shutil.rmtree(pay)
    raw = tmp / "ny001-2024.csv"
    raw.write_text(raw_csv(tiny_ny001_rows()), encoding="utf-8-sig")
    ingest(raw, "NY001", "2024", load(data_dir).dataset, DEMO_KEYER, data_dir=data_dir, shown_path="ny001-2024.csv")


# --------------------------------------------------------- broken copy

#: (file under data/, old text, new text): each plants one or more problems.
MUTATIONS = (
    ("regions.csv", "410421100202,张庄村,410421100000", "410421100202,张庄村,410421200000"),
    ("regions.csv", "410425101201,大刘庄村,410425101000\n", "410425101201,大刘庄村,410425101000\n41042510120,短码村,410425101000\n410421100201,重复村,410421100000\n"),
    ("policies.csv", ",轮作休耕,", ",轮作休耕补助,"),
    ("policies.csv", "MZ005,孤儿基本生活费,孤儿基本生活费,民政补助,中央", "MZ005,孤儿基本生活费,孤儿基本生活费,孤儿补助,乡"),
    ("policies.csv", "0375-2663456,否,,2016,2024", "13912345678,否,,2016,2024"),
    ("policies.csv", ",5-6月,", ",13月,"),
    ("documents/ny001-notice.md", "ny001-form.txt", "missing.txt"),
    ("documents/ny001-notice.md", "[NY001]", "[NY001, ZZ999]"),
    ("procedures/ny001.yaml", "    责任单位: 乡镇人民政府\n", ""),
    ("site.yaml", "网址: https://yikatong.example.gov.cn", "网址: https://yikatong.example.gov.cn\n联系人: 张三"),
    ("services.csv", "乡镇便民服务窗口,410421100000", "乡镇便民服务窗口,410421000000"),
    ("payments/2024/410421-NY001-2024/batch.yaml", "公示结束: 2024-06-21", "公示结束: 2024-06-14"),
)
RECORD_MUTATIONS = (
    # (line number in records.csv, column, new value)
    (2, "查询键", "41042119580312021X"),
    (3, "姓名", "李秀英"),
    (4, "区划代码", "410425101201"),
    (4, "失败原因", ""),
    (6, "发放金额", "abc"),
    (7, "失败原因", "身份证 " + TINY_PEOPLE[4].id18),
)


def broken_copy(dest: Path) -> Path:
    """A copy of the tiny data/ with every mutation applied; returns its data dir."""
    data = dest / "data"
    shutil.copytree(TINY / "data", data)
    for rel, old, new in MUTATIONS:
        path = data / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"mutation target vanished from {rel}: {old!r} (run `make golden`?)"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    rec = data / "payments/2024/410421-NY001-2024/records.csv"
    rows = list(csv.reader(rec.read_text(encoding="utf-8").splitlines()))
    header = rows[0]
    for line, column, value in RECORD_MUTATIONS:
        rows[line - 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    rec.write_text(out.getvalue(), encoding="utf-8")
    return data


def run_check_cli(cwd: Path) -> tuple[int, str]:
    """`python -m generator check` in ``cwd``; returns (exit code, stdout)."""
    from generator.cli import main

    out = io.StringIO()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out):
            code = main(["check"])
    finally:
        os.chdir(old)
    return code, out.getvalue()


def regenerate() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        make_tiny_payments(TINY / "data", Path(tmp))
        code, text = run_check_cli(TINY)
        assert code == 0, text
        broken = broken_copy(Path(tmp) / "broken")
        code, text = run_check_cli(broken.parent)
        assert code == 1
    EXPECTED.mkdir(exist_ok=True)
    (EXPECTED / "check_broken.txt").write_text(text, encoding="utf-8")
    print(f"wrote {EXPECTED / 'check_broken.txt'} ({text.count(chr(10))} lines) and tiny payments")


if __name__ == "__main__":
    if sys.argv[1:] != ["regenerate"]:
        sys.exit("usage: python -m tests.golden regenerate")
    regenerate()
