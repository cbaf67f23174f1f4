"""Guard for staff commits: nothing personal and no key file goes into git.

    python -m generator guard FILE_OR_DIR...

run by the pre-commit hook on every staged file (and by the pipeline on the
build output).  A file is refused when

- it holds a plaintext ID, card or mobile number (the detector of
  privacy.py), whatever its name: a raw export renamed to notes.txt is still
  a raw export.  Zipped office files (xlsx, docx, ods) are scanned member by
  member, UTF-16 text (some exports, old .xls) decoded first;
- it is a key: named *.key/*.pem/.env (the public demo key excepted), or
  holding the key that HUINONG_KEY / HUINONG_KEY_FILE point at;
- it lies under data/raw/ or data/private/, which only ever hold raw material.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.privacy import KIND_LABELS, scan_bytes
from huinong_core.keys import DEMO_MARK

KEY_SUFFIXES = (".key", ".pem", ".p12", ".pfx")
KEY_NAMES = (".env",)
RAW_DIRS = (("data", "raw"), ("data", "private"))
MAX_ZIP_MEMBER = 200 * 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"


def _texts(data: bytes, name: str) -> Iterable[tuple[str, bytes]]:
    """The byte strings to scan in one file: itself, its zip members, its UTF-16 decoding."""
    yield "", data
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    if not info.is_dir() and info.file_size <= MAX_ZIP_MEMBER:
                        yield f"[{info.filename}]", z.read(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError):
            pass
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or name.lower().endswith((".xls", ".et")) or _looks_utf16(data[:4096]):
        for enc in ("utf-16-le", "utf-16-be"):
            yield f"[{enc}]", data.decode(enc, errors="ignore").encode("utf-8")


def _looks_utf16(sample: bytes) -> bool:
    """UTF-16 text without a BOM: digits and punctuation leave a zero byte in every other place.
    (Other binaries, a SQLite database, a PDF, have zeros too, but not in that pattern.)"""
    half = len(sample) // 2
    return half >= 8 and max(sample[0::2].count(0), sample[1::2].count(0)) > 0.3 * half > 0 and \
        min(sample[0::2].count(0), sample[1::2].count(0)) < 0.05 * half


def _key_material(env: Mapping[str, str]) -> list[bytes]:
    keys = []
    if env.get("HUINONG_KEY", "").strip():
        keys.append(env["HUINONG_KEY"].strip().encode("utf-8"))
    if env.get("HUINONG_KEY_FILE"):
        try:
            raw = Path(env["HUINONG_KEY_FILE"]).read_bytes().strip()
        except OSError:
            raw = b""
        if raw:
            keys.append(raw)
    return [k for k in keys if len(k) >= 16 and DEMO_MARK not in k]


def check_file(path: Path, shown: str, keys: list[bytes]) -> list[Refusal]:
    out: list[Refusal] = []
    parts = PurePosixPath(shown).parts
    if any(parts[i:i + 2] == d for d in RAW_DIRS for i in range(len(parts) - 1)):
        out.append(Refusal(shown, 0, "原始数据目录中的文件不能提交（data/raw/、data/private/ 只放在本机）"))
    data = path.read_bytes()
    name = path.name.lower()
    if (name.endswith(KEY_SUFFIXES) or name in KEY_NAMES) and DEMO_MARK not in data:
        out.append(Refusal(shown, 0, "密钥文件不能提交（密钥只保存在本机安全位置，见 HUINONG_KEY_FILE）"))
    elif any(k in data for k in keys):
        out.append(Refusal(shown, 0, "文件中含有当前使用的密钥，不能提交"))
    seen: set[tuple[int, str, str]] = set()
    for where, text in _texts(data, name):
        for f in scan_bytes(text, shown + where):
            if (f.line, f.kind, f.preview) in seen and where:
                continue
            seen.add((f.line, f.kind, f.preview))
            out.append(Refusal(shown + where, f.line, f"{KIND_LABELS[f.kind]}: 疑似明文（{f.preview}）"))
    return out


def guard(paths: Iterable[Path | str], env: Mapping[str, str] = os.environ,
          relative_to: Path | None = None) -> list[Refusal]:
    """Every refusal for the given files (directories are walked, .git skipped)."""
    keys = _key_material(env)
    out: list[Refusal] = []
    for root in paths:
        root = Path(root)
        files = [root] if not root.is_dir() else sorted(
            p for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts)
        for f in files:
            if not f.exists():  # deleted in this commit
                continue
            try:
                shown = f.resolve().relative_to(relative_to.resolve()).as_posix() if relative_to else f.as_posix()
            except ValueError:
                shown = f.as_posix()
            out.extend(check_file(f, shown, keys))
    return out
