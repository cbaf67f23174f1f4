"""Reference lists from other departments (大数据比对筛查), keyed like the payments.

    python -m generator ingest-reference FILE --kind 死亡人员|财政供养人员|残疾人证|在校学生 [--keyed]

A department's export (公安/卫健: deaths, 人社/财政: the public payroll, 残联:
disability certificates, 教育: enrolment) is read with the same messy-file
handling as payment ingest (generator.table.open_table: encodings, renamed
columns, full-width digits, 15-digit IDs).  Only the 人员键 (HMAC of the ID
number with the same key, so lists match payments without any plaintext) and
the few dates and attributes a rule needs are kept; names, addresses, units
and the rest are dropped.  A department that holds the key can hand over an
already keyed list (a 人员键 column instead of 身份证号): no ID number leaves
its owner.

Lists are stored outside the public data, under the private directory
(``data/private/`` by default, git-ignored, or ``HUINONG_PRIVATE_DIR``), which
no build stage reads::

    <private>/名单/<类型>/<名称>.csv    人员键, the kind's columns, 行号 (line in the department's file)
    <private>/名单/<类型>/<名称>.yaml   类型, 名称, 来源文件, 导入日期, 记录数, 密钥指纹, 原始格式

``密钥指纹`` (huinong_core.keys.Keyer.fingerprint) lets ``screen`` refuse a list
keyed with another key instead of silently matching nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.table import Row, open_table
from huinong_core.errors import DataError, ParseError, Problem
from huinong_core.keys import FINGERPRINT_HEX_CHARS, Keyer
from huinong_core.normalize import compact, parse_date, parse_id

LISTS_DIR = "名单"
PERSON_KEY = "人员键"
LINE = "行号"
OPEN_ENDED = ("", "长期", "永久", "至今", "在职", "在读", "无", "-", "—", "/")


def private_dir(data_dir: Path | str, env: Mapping[str, str] = os.environ) -> Path:
    """Where reference lists and screening work files live: never published, never committed."""
    if env.get("HUINONG_PRIVATE_DIR"):
        return Path(env["HUINONG_PRIVATE_DIR"])
    return Path(data_dir) / "private"


# ------------------------------------------------------------------ kinds


def _date(raw: str) -> str:
    return parse_date(raw).isoformat()


def _open_date(raw: str) -> str:
    """An end date that may be open (长期, 至今): '' when open."""
    if compact(raw) in OPEN_ENDED:
        return ""
    return _date(raw)


_LEVELS = {"一": "1", "二": "2", "三": "3", "四": "4", "壹": "1", "贰": "2", "叁": "3", "肆": "4",
           "1": "1", "2": "2", "3": "3", "4": "4", "I": "1", "II": "2", "III": "3", "IV": "4"}


def parse_level(raw: str) -> str:
    """残疾等级: 一级 / 1级 / 1 / 壹级 / IV级 → '1'..'4' (一级 is the most severe)."""
    text = compact(raw).upper().removeprefix("残疾").removesuffix("级")
    if text not in _LEVELS:
        raise ParseError(f"不能识别的残疾等级（{raw.strip()}）", "一级至四级，如 二级、2级、2")
    return _LEVELS[text]


LEVEL_NAMES = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}


@dataclass(frozen=True)
class Attr:
    """One kept column of a list kind: stored name, header aliases, parser, required?"""

    name: str
    aliases: tuple[str, ...]
    parse: Callable[[str], str]
    required: bool = True


@dataclass(frozen=True)
class ListKind:
    name: str
    department: str
    attrs: tuple[Attr, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (PERSON_KEY, *(a.name for a in self.attrs), LINE)


KINDS: dict[str, ListKind] = {k.name: k for k in (
    ListKind("死亡人员", "公安/卫生健康/民政", (
        Attr("死亡日期", ("死亡日期", "死亡时间", "死亡(注销)日期", "注销日期", "户籍注销日期", "火化日期"), _date),
    )),
    ListKind("财政供养人员", "人力资源和社会保障/财政", (
        Attr("起始日期", ("起始日期", "供养起始日期", "入职日期", "参加工作时间", "参加工作日期", "起薪日期", "进入日期"), _open_date, False),
        Attr("终止日期", ("终止日期", "供养终止日期", "离职日期", "停发日期", "减员日期", "调出日期"), _open_date, False),
    )),
    ListKind("残疾人证", "残联", (
        Attr("残疾等级", ("残疾等级", "等级", "残疾级别"), parse_level),
        Attr("发证日期", ("发证日期", "发证时间", "办证日期"), _open_date, False),
        Attr("有效期至", ("有效期至", "有效期", "有效期限", "证件有效期", "有效截止日期", "到期日期"), _open_date, False),
    )),
    ListKind("在校学生", "教育", (
        Attr("入学日期", ("入学日期", "入学时间", "注册日期"), _date),
        Attr("离校日期", ("离校日期", "离校时间", "毕业日期", "预计毕业日期", "转出日期", "休学日期"), _open_date, False),
    )),
)}
KINDS_ORDER = tuple(KINDS)

ID_ALIASES = ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "证件号", "居民身份证号码")
KEY_ALIASES = (PERSON_KEY, "人员键值", "person_key")
FINGERPRINT_ALIASES = ("密钥指纹",)
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_FINGERPRINT = re.compile(rf"^[0-9a-f]{{{FINGERPRINT_HEX_CHARS}}}$")


def kind_of(name: str) -> ListKind:
    if name not in KINDS:
        raise DataError([Problem("命令行", 0, 0, "名单类型", f"不认识的名单类型（{name}）", "/".join(KINDS))])
    return KINDS[name]


# ----------------------------------------------------------------- ingest


@dataclass
class ReferenceIngest:
    path: Path
    kind: str
    name: str
    rows: int
    keyed_input: bool
    encoding: str
    dropped_columns: list[str]
    skipped: list[Problem] = field(default_factory=list)


def list_path(private: Path, kind: str, name: str) -> Path:
    return Path(private) / LISTS_DIR / kind / f"{name}.csv"


_BAD_NAME = re.compile(r"[\\/:*?\"<>|\s]")


def ingest_reference(raw_path: Path, kind_name: str, keyer: Keyer, private: Path, *, name: str | None = None,
                     keyed: bool | None = None, fingerprint: str | None = None, skip_bad: bool = False,
                     replace: bool = False, shown_path: str | None = None,
                     today: dt.date | None = None) -> ReferenceIngest:
    """Read one department's export, key it, keep only what rules need, store it privately.

    ``keyed``: True = the file has 人员键 instead of ID numbers; None = detect from the header.
    Raises DataError (nothing written) on bad input unless ``skip_bad``.
    """
    kind = kind_of(kind_name)
    shown = shown_path or str(raw_path)
    name = name or Path(raw_path).stem
    if not name or _BAD_NAME.search(name) or name.startswith("."):
        raise DataError([Problem("命令行", 0, 0, "名称", f"名单名称不能用作文件名（{name}）", "不含空格和 / \\ : * ? \" < > | 的名称")])
    target = list_path(private, kind.name, name)
    if target.exists() and not replace:
        raise DataError([Problem(str(target), 0, 0, "名单", f"名单“{kind.name}/{name}”已存在", "更新名单请加 --replace，或用 --name 另起名称")])
    aliases = {a.name: a.aliases for a in kind.attrs}
    aliases["身份证号"] = ID_ALIASES
    aliases[PERSON_KEY] = KEY_ALIASES
    aliases["密钥指纹"] = FINGERPRINT_ALIASES
    required = [a.name for a in kind.attrs if a.required]
    table, problems = open_table(Path(raw_path), aliases, required, shown)
    if table.has_header and keyed is None:
        keyed = PERSON_KEY in table.columns and "身份证号" not in table.columns
    if table.has_header:
        id_col = PERSON_KEY if keyed else "身份证号"
        if id_col not in table.columns:
            expected = "“人员键”列（32位十六进制键值）" if keyed else "、".join(ID_ALIASES[:4]) + "等列名之一"
            problems.append(Problem(shown, 1, 0, id_col, "缺少此列", expected))
        if keyed and "密钥指纹" not in table.columns and not fingerprint:
            problems.append(Problem(shown, 1, 0, "密钥指纹", "已加密名单缺少密钥指纹，无法确认与本系统使用同一密钥",
                                    "“密钥指纹”列，或命令行 --fingerprint（提供方用同一密钥运行 ingest-reference 时显示）"))
        if not keyed and "身份证号" in table.columns and PERSON_KEY in table.columns:
            table.columns.pop(PERSON_KEY)  # plaintext wins: we key it ourselves
    if problems:
        raise DataError(problems)
    mine = keyer.fingerprint()
    if fingerprint is not None:
        fingerprint = compact(fingerprint).lower()
        if not _FINGERPRINT.match(fingerprint):
            raise DataError([Problem("命令行", 0, 0, "密钥指纹", f"不是密钥指纹（{fingerprint}）", f"{FINGERPRINT_HEX_CHARS}位十六进制")])
    theirs = fingerprint
    cols = table.columns
    today = today or dt.date.today()
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    bad: list[Problem] = []
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(kind.columns)
        for line, cells in table.rows:
            row = Row(shown, line, cells, cols)
            out = []
            if keyed:
                value = compact(cells.get(PERSON_KEY, "")).lower()
                if not _HEX32.match(value):
                    row.add(PERSON_KEY, "不是有效的人员键" if value else "必填项为空", "32位十六进制键值")
                out.append(value)
                fp = compact(cells.get("密钥指纹", "")).lower()
                if fp:
                    if theirs is None:
                        theirs = fp
                    elif fp != theirs:
                        row.add("密钥指纹", f"与前面各行的密钥指纹不一致（{fp}）", theirs)
            else:
                out.append(row.parse("身份证号", lambda v: keyer.person_key(parse_id(v, today=today))))
            for a in kind.attrs:
                out.append(row.parse(a.name, a.parse, default=None if a.required else ""))
            if row.problems:
                bad.extend(row.problems)
                continue
            out.append(str(line))
            w.writerow(out)
            count += 1
    try:
        if bad and not skip_bad:
            raise DataError(bad)
        if keyed and theirs is not None and theirs != mine:
            raise DataError([Problem(shown, 0, 0, "密钥指纹",
                                     f"该名单用另一把密钥加密（密钥指纹 {theirs}），与本系统当前密钥（{mine}）不一致，比对将一条也对不上",
                                     "提供方用本系统的密钥重新生成人员键")])
        if count == 0:
            raise DataError(bad + [Problem(shown, 0, 0, "记录", "没有可导入的记录", "至少一条有效记录")])
        meta = {
            "类型": kind.name, "名称": name, "来源文件": Path(shown).name, "导入日期": today.isoformat(),
            "记录数": count, "密钥指纹": mine, "原始格式": "人员键" if keyed else "身份证号",
        }
        meta_tmp = tmp.with_suffix(".yaml.tmp")
        meta_tmp.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
        os.replace(tmp, target)
        os.replace(meta_tmp, target.with_suffix(".yaml"))
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_suffix(".yaml.tmp").unlink(missing_ok=True)
    return ReferenceIngest(target, kind.name, name, count, bool(keyed), table.encoding, table.dropped, bad)


# ------------------------------------------------------------------ loading


@dataclass(frozen=True)
class RefList:
    kind: str
    name: str
    path: str
    rows: int
    fingerprint: str


@dataclass
class ReferenceLists:
    """All usable lists, merged per kind: 人员键 → the rest of each stored row.

    Values stay as the stored text (``attrs…,行号,list index``; several rows of one
    person joined by newlines) and are split only on a hit: a million-row list
    costs one short string per person, not a tuple of objects.
    """

    lists: list[RefList] = field(default_factory=list)
    by_kind: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def kinds(self) -> set[str]:
        return {lst.kind for lst in self.lists}

    def entries(self, kind: str, person_key: str) -> list[tuple[list[str], RefList, int]]:
        """Every row of ``kind`` for one person: (attribute values, list, line in the department's file)."""
        raw = self.by_kind.get(kind, {}).get(person_key)
        if raw is None:
            return []
        out = []
        for row in raw.split("\n"):
            *attrs, line, idx = row.split(",")
            out.append((attrs, self.lists[int(idx)], int(line)))
        return out

    def __repr__(self) -> str:
        return f"<ReferenceLists {[(lst.kind, lst.name, lst.rows) for lst in self.lists]}>"


def list_files(private: Path) -> list[Path]:
    root = Path(private) / LISTS_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*/*.csv") if not p.name.startswith("."))


def has_lists(private: Path) -> bool:
    return bool(list_files(private))


def load_lists(private: Path, keyer: Keyer | None, *, base: Path | None = None) -> ReferenceLists:
    """Load every stored list.  With ``keyer``, a list keyed with another key is left out
    and reported (``problems``); without, it is loaded as is (and matches nothing)."""
    result = ReferenceLists()
    mine = keyer.fingerprint() if keyer else None

    def shown(p: Path) -> str:
        if base is not None:
            try:
                return os.path.relpath(p, base)
            except ValueError:
                pass
        return str(p)

    for csv_path in list_files(private):
        meta_path = csv_path.with_suffix(".yaml")
        kind = csv_path.parent.name
        if kind not in KINDS:
            result.problems.append(Problem(shown(csv_path.parent), 0, 0, "名单类型", f"不认识的名单目录“{kind}”", "/".join(KINDS)))
            continue
        try:
            text = meta_path.read_text(encoding="utf-8")
            meta = yaml.safe_load(text) or {}
            if not isinstance(meta, dict):
                raise ValueError
        except (OSError, ValueError, yaml.YAMLError):
            result.problems.append(Problem(shown(meta_path), 0, 0, "名单信息", "缺少或无法读取名单信息文件",
                                           "ingest-reference 生成的 .yaml 文件"))
            continue
        theirs = str(meta.get("密钥指纹", ""))
        if mine is not None and theirs != mine:
            line = next((i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("密钥指纹")), 0)
            result.problems.append(Problem(
                shown(meta_path), line, 0, "密钥指纹",
                f"名单“{kind}/{csv_path.stem}”是用另一把密钥生成的（指纹 {theirs or '无'}，当前密钥指纹 {mine}），"
                "其中的人员键与发放记录一条也对不上，本次未使用该名单",
                "用当前密钥重新导入该名单（ingest-reference --replace）"))
            continue
        k = KINDS[kind]
        idx = len(result.lists)
        table = result.by_kind.setdefault(kind, {})
        n = 0
        with open(csv_path, encoding="utf-8", newline="") as f:
            header = f.readline().rstrip("\n").split(",")
            if tuple(header) != k.columns:
                result.problems.append(Problem(shown(csv_path), 1, 0, "表头", "名单文件表头不对", "，".join(k.columns)))
                continue
            suffix = f",{idx}"
            for row in f:
                pk, _, rest = row.rstrip("\n").partition(",")
                if not rest:
                    continue
                value = rest + suffix
                old = table.get(pk)
                table[pk] = value if old is None else old + "\n" + value
                n += 1
        result.lists.append(RefList(kind, csv_path.stem, shown(csv_path), n, theirs))
    return result
