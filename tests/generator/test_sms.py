"""The banks' export of 到账短信项目名称: every programme, protected ones under a neutral name."""

from __future__ import annotations

import csv
import json

from generator import cli
from generator.sms import CSV_NAME, JSON_NAME, rows

#: What a protected programme's bank message and export must never say.
TELLING = ("孤儿", "事实无人抚养", "艾滋", "患者", "儿童")


def test_rows_of_the_sample(sample_dataset):
    table = rows(sample_dataset)
    by_code = {r["项目编码"]: r for r in table}
    assert len(by_code) == len(table) == len(sample_dataset.policy_codes())
    assert by_code["NY001"]["一卡通发放项目名称"] == "耕地地力保护补贴" and by_code["NY001"]["短信中显示"] == "耕地地力"
    protected = [r for r in table if r["隐私保护"] == "是"]
    assert {r["项目编码"] for r in protected} == {"MZ005", "MZ006", "WJ003"}
    for r in protected:
        assert r["一卡通发放项目名称"] == r["四字简称"] == r["短信中显示"]
        assert not any(w in v for w in TELLING for v in r.values()), r


def test_export_files(tiny, tmp_path, demo_env, capsys):
    assert cli.main(["sms-names", "--data", str(tiny), "--out", str(tmp_path)]) == 0
    raw = (tmp_path / CSV_NAME).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with BOM
    table = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    data = json.loads((tmp_path / JSON_NAME).read_text(encoding="utf-8"))
    assert table == data["项目"]
    orphans = next(r for r in table if r["项目编码"] == "MZ005")
    assert orphans["一卡通发放项目名称"] == "民政补助" and orphans["隐私保护"] == "是"
    assert "孤儿" not in raw.decode("utf-8-sig") and "孤儿" not in json.dumps(data["项目"], ensure_ascii=False)
    assert CSV_NAME in capsys.readouterr().out


def test_export_refuses_bad_data(tiny, tmp_path, demo_env, capsys):
    pol = tiny / "policies.csv"
    pol.write_text(pol.read_text(encoding="utf-8").replace(",民政补助,", ",孤儿补助,"), encoding="utf-8")
    assert cli.main(["sms-names", "--data", str(tiny), "--out", str(tmp_path / "out")]) == 1
    assert "孤儿" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
