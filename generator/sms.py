"""到账短信项目名称: the export for the paying banks (CSV and JSON).

Banks send a 社保卡 arrival SMS naming the programme by its 四字简称 and the
amount.  For protected programmes (孤儿, 事实无人抚养儿童, 艾滋病: ``Policy.protected``)
the bank must not learn, let alone text, what the money is for: their rows carry
the neutral 四字简称 in place of the 一卡通发放项目名称 too.  ``check`` verifies
that no protected programme's 四字简称 gives it away (generator/rules.py).

    python -m generator sms-names [--data data] [--out exports]
"""

from __future__ import annotations

import json
from pathlib import Path

from generator.check import check
from huinong_core.errors import DataError
from huinong_core.models import Dataset, Policy

COLUMNS = ("项目编码", "一卡通发放项目名称", "四字简称", "短信中显示", "隐私保护", "执行年度")
CSV_NAME, JSON_NAME = "到账短信项目名称.csv", "到账短信项目名称.json"


def rows(ds: Dataset) -> list[dict]:
    """One row per programme (its latest row of the 政策清单), in code order."""
    latest: dict[str, Policy] = {}
    first: dict[str, int] = {}
    for p in ds.policies:
        first[p.code] = min(first.get(p.code, p.start_year), p.start_year)
        if p.code not in latest or p.start_year > latest[p.code].start_year:
            latest[p.code] = p
    out = []
    for code in sorted(latest):
        p = latest[code]
        years = f"{first[code]}年起" if p.end_year is None else f"{first[code]}—{p.end_year}年"
        out.append({
            "项目编码": code,
            "一卡通发放项目名称": p.short_name if p.protected else p.card_name,
            "四字简称": p.short_name,
            "短信中显示": p.short_name,
            "隐私保护": "是" if p.protected else "否",
            "执行年度": years,
        })
    return out


def write_exports(data_dir: Path, out_dir: Path) -> list[Path]:
    from generator.site.downloads import csv_bytes

    dataset, problems = check(data_dir)
    if problems:
        raise DataError(problems)
    table = rows(dataset)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out_dir / CSV_NAME, out_dir / JSON_NAME
    csv_path.write_bytes(csv_bytes(COLUMNS, [[r[c] for c in COLUMNS] for r in table]))
    note = ("隐私保护项目（孤儿、事实无人抚养儿童、涉及艾滋病人员等）的“一卡通发放项目名称”已换成中性的四字简称，"
            "短信和银行系统中都只用这个名称。")
    json_path.write_text(json.dumps({"说明": note, "项目": table}, ensure_ascii=False, indent=1) + "\n",
                         encoding="utf-8")
    return [csv_path, json_path]
