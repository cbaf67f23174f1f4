"""The notice form of step 发布通知: what the clerk typed, the data/notices/<slug>.md file it makes,
and that file's problems by the checks of `python -m generator check` (load_notice, the notice
rules, the plaintext scan), found before the file is written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.load import Collector, load, load_notice
from generator.privacy import KIND_LABELS, scan_bytes
from generator.rules import apply_rules
from huinong_core.errors import ParseError, Problem
from huinong_core.models import NOTICE_LEVELS, Notice
from huinong_core.normalize import halfwidth, parse_date

#: A notice's file name (without .md): the anchor of its place on the pages (data/README.md).
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_EXPECTED = "小写字母、数字和连字符，如 2026-12-baofeng-ny001"
#: What the clerk may type into a date field where the browser shows plain text (no date picker).
DATE_HINT = "格式：2026-12-06（也可以写 2026/12/6 或 2026年12月6日）"
TIME_HINT = "可不填；格式：08:00（北京时间）"
_PLAIN = re.compile(r"^((?:开始|结束|区划代码): |- )'(\d{4}-\d{2}-\d{2}|\d{12})'$", re.M)
_TIME = re.compile(r"(\d{1,2})\s*[:：.点时]\s*(\d{2})?\s*分?")


def notice_path(data_dir: Path, slug: str) -> Path:
    return data_dir / "notices" / f"{slug}.md"


def _when(day: str, time: str) -> str:
    """The date (and time) as the file keeps it.  A date typed in another common form is put in
    ISO form; what cannot be read is kept as typed, for the check to say what is wrong with it."""
    day, time = halfwidth(day).strip(), halfwidth(time).strip()
    if not day:
        return ""
    try:
        day = parse_date(day).isoformat()
    except ParseError:
        pass
    m = _TIME.fullmatch(time)
    if m:
        time = f"{int(m.group(1)):02d}:{m.group(2) or '00'}"
    return f"{day} {time}" if time else day


@dataclass(frozen=True)
class NoticeForm:
    """The form's fields, as typed (the dates may be typed text where the browser has no picker)."""

    slug: str = ""
    title: str = ""
    level: str = "提示"
    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    regions: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    body: str = ""

    @classmethod
    def of(cls, form) -> "NoticeForm":
        def text(key: str) -> str:
            v = form.get(key, "")
            return v.strip() if isinstance(v, str) else ""

        def listed(key: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v.strip() for v in form.getlist(key) if isinstance(v, str) and v.strip()))

        body = form.get("body", "")
        return cls(text("slug").lower(), text("title"), text("level") or "提示", text("start_date"), text("start_time"),
                   text("end_date"), text("end_time"), listed("region"), tuple(p.upper() for p in listed("programme")),
                   body.replace("\r\n", "\n").strip() if isinstance(body, str) else "")

    @classmethod
    def of_notice(cls, n: Notice) -> "NoticeForm":
        """An existing notice, to edit.  A bare end date means "to the end of that day" (load adds the
        day), so an end at midnight is shown as the day before, without a time."""
        end = n.end - dt.timedelta(days=1) if n.end.time() == dt.time() else n.end
        return cls(n.slug, n.title, n.level, n.start.date().isoformat(),
                   "" if n.start.time() == dt.time() else n.start.strftime("%H:%M"), end.date().isoformat(),
                   "" if n.end.time() == dt.time() else n.end.strftime("%H:%M"), n.regions, n.programmes, n.body)

    def with_slug(self, slug: str) -> "NoticeForm":
        return dataclasses.replace(self, slug=slug)

    def proposed_slug(self, data_dir: Path) -> str:
        """When the clerk leaves the file name empty: start date, region, programme (and a number when taken)."""
        start = _when(self.start_date, "")[:10]
        parts = [start if re.fullmatch(r"\d{4}-\d{2}-\d{2}", start) else dt.date.today().isoformat(),
                 self.regions[0] if len(self.regions) == 1 else ("quanbu" if not self.regions else "duodi"),
                 *(p.lower() for p in self.programmes[:2])]
        stem = "-".join(p for p in parts if SLUG.fullmatch(p)) or "tongzhi"
        slug, n = stem, 2
        while notice_path(data_dir, slug).exists():
            slug, n = f"{stem}-{n}", n + 1
        return slug

    def text(self) -> str:
        """The file: a YAML head (as data/README.md describes it) and the Markdown body."""
        head: dict = {"标题": self.title, "级别": self.level}
        for name, day, time in (("开始", self.start_date, self.start_time), ("结束", self.end_date, self.end_time)):
            when = _when(day, time)
            if when:
                head[name] = when
        for name, values in (("区划代码", self.regions), ("项目编码", self.programmes)):
            if values:
                head[name] = values[0] if len(values) == 1 else list(values)
        dumped = yaml.safe_dump(head, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
        # Dates and codes unquoted, as data/README.md writes them (YAML reads them back as a date and a
        # number, which load takes too); anything else stays as safe_dump quoted it.
        dumped = _PLAIN.sub(r"\1\2", dumped)
        return f"---\n{dumped}---\n{self.body}\n"


def problems(form: NoticeForm, data_dir: Path, *, new: bool) -> list[Problem]:
    """Every problem of the file the form makes, as `check` reports it (paths as data/notices/<slug>.md);
    [] when it may be written.  ``new``: the file must not exist yet."""
    shown = f"data/notices/{form.slug}.md"
    found: list[Problem] = []
    if not SLUG.fullmatch(form.slug):
        return [Problem(shown, 0, 0, "文件名", f"文件名不对（{form.slug}）", SLUG_EXPECTED)]
    if new and notice_path(data_dir, form.slug).exists():
        found.append(Problem(shown, 0, 0, "文件名", f"已有同名的通知 {form.slug}", "另一个文件名，或在通知列表中修改原通知"))
    if form.level not in NOTICE_LEVELS:
        found.append(Problem(shown, 0, 0, "级别", f"级别不对（{form.level}）", "、".join(NOTICE_LEVELS)))
        return found
    text = form.text()
    base = load(data_dir, payments=False)  # regions and policies, as check knows them
    with tempfile.TemporaryDirectory(prefix="huinong-notice-") as tmp:
        path = Path(tmp) / "data" / "notices" / f"{form.slug}.md"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        out = Collector(Path(tmp))
        out.invalid_policy_codes = base.collector.invalid_policy_codes
        notice = load_notice(path, out)
        found += out.problems
        if notice is not None:
            out.problems = []
            apply_rules(dataclasses.replace(base.dataset, notices=(notice,), batches=()), out)
            found += [p for p in out.problems if p.path == shown]
    for f in scan_bytes(text.encode("utf-8"), shown):
        found.append(Problem(shown, f.line, 0, KIND_LABELS[f.kind], f"疑似明文个人信息（{f.preview}）",
                             "通知是公开的：不写任何人的姓名、身份证号、卡号和手机号"))
    return sorted(set(found), key=lambda p: (p.line, p.column, p.field, p.message))


def write(form: NoticeForm, data_dir: Path) -> Path:
    """The file, once ``problems`` found none (written whole: a new name, then a rename)."""
    path = notice_path(data_dir, form.slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(form.text(), encoding="utf-8", newline="\n")
    tmp.replace(path)
    return path
