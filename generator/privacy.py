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

from huinong_core.normalize import luhn_ok


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


# One pass finds every candidate: a run of 11-19 ASCII digits (an ID may end in X) not touching a
# letter or digit; the three rules above then sort it.  One pass instead of three matters: the
# build scans the whole site and lookup.sqlite (gigabytes at province scale).
RUN = re.compile(rb"(?<![0-9A-Za-z])([0-9]{11,19}[Xx]?)(?![0-9A-Za-z])")
# Files over this size are scanned a chunk at a time (bounded memory); a candidate or a name is
# shorter than OVERLAP bytes, so one that straddles two chunks is seen whole in the later one.
CHUNK = 16 << 20
OVERLAP = 256


def classify(v: str) -> str | None:
    """The kind of a RUN match (as ID18, PHONE and CARD would find it), or None."""
    if len(v) == 18 and v[0] != "0" and id18_valid(v):
        return "id18"
    if not v.isdigit():
        return None
    if len(v) == 11 and v[0] == "1" and v[1] in "3456789":
        return "phone"
    if 16 <= len(v) <= 19 and luhn_ok(v):
        return "card"
    return None


# What RUN matches, found ten times faster (the gate reads every new file of a build, 100 MB for
# one county's batch): digits are mapped to "1" and the rest to "0" by bytes.translate, and
# bytes.find looks for eleven "1"s; only the digit runs it finds are looked at (_runs).
_DIGITS = bytes(49 if 48 <= i <= 57 else 48 for i in range(256))
_ELEVEN = b"1" * 11
_WINDOW = 1 << 20
_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _runs(data: bytes, lo: int, hi: int) -> Iterator[tuple[int, bytes]]:
    """(start, value) of each match of RUN that starts in data[lo:hi] (a window of 1 MB masked at a time)."""
    end = len(data)
    for window in range(lo, hi, _WINDOW):
        stop_window = min(window + _WINDOW, hi)
        # 21 bytes more: a run that goes on past them is longer than 19 digits, no match anyway
        tail = min(stop_window + 21, end)
        mask = data[window:tail].translate(_DIGITS)
        at = mask.find(_ELEVEN)
        while 0 <= at < stop_window - window:
            stop = mask.find(b"0", at + 11)
            stop = (tail if stop < 0 else window + stop)
            start = window + at
            # a run that starts before `start` (in the last window, or before lo), after a letter, or
            # longer than 19 digits: no match
            if not (start > 0 and data[start - 1] in _ALNUM) and stop - start <= 19:
                if stop < end and data[stop] in b"Xx" and not (stop + 1 < end and data[stop + 1] in _ALNUM):
                    yield start, data[start:stop + 1]
                elif not (stop < end and data[stop] in _ALNUM):
                    yield start, data[start:stop]
            at = mask.find(_ELEVEN, stop - window)


def _found(data: bytes, allow: frozenset[str], names: Iterable[bytes], lo: int, hi: int) -> list[tuple[int, str, str]]:
    """(position, kind, value) of what starts in data[lo:hi], in order of position."""
    found: list[tuple[int, str, str]] = []
    for start, value in _runs(data, lo, hi):
        v = value.decode()
        kind = classify(v) if v not in allow else None
        if kind:
            found.append((start, kind, v))
    for n in names:
        start = data.find(n, lo)
        if 0 <= start < hi:
            found.append((start, "name", n.decode()))
    return sorted(found, key=lambda f: f[0])


def scan_bytes(data: bytes, path: str = "", allow: frozenset[str] = frozenset(),
               names: Iterable[bytes] = ()) -> Iterator[Finding]:
    """Findings in `data`, in order of position (a name once, where it first is)."""
    for pos, kind, v in _found(data, allow, names, 0, len(data)):
        yield Finding(path, data.count(b"\n", 0, pos) + 1, kind, preview(v))


def scan_file(file: Path, shown: str, allow: frozenset[str] = frozenset(),
              names: Iterable[bytes] = ()) -> Iterator[Finding]:
    """scan_bytes over a file of any size, CHUNK bytes at a time."""
    names = list(names)
    with open(file, "rb") as f:
        buf, lo, line = b"", 0, 1  # buf[lo:] not yet scanned; `line` is the line of buf[0]
        while True:
            data = f.read(CHUNK)
            buf += data
            hi = len(buf) if not data else max(lo, len(buf) - OVERLAP)
            for pos, kind, v in _found(buf, allow, names, lo, hi):
                if kind == "name":  # reported once per file, where it first is
                    names.remove(v.encode())
                yield Finding(shown, line + buf.count(b"\n", 0, pos), kind, preview(v))
            if not data:
                return
            # keep one byte before the next start: the look-behind of a candidate starting there
            keep = max(hi - 1, 0)
            line += buf.count(b"\n", 0, keep)
            buf, lo = buf[keep:], hi - keep


def scan_range(file: Path | str, shown: str, lo: int, hi: int) -> list[Finding]:
    """What scan_file finds that starts in bytes [lo, hi) of the file, with the same lines: a big
    file (the lookup database) is scanned in parts, by several processes.  Lines are counted only
    when something is found: counting them up to each part of a 2 GB file took 25 times as long
    as scanning it."""
    start = max(lo - 1, 0)  # one byte before: the look-behind of a candidate starting at lo
    with open(file, "rb") as f:
        f.seek(start)
        buf = f.read(hi - start + OVERLAP)
    found = _found(buf, frozenset(), (), lo - start, hi - start)
    if not found:
        return []
    line = 1 + _newlines_before(file, start)  # the line of buf[0]
    return [Finding(shown, line + buf.count(b"\n", 0, at), kind, preview(v)) for at, kind, v in found]


def _newlines_before(file: Path | str, end: int) -> int:
    n = 0
    with open(file, "rb") as f:
        while end > 0:
            data = f.read(min(CHUNK, end))
            if not data:
                break
            n += data.count(b"\n")
            end -= len(data)
    return n


def scan_paths(paths: Iterable[Path | str], allow: frozenset[str] = frozenset(),
               names: Iterable[str] = (), relative_to: Path | None = None,
               exclude: Iterable[Path | str] = ()) -> list[Finding]:
    """Scan every file under ``paths`` (binary files byte for byte), except under ``exclude``
    (directories, or single files)."""
    skip = tuple(os.path.abspath(e) for e in exclude)
    skip_files = set(skip)
    skip_dirs = tuple(e for e in skip if os.path.isdir(e))
    encoded = [n.encode("utf-8") for n in names if len(n) >= 2]
    findings: list[Finding] = []
    for root in paths:
        root = Path(root)
        files = [root] if root.is_file() else sorted(files_under(root, skip_dirs))
        for file in files:
            if skip_files and os.path.abspath(file) in skip_files:
                continue
            shown = os.path.relpath(file, relative_to) if relative_to else str(file)
            findings.extend(scan_file(file, shown, allow, encoded))
    return findings


def files_under(root: Path, skip_dirs: tuple[str, ...] = ()) -> Iterator[Path]:
    """Files under root, but not under .git or a directory of skip_dirs."""
    for d, dirs, fs in os.walk(root):
        here = os.path.abspath(d)
        if ".git" in Path(d).parts or any(here == e or here.startswith(e + os.sep) for e in skip_dirs):
            dirs[:] = []
            continue
        yield from (Path(d) / f for f in fs)
