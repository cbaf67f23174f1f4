"""The privacy detector: plaintext ID, card and mobile numbers in files.

One detector for `check` (nothing personal in data/) and for the build's
privacy gate (nothing personal in public output).  It follows the same
rules as the independent scanner in shared/tools/pii_scan.py:

  id18   18 characters with a valid GB 11643 check digit and birth date
  phone  an 11-digit mainland mobile number
  card   16-19 digits passing the Luhn check (not also a valid ID)
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from stdnum.cn import ric

from generator.normalize import luhn_ok

ID18 = re.compile(rb"(?<![0-9A-Za-z])([1-9][0-9]{16}[0-9Xx])(?![0-9A-Za-z])")
PHONE = re.compile(rb"(?<![0-9A-Za-z])(1[3-9][0-9]{9})(?![0-9A-Za-z])")
CARD = re.compile(rb"(?<![0-9A-Za-z])([0-9]{16,19})(?![0-9A-Za-z])")

KIND_LABELS = {"id18": "身份证号", "phone": "手机号码", "card": "银行卡号", "name": "完整姓名"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str
    preview: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {KIND_LABELS.get(self.kind, self.kind)}: 疑似明文（{self.preview}）"


def id18_valid(s: str) -> bool:
    s = s.upper()
    if len(s) != 18 or not (s[:17].isascii() and s[:17].isdigit()):
        return False
    if ric.calc_check_digit(s) != s[17]:
        return False
    try:
        born = dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return dt.date(1890, 1, 1) <= born <= dt.date.today()


def preview(value: str) -> str:
    """Enough to find the value in the file, never the whole of it."""
    if len(value) <= 8:  # names: the first character only
        return value[0] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 6) + value[-3:]


def scan_bytes(data: bytes, path: str = "", allow: frozenset[str] = frozenset(),
               names: Iterable[bytes] = ()) -> Iterator[Finding]:
    def line_of(pos: int) -> int:
        return data.count(b"\n", 0, pos) + 1

    for m in ID18.finditer(data):
        v = m.group(1).decode()
        if v not in allow and id18_valid(v):
            yield Finding(path, line_of(m.start()), "id18", preview(v))
    for m in PHONE.finditer(data):
        v = m.group(1).decode()
        if v not in allow:
            yield Finding(path, line_of(m.start()), "phone", preview(v))
    for m in CARD.finditer(data):
        v = m.group(1).decode()
        # An 18-digit valid ID is reported as an ID above, not again as a card.
        if v not in allow and luhn_ok(v) and not (len(v) == 18 and id18_valid(v)):
            yield Finding(path, line_of(m.start()), "card", preview(v))
    for n in names:
        start = data.find(n)
        if start >= 0:
            yield Finding(path, line_of(start), "name", preview(n.decode()))


def scan_paths(paths: Iterable[Path | str], allow: frozenset[str] = frozenset(),
               names: Iterable[str] = (), relative_to: Path | None = None,
               exclude: Iterable[Path | str] = ()) -> list[Finding]:
    """Scan every file under ``paths`` (binary files byte for byte), except under ``exclude``."""
    skip = tuple(os.path.abspath(e) for e in exclude)
    encoded = [n.encode("utf-8") for n in names if len(n) >= 2]
    findings: list[Finding] = []
    for root in paths:
        root = Path(root)
        files = [root] if root.is_file() else sorted(
            Path(d) / f for d, dirs, fs in os.walk(root) for f in fs if ".git" not in Path(d).parts
            and not (skip and any(os.path.abspath(d) == e or os.path.abspath(d).startswith(e + os.sep) for e in skip))
        )
        for file in files:
            shown = os.path.relpath(file, relative_to) if relative_to else str(file)
            findings.extend(scan_bytes(file.read_bytes(), shown, allow, encoded))
    return findings
