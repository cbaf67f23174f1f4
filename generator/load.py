"""The first step of `check` (generator/check.py): read data/ into domain records, collecting every problem.

This is the only module that sees raw dicts.  Each file type has a table of
per-column parsers; a cell that does not parse becomes a :class:`Problem`
naming file, line, column and what was expected, and the row is dropped
from the dataset (so later stages see only well-formed records).

Files in data/ have one canonical format each (ISO dates, plain decimals),
written by `ingest` or by staff following data/README.md.  The lenient
parsers for messy raw exports live in normalize.py and are used by ingest.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from generator.batch_cache import BatchCache
from generator.parallel import fork_map
from generator.spill import RecordStore, SpilledRecords, Where, records_at, spill
from generator.table import numbered
from huinong_core.errors import ParseError, Problem
from huinong_core.models import (
    NOTICE_LEVELS, POLICY_LEVELS, SERVICE_KINDS, STATUSES, TARGET_GROUPS, Attachment, Batch, Dataset, Document,
    Notice, Policy, Procedure, Region, Service, Site, Source, Step,
)
from huinong_core.normalize import parse_months, parse_period, parse_public_phone

# ----------------------------------------------------------- cell parsers


def text(raw: str) -> str:
    value = raw.strip()
    if "\n" in value or "\r" in value:
        raise ParseError("含有换行", "单行文字")
    return value


def long_text(raw: str) -> str:
    return raw.strip()


_CODE12 = re.compile(r"^[1-9]\d{11}$")


def region_code(raw: str) -> str:
    value = raw.strip()
    if not _CODE12.match(value):
        raise ParseError(f"不是12位区划代码（{value}）", "12位数字的统计用区划代码，如 410421101201")
    return value


def region_codes(raw: str) -> tuple[str, ...]:
    parts = [p for p in re.split(r"[\s,，、;；]+", raw.strip()) if p]
    return tuple(region_code(p) for p in parts)


_PROGRAMME_CODE = re.compile(r"^[A-Z]{2}\d{3}$")


def programme_code(raw: str) -> str:
    value = raw.strip()
    if not _PROGRAMME_CODE.match(value):
        raise ParseError(f"不是有效项目编码（{value}）", "两个大写字母加三位数字，如 NY001")
    return value


_CJK4 = re.compile(r"^[\u4e00-\u9fff]{4}$")
_CJK_UNIT = re.compile(r"[\u4e00-\u9fff]{1,4}")


def short_name(raw: str) -> str:
    value = raw.strip()
    if not _CJK4.match(value):
        raise ParseError(f"四字简称必须正好是四个汉字（{value}）", "四个汉字，如 耕地地力")
    return value


def quantity_unit(raw: str) -> str:
    """The unit of 发放数量 (亩, 月, 人, 学期): it heads the 数量 column of the published lists."""
    value = raw.strip()
    if not _CJK_UNIT.fullmatch(value):
        raise ParseError(f"数量单位必须是一至四个汉字（{value}）", "如 亩、月、人、台、学期；没有数量的留空")
    return value


def one_of(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if value not in options:
            raise ParseError(f"不是有效取值（{value}）", "/".join(options))
        return value

    return parse


def some_of(options: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """Several values from a fixed list, separated by 、 or spaces."""
    def parse(raw: str) -> tuple[str, ...]:
        parts = [p for p in re.split(r"[\s,，、;；]+", raw.strip()) if p]
        bad = [p for p in parts if p not in options]
        if bad:
            raise ParseError(f"不是有效取值（{'、'.join(bad)}）", "、".join(options))
        return tuple(dict.fromkeys(parts))

    return parse


def yes_no(raw: str) -> bool:
    value = raw.strip()
    if value not in ("是", "否"):
        raise ParseError(f"不是有效取值（{value}）", "是/否")
    return value == "是"


def year(raw: str) -> int:
    value = raw.strip()
    if not re.fullmatch(r"(19|20)\d{2}", value):
        raise ParseError(f"不是年度（{value}）", "四位年份，如 2024")
    return int(value)


def positive_int(raw: str) -> int:
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ParseError(f"不是正整数（{value}）", "正整数，如 3")
    return int(value)


def iso_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    value = str(raw).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ParseError(f"日期格式不对（{value}）", "YYYY-MM-DD，如 2024-06-03")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParseError(f"日期不存在（{value}）", "有效日期") from None


_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def notice_time(raw: Any) -> tuple[dt.datetime, bool]:
    """A time in Beijing time, and whether it was a bare date (2026-11-20 or 2026-11-20 08:00)."""
    from huinong_core.version import CST

    if isinstance(raw, dt.datetime):  # YAML reads "2026-11-20 08:00:00" as a naive datetime
        return raw.replace(tzinfo=CST) if raw.tzinfo is None else raw.astimezone(CST), False
    if isinstance(raw, dt.date):
        return dt.datetime.combine(raw, dt.time(), CST), True
    value = str(raw).strip()
    m = _TIME.fullmatch(value)
    if not m:
        raise ParseError(f"时间格式不对（{value}）", "YYYY-MM-DD 或 YYYY-MM-DD HH:MM（北京时间），如 2026-11-20 08:00")
    try:
        day = dt.date.fromisoformat(m.group(1))
        if m.group(2) is None:
            return dt.datetime.combine(day, dt.time(), CST), True
        return dt.datetime.combine(day, dt.time(int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)), CST), False
    except ValueError:
        raise ParseError(f"时间不存在（{value}）", "有效的日期和时间") from None


_DECIMAL = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")  # up to 999,999,999.99 (see normalize.MAX_WHOLE_DIGITS)


def amount(raw: str) -> Decimal:
    """An amount as records.csv keeps it (ingest wrote it; raw exports: normalize.parse_amount)."""
    text = raw.strip()
    if not _DECIMAL.match(text):
        raise ParseError(f"不是金额（{text}）", "大于0的数字，最多两位小数，如 105.00")
    value = Decimal(text)
    if value <= 0:
        raise ParseError("金额为0", "大于0的金额")
    return value


_QTY = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,4})?$")


def quantity(raw: str) -> Decimal:
    value = raw.strip()
    if not _QTY.match(value) or Decimal(value) <= 0:
        raise ParseError(f"不是有效数量（{value}）", "大于0的数字，最多四位小数，如 3.25")
    return Decimal(value)


_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def hex_key(raw: str) -> str:
    value = raw.strip()
    if not _HEX32.match(value):
        raise ParseError("不是有效的键值（可能填入了明文）", "ingest 生成的32位小写十六进制")
    return value


def masked_name(raw: str) -> str:
    value = raw.strip()
    if "*" not in value:
        raise ParseError("姓名未打码", "打码后的姓名，如 张*、张*三")
    n = len(value)
    stars = value.count("*")
    ok = value[0] != "*" and (
        (n == 2 and value[1] == "*") or (n >= 3 and value[-1] != "*" and stars == n - 2 and value[1:-1] == "*" * (n - 2))
    )
    if not ok:
        raise ParseError(f"打码格式不对（{value}）", "保留首字、三字及以上保留末字，如 张*、张*三、欧**明")
    return value


def card_tail(raw: str) -> str:
    value = raw.strip()
    if not re.fullmatch(r"\d{4}", value):
        raise ParseError(f"不是卡号尾号（{value}）", "卡号最后4位数字")
    return value


def record_no(raw: str) -> str:
    value = raw.strip()
    if not re.fullmatch(r"\d{1,8}", value):
        raise ParseError(f"不是记录号（{value}）", "批次内的序号数字，如 00012")
    return value


def period(raw: Any) -> str:
    return parse_period(str(raw))


# ------------------------------------------------------------ column tables
# (parser, required).  Optional columns may be empty, never absent.

REGION_FIELDS = {
    "区划代码": (region_code, True),
    "名称": (text, True),
    "上级代码": (region_code, False),
}

POLICY_FIELDS = {
    "项目编码": (programme_code, True),
    "补贴政策名称": (text, True),
    "一卡通发放项目名称": (text, True),
    "四字简称": (short_name, True),
    "政策级次": (one_of(POLICY_LEVELS), True),
    "主管部门": (text, True),
    "补贴对象": (long_text, True),
    "对象类别": (some_of(TARGET_GROUPS), True),
    "补贴标准": (long_text, True),
    "数量单位": (quantity_unit, False),
    "资金用途": (long_text, False),
    "政策依据": (long_text, False),
    "发放方式": (text, True),
    "发放时间": (text, True),
    "资金来源": (text, True),
    "政策解答电话": (parse_public_phone, True),
    "隐私保护": (yes_no, True),
    "适用地区": (region_codes, False),
    "起始年度": (year, True),
    "终止年度": (year, False),
    "备注": (long_text, False),
}

SERVICE_FIELDS = {
    "名称": (text, True),
    "类型": (one_of(SERVICE_KINDS), True),
    "区划代码": (region_code, True),
    "地址": (text, False),
    "电话": (parse_public_phone, True),
    "办公时间": (text, True),
}

#: records.csv of a payment batch, in the order ingest writes them.
FIELD_PARSERS = {
    "记录号": (record_no, True),
    "查询键": (hex_key, True),
    "人员键": (hex_key, True),
    "卡键": (hex_key, True),
    "姓名": (masked_name, True),
    "卡号尾号": (card_tail, True),
    "开户银行": (text, True),
    "区划代码": (region_code, True),
    "发放数量": (quantity, True),
    "补贴标准": (amount, True),
    "发放金额": (amount, True),
    "发放日期": (iso_date, True),
    "发放状态": (one_of(STATUSES), True),
    "失败原因": (text, False),
}
RECORD_COLUMNS = tuple(FIELD_PARSERS)

SITE_FIELDS = {
    "站点名称": (text, True),
    "发布单位": (text, True),
    "监督电话": (parse_public_phone, True),
    "网址": (text, True),
    "公开年限": (positive_int, False),
    "查询年限": (positive_int, False),
    "查询服务": (yes_no, False),
}

BATCH_FIELDS = {
    "项目编码": (programme_code, True),
    "期号": (period, True),
    "区划代码": (region_code, True),
    "发放单位": (text, True),
    "公示开始": (iso_date, True),
    "公示结束": (iso_date, True),
    "监督电话": (parse_public_phone, True),
}

DOCUMENT_FIELDS = {
    "标题": (text, True),
    "文号": (text, True),
    "发文机关": (text, True),
    "发布日期": (iso_date, True),
}

NOTICE_FIELDS = {
    "标题": (text, True),
    "级别": (one_of(NOTICE_LEVELS), False),
}

STEP_FIELDS = {
    "环节": (text, True),
    "责任单位": (text, True),
    "时限": (text, True),
    "说明": (long_text, False),
}


# ------------------------------------------------------------------ helpers


class Collector:
    """Accumulates problems for one load run; paths shown relative to data/'s parent."""

    def __init__(self, base: Path):
        self.base = base
        self.problems: list[Problem] = []
        #: 项目编码 of policy rows that exist but failed to parse: references to
        #: them are not reported again as "not in the list" (one error, not a cascade).
        self.invalid_policy_codes: set[str] = set()
        #: Batches whose records passed the check before, with the same files and context
        #: (generator/batch_cache.py): the rules skip their records.
        self.checked_before: set[str] = set()

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.base))
        except ValueError:
            return str(path)

    def add(self, path: Path | str, line: int, column: int, field: str, message: str, expected: str = "") -> None:
        shown = self.rel(path) if isinstance(path, Path) else path
        self.problems.append(Problem(shown, line, column, field, message, expected))


def parse_cells(cells: dict[str, Any], table: dict, src: Source, out: Collector) -> dict[str, Any] | None:
    """Apply a column table to one row; None if any cell failed."""
    values: dict[str, Any] = {}
    ok = True
    for name, (parser, required) in table.items():
        raw = cells.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                line, col = src.at(name)
                out.add(src.path, line, col, name, "必填项为空" if name in cells or src.header else "缺少必填项")
                ok = False
            values[name] = None
            continue
        try:
            values[name] = parser(raw)
        except ParseError as e:
            line, col = src.at(name)
            out.add(src.path, line, col, name, e.message, e.expected)
            ok = False
    return values if ok else None


def read_text(path: Path, out: Collector) -> str | None:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        out.add(path, line, 0, "编码", "不是UTF-8编码", "UTF-8（原始导出文件请用 ingest 导入）")
        return None


def read_csv(path: Path, table: dict, out: Collector, *, exact: bool = False, rejected: list | None = None):
    """Yield (Source, parsed values) for every good row of a CSV data file.

    Rows that fail are reported to ``out``; their raw cells go to ``rejected`` if given.
    """
    content = read_text(path, out)
    if content is None:
        return
    rel = out.rel(path)
    records = numbered(csv.reader(io.StringIO(content, newline="")))
    try:
        header = tuple(h.strip() for h in next(records)[1])
    except StopIteration:
        out.add(rel, 1, 0, "表头", "文件为空", "第一行为表头：" + "，".join(table))
        return
    missing = [c for c in table if c not in header]
    for c in missing:
        out.add(rel, 1, 0, c, "缺少此列", "表头包含：" + "，".join(table))
    for i, c in enumerate(header, 1):
        if c not in table:
            out.add(rel, 1, i, c or "表头", "未知的列", "表头只含：" + "，".join(table))
    if len(set(header)) != len(header):
        out.add(rel, 1, 0, "表头", "列名重复")
    if missing or (exact and any(c not in table for c in header)):
        return
    width = len(header)
    for start, cells in records:
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if len(cells) != width:
            out.add(rel, start, 0, "行", f"列数不对（{len(cells)}列）", f"{width}列，与表头一致")
            continue
        src = Source(rel, start, header)
        raw = dict(zip(header, cells))
        values = parse_cells(raw, table, src, out)
        if values is not None:
            yield src, values
        elif rejected is not None:
            rejected.append(raw)


def _positions(node, prefix: str, acc: dict[str, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{prefix}.{key.value}" if prefix else str(key.value)
            acc[name] = (value.start_mark.line + 1, value.start_mark.column + 1)
            _positions(value, name, acc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            name = f"{prefix}[{i}]"
            acc[name] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _positions(item, name, acc)


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates and times as text: our parsers check them and say where
    (PyYAML's own timestamp constructor raises a bare ValueError on 2024-13-01)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# The same with libyaml's parser, when PyYAML has it: a province's 1,300 batch.yaml are read on every
# build.  A file it does not take is read again by _Loader, whose messages staff see.
_FastLoader = (type("_FastLoader", (yaml.CSafeLoader,), {"yaml_implicit_resolvers": _Loader.yaml_implicit_resolvers})
               if getattr(yaml, "__with_libyaml__", False) else None)


def read_yaml(path: Path, out: Collector, text_override: str | None = None, line_offset: int = 0):
    """A YAML mapping and the (line, column) of every key's value."""
    content = text_override if text_override is not None else read_text(path, out)
    if content is None:
        return None, {}
    loader = None
    try:
        node = data = None
        if _FastLoader is not None:
            try:
                loader = _FastLoader(content)
                node = loader.get_single_node()
                data = loader.construct_document(node) if node is not None else None
            except yaml.YAMLError:
                node = data = None
            finally:
                loader.dispose()
                loader = None
        if node is None:
            loader = _Loader(content)  # the reader already rejects control characters here
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        if mark is None and isinstance(e, yaml.reader.ReaderError):
            before = content[:e.position]
            line, col = before.count("\n") + 1 + line_offset, len(before) - before.rfind("\n")
            message = f"含有不允许的控制字符（U+{e.character:04X}）"
        else:
            line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
            col = (mark.column + 1) if mark else 0
            message = f"格式错误：{getattr(e, 'problem', None) or e}"
        out.add(path, line, col, "YAML", message, "合法的YAML")
        return None, {}
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        out.add(path, 1 + line_offset, 0, "YAML", "内容不是“字段: 值”的映射", "每行一个“字段: 值”")
        return None, {}
    acc: dict[str, tuple[int, int]] = {}
    _positions(node, "", acc)
    if line_offset:
        acc = {k: (ln + line_offset, c) for k, (ln, c) in acc.items()}
    return data, acc


def _as_cells(data: dict, keys) -> dict[str, Any]:
    """YAML scalars as the parsers expect them (numbers to text, dates kept)."""
    cells = {}
    for k in keys:
        v = data.get(k)
        if v is None:
            continue
        cells[k] = v if isinstance(v, dt.date) else str(v)
    return cells


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unknown_keys(data: dict, allowed, path: Path, positions, out: Collector) -> None:
    for k in data:
        if k not in allowed:
            line, col = positions.get(str(k), (1, 0))
            out.add(path, line, col, str(k), "未知的字段", "只含：" + "，".join(allowed))


# --------------------------------------------------------------- each file


def load_site(path: Path, out: Collector) -> Site | None:
    if not path.exists():
        out.add(path, 0, 0, "文件", "缺少站点配置文件", "data/site.yaml")
        return None
    data, pos = read_yaml(path, out)
    if data is None:
        return None
    _unknown_keys(data, SITE_FIELDS, path, pos, out)
    src = Source(out.rel(path), 1, positions=pos)
    v = parse_cells(_as_cells(data, SITE_FIELDS), SITE_FIELDS, src, out)
    if v is None:
        return None
    return Site(v["站点名称"], v["发布单位"], v["监督电话"], v["网址"].rstrip("/"),
                v["公开年限"] or 3, v["查询年限"] or 5, src, api=v["查询服务"] is not False)


def load_regions(path: Path, out: Collector) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for src, v in read_csv(path, REGION_FIELDS, out):
        code = v["区划代码"]
        if code in regions:
            out.add(src.path, src.line, src.at("区划代码")[1], "区划代码", f"区划代码重复（首次见于第{regions[code].src.line}行）")
            continue
        regions[code] = Region(code, v["名称"], v["上级代码"], src)
    return regions


def load_policies(path: Path, out: Collector) -> list[Policy]:
    policies = []
    rejected: list[dict] = []
    for src, v in read_csv(path, POLICY_FIELDS, out, rejected=rejected):
        try:
            months = parse_months(v["发放时间"])
        except ParseError as e:
            out.add(src.path, src.line, src.at("发放时间")[1], "发放时间", e.message, e.expected)
            rejected.append({"项目编码": v["项目编码"]})
            continue
        policies.append(Policy(
            code=v["项目编码"], name=v["补贴政策名称"], card_name=v["一卡通发放项目名称"],
            short_name=v["四字简称"], level=v["政策级次"], department=v["主管部门"],
            target=v["补贴对象"], groups=v["对象类别"], standard=v["补贴标准"], quantity_unit=v["数量单位"] or "", use=v["资金用途"] or "",
            basis=v["政策依据"] or "", method=v["发放方式"], timing=v["发放时间"], months=months,
            funding=v["资金来源"], phone=v["政策解答电话"], protected=v["隐私保护"],
            regions=v["适用地区"] or (), start_year=v["起始年度"], end_year=v["终止年度"],
            note=v["备注"] or "", src=src,
        ))
    good = {p.code for p in policies}
    out.invalid_policy_codes = {code for row in rejected if (code := (row.get("项目编码") or "").strip()) not in good and code}
    return policies


def load_services(path: Path, out: Collector) -> list[Service]:
    return [
        Service(v["名称"], v["类型"], v["区划代码"], v["地址"] or "", v["电话"], v["办公时间"], src)
        for src, v in read_csv(path, SERVICE_FIELDS, out)
    ]


_FRONT_MATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n?(.*)\Z", re.S)


def read_front_matter(path: Path, out: Collector, fields: str):
    """A Markdown file with a YAML head: (head, positions, body), or None with the problem reported.
    ``fields`` names the head's fields for the message."""
    content = read_text(path, out)
    if content is None:
        return None
    m = _FRONT_MATTER.match(content)
    if not m:
        out.add(path, 1, 1, "文件头", "缺少YAML文件头", f"以 --- 开始、--- 结束的文件头（{fields}）")
        return None
    data, pos = read_yaml(path, out, text_override=m.group(1), line_offset=1)
    if data is None:
        return None
    return data, pos, m.group(2)


def load_document(path: Path, out: Collector) -> Document | None:
    head = read_front_matter(path, out, "标题、文号、发文机关、发布日期、项目编码、附件")
    if head is None:
        return None
    data, pos, body = head
    allowed = (*DOCUMENT_FIELDS, "项目编码", "附件")
    _unknown_keys(data, allowed, path, pos, out)
    src = Source(out.rel(path), 1, positions=pos)
    v = parse_cells(_as_cells(data, DOCUMENT_FIELDS), DOCUMENT_FIELDS, src, out)
    codes = []
    for i, c in enumerate(_as_list(data.get("项目编码"))):
        try:
            codes.append(programme_code(str(c)))
        except ParseError as e:
            line, col = pos.get(f"项目编码[{i}]", pos.get("项目编码", (1, 0)))
            out.add(path, line, col, "项目编码", e.message, e.expected)
            v = None
    attachments = []
    for i, a in enumerate(_as_list(data.get("附件"))):
        line, col = pos.get(f"附件[{i}]", (1, 0))
        if isinstance(a, dict) and a.get("文件"):
            attachments.append(Attachment(str(a["文件"]).strip(), str(a.get("名称") or a["文件"]).strip()))
        elif isinstance(a, str) and a.strip():
            attachments.append(Attachment(a.strip(), a.strip()))
        else:
            out.add(path, line, col, "附件", "附件格式不对", "文件名，或“文件: …, 名称: …”")
            v = None
    if v is None:
        return None
    return Document(path.stem, v["标题"], v["文号"], v["发文机关"], v["发布日期"], tuple(codes),
                    tuple(attachments), body, src)


def load_notice(path: Path, out: Collector) -> Notice | None:
    """data/notices/<slug>.md: YAML head (标题, 级别, 开始, 结束, 区划代码, 项目编码) and a Markdown body."""
    head = read_front_matter(path, out, "标题、开始、结束，可选 级别、区划代码、项目编码")
    if head is None:
        return None
    data, pos, body = head
    _unknown_keys(data, (*NOTICE_FIELDS, "开始", "结束", "区划代码", "项目编码"), path, pos, out)
    src = Source(out.rel(path), 1, positions=pos)
    v = parse_cells(_as_cells(data, NOTICE_FIELDS), NOTICE_FIELDS, src, out)
    ok = v is not None
    times = {}
    for name in ("开始", "结束"):
        line, col = pos.get(name, (1, 0))
        if data.get(name) is None:
            out.add(path, line, col, name, "缺少必填项", "YYYY-MM-DD 或 YYYY-MM-DD HH:MM（北京时间）")
            ok = False
            continue
        try:
            when, bare_date = notice_time(data[name])
        except ParseError as e:
            out.add(path, line, col, name, e.message, e.expected)
            ok = False
            continue
        # A bare end date means "until the end of that day".
        times[name] = when + dt.timedelta(days=1) if name == "结束" and bare_date else when
    if len(times) == 2 and times["结束"] <= times["开始"]:
        line, col = pos.get("结束", (1, 0))
        out.add(path, line, col, "结束", "结束时间不晚于开始时间", "晚于开始时间")
        ok = False
    lists = {}
    for name, parse in (("区划代码", region_code), ("项目编码", programme_code)):
        lists[name] = []
        for i, c in enumerate(_as_list(data.get(name))):
            try:
                lists[name].append(parse(str(c)))
            except ParseError as e:
                line, col = pos.get(f"{name}[{i}]", pos.get(name, (1, 0)))
                out.add(path, line, col, name, e.message, e.expected)
                ok = False
    if not ok:
        return None
    return Notice(path.stem, v["标题"], v["级别"] or "提示", times["开始"], times["结束"],
                  tuple(lists["区划代码"]), tuple(lists["项目编码"]), body.strip(), src)


def load_procedure(path: Path, out: Collector) -> Procedure | None:
    data, pos = read_yaml(path, out)
    if data is None:
        return None
    _unknown_keys(data, ("名称", "项目编码", "步骤"), path, pos, out)
    src = Source(out.rel(path), 1, positions=pos)
    ok = True
    name = str(data.get("名称") or "").strip()
    if not name:
        line, col = pos.get("名称", (1, 0))
        out.add(path, line, col, "名称", "必填项为空")
        ok = False
    codes = []
    for i, c in enumerate(_as_list(data.get("项目编码"))):
        try:
            codes.append(programme_code(str(c)))
        except ParseError as e:
            line, col = pos.get(f"项目编码[{i}]", pos.get("项目编码", (1, 0)))
            out.add(path, line, col, "项目编码", e.message, e.expected)
            ok = False
    if not codes and "项目编码" not in data:
        out.add(path, 1, 0, "项目编码", "缺少必填项", "适用的项目编码")
        ok = False
    raw_steps = data.get("步骤")
    if not isinstance(raw_steps, list) or len(raw_steps) < 2:
        line, col = pos.get("步骤", (1, 0))
        out.add(path, line, col, "步骤", "步骤至少要有两个环节", "列表，每项含 环节、责任单位、时限、说明")
        return None
    steps = []
    for i, raw in enumerate(raw_steps):
        prefix = f"步骤[{i}]"
        if not isinstance(raw, dict):
            line, col = pos.get(prefix, (1, 0))
            out.add(path, line, col, "步骤", "步骤格式不对", "含 环节、责任单位、时限、说明 的映射")
            ok = False
            continue
        step_pos = {k[len(prefix) + 1:]: p for k, p in pos.items() if k.startswith(prefix + ".")}
        step_src = Source(src.path, pos.get(prefix, (1, 0))[0], positions=step_pos)
        v = parse_cells(_as_cells(raw, STEP_FIELDS), STEP_FIELDS, step_src, out)
        if v is None:
            ok = False
            continue
        steps.append(Step(v["环节"], v["责任单位"], v["时限"], v["说明"] or ""))
    if not ok:
        return None
    return Procedure(path.stem, name, tuple(codes), tuple(steps), src)


def load_batch(batch_dir: Path, out: Collector, records: RecordStore | SpilledRecords) -> Batch | None:
    """One batch directory; `records`: the store to parse its records into, or its records as parsed
    by an earlier build (generator/batch_cache.py)."""
    meta_path = batch_dir / "batch.yaml"
    rec_path = batch_dir / "records.csv"
    if not meta_path.exists():
        out.add(meta_path, 0, 0, "文件", "缺少批次信息文件", "每个批次目录含 batch.yaml 和 records.csv")
        return None
    if not rec_path.exists():
        out.add(rec_path, 0, 0, "文件", "缺少发放明细文件", "每个批次目录含 batch.yaml 和 records.csv")
        return None
    data, pos = read_yaml(meta_path, out)
    if data is None:
        return None
    _unknown_keys(data, BATCH_FIELDS, meta_path, pos, out)
    src = Source(out.rel(meta_path), 1, positions=pos)
    v = parse_cells(_as_cells(data, BATCH_FIELDS), BATCH_FIELDS, src, out)
    # The rows go to the on-disk spill, not into memory (generator/spill.py): a province fits.
    if isinstance(records, RecordStore):
        records = spill(records, read_csv(rec_path, FIELD_PARSERS, out, exact=True), out.rel(rec_path))
    if v is None:
        return None
    try:
        dir_year = int(batch_dir.parent.name)
    except ValueError:
        dir_year = 0
    return Batch(batch_dir.name, dir_year, v["项目编码"], v["期号"], v["区划代码"], v["发放单位"],
                 v["公示开始"], v["公示结束"], v["监督电话"], records, src)


#: Parse batches in this many processes (0: one per CPU) when there are at least PARALLEL_MIN of them.
LOAD_WORKERS = int(os.environ.get("HUINONG_LOAD_WORKERS", "0") or 0)
PARALLEL_MIN = 16


def _parse_one(store: RecordStore, job) -> tuple[Batch | None, Where | None, list[Problem]]:
    """Parse one batch into `store` (maybe in a worker of fork_map): the batch comes back without its
    records' handle, with where they are; the parent, which made the store, hands it a new one."""
    batch_dir, base = job
    out = Collector(base)
    b = load_batch(batch_dir, out, store)
    if b is None:
        return None, None, out.problems
    return replace(b, records=()), b.records.where(), out.problems


def _load_batches(batch_dirs: list[Path], base: Path, cache: BatchCache | None = None):
    """(batch, its problems) for each directory, in order.

    With a cache (the build's, generator/batch_cache.py), a batch whose files are unchanged since
    the last published build takes its records from there instead of parsing them; the others
    are parsed into new spill files of the cache.  Without one, into temporary spill files."""
    taken: dict[str, SpilledRecords] = {}
    for d, e in (cache.usable(batch_dirs) if cache else {}).items():
        if e.path == Collector(base).rel(Path(d) / "records.csv"):
            taken[d] = cache.records(e)
    todo = [d for d in batch_dirs if str(d) not in taken]
    parsed = _parse_batches(todo, base, cache.new_store if cache else RecordStore) if todo else iter(())
    for d in batch_dirs:
        checked = False  # the check of its records can be skipped: passed under the same context
        if str(d) in taken:
            out = Collector(base)
            b = load_batch(d, out, taken[str(d)])
            problems = out.problems
            if b is not None:
                checked = cache.take(d)
        else:
            b, problems = next(parsed)
        if cache is not None and b is not None:
            cache.loaded(b.batch_id, d)
        yield b, problems, checked


def _parse_batches(batch_dirs: list[Path], base: Path, new_store: Callable[[], RecordStore]):
    """Parse batches.  Parsing every cell of a province's records is the biggest serial step of
    check and build: with many batches it runs in forked worker processes, each spilling into
    its own store (SQLite has one writer at a time) made here by `new_store`, this process reading."""
    stores: dict[str, RecordStore] = {}

    def store_of_worker(_i: int) -> RecordStore:
        s = new_store()
        stores[str(s.directory)] = s
        return s

    for b, where, problems in fork_map(_parse_one, ((d, base) for d in batch_dirs), None, LOAD_WORKERS or None,
                                       chunksize=1, each=store_of_worker, min_jobs=PARALLEL_MIN):
        yield (b if b is None else replace(b, records=records_at(stores[where.directory], where))), problems


@dataclass
class Loaded:
    dataset: Dataset
    collector: Collector

    @property
    def problems(self) -> list[Problem]:
        return self.collector.problems


def load(data_dir: Path | str, base: Path | str | None = None, *, payments: bool = True,
         only_batches: set[str] | None = None, cache: BatchCache | None = None) -> Loaded:
    """Load all of data/ (``payments=False``: all but the batches; ``only_batches``: only the batch
    directories named "<年度>/<批次号>"; ``cache``: the build's, batches parsed before are taken
    from it).  Problems are collected, never raised."""
    data_dir = Path(data_dir).resolve()
    base = Path(base).resolve() if base is not None else data_dir.parent
    out = Collector(base)

    def need(path: Path) -> bool:
        if path.exists():
            return True
        out.add(path, 0, 0, "文件", "缺少必需的数据文件", out.rel(path))
        return False

    site = load_site(data_dir / "site.yaml", out)
    regions = load_regions(data_dir / "regions.csv", out) if need(data_dir / "regions.csv") else {}
    policies = load_policies(data_dir / "policies.csv", out) if need(data_dir / "policies.csv") else []
    services = load_services(data_dir / "services.csv", out) if need(data_dir / "services.csv") else []
    documents = [d for p in sorted((data_dir / "documents").glob("*.md")) if (d := load_document(p, out))]
    procedures = [p for f in sorted((data_dir / "procedures").glob("*.yaml")) if (p := load_procedure(f, out))]
    notices = [n for p in sorted((data_dir / "notices").glob("*.md")) if (n := load_notice(p, out))]
    batches = []
    batch_dirs: list[Path] = []
    pay_dir = data_dir / "payments"
    if payments and pay_dir.exists():
        for year_dir in sorted(pay_dir.iterdir()):
            if not year_dir.is_dir():
                continue
            if not re.fullmatch(r"(19|20)\d{2}", year_dir.name):
                out.add(year_dir, 0, 0, "目录", "年度目录名不对", "data/payments/<四位年度>/<批次号>/")
                continue
            for batch_dir in sorted(year_dir.iterdir()):
                if only_batches is not None and f"{year_dir.name}/{batch_dir.name}" not in only_batches:
                    continue
                if batch_dir.is_dir():
                    batch_dirs.append(batch_dir)
    for b, problems, checked in _load_batches(batch_dirs, base, cache):
        out.problems.extend(problems)
        if b is not None:
            batches.append(b)
            if checked:
                out.checked_before.add(b.batch_id)
    dataset = Dataset(str(data_dir), site, regions, tuple(policies), tuple(documents),
                      tuple(procedures), tuple(services), tuple(batches), tuple(notices))
    return Loaded(dataset, out)
