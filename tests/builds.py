"""Helpers for tests that build the tiny dataset: a second county's batch, comparing two builds,
a build in its own process, an urgent notice in data/."""

from __future__ import annotations

import filecmp
import json
import sqlite3
import sys
from pathlib import Path

from generator.writer import MANIFEST
from tests.gitrepo import commit

EPOCH = "1735689600"  # 2025-01-01
NEW_BATCH = "410425-NY001-2024"  # 郏县; the tiny data has 宝丰县 (410421) only


def add_batch(repo: Path) -> None:
    """A copy of the 宝丰县 batch, paid in 郏县 大刘庄村."""
    src = repo / "data/payments/2024/410421-NY001-2024"
    dst = repo / f"data/payments/2024/{NEW_BATCH}"
    dst.mkdir()
    (dst / "batch.yaml").write_text((src / "batch.yaml").read_text(encoding="utf-8")
                                    .replace("410421000000", "410425000000").replace("宝丰县", "郏县"), encoding="utf-8")
    lines = (src / "records.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [",".join(f if not (f.startswith("410421") and len(f) == 12) else "410425101201" for f in line.split(","))
            for line in lines[1:]]
    (dst / "records.csv").write_text(lines[0] + "".join(rows), encoding="utf-8")
    commit(repo, "郏县 2024 年耕地地力保护补贴")


def build_dir(out: Path) -> Path:
    """The directory of the last build (out is a link switched to each new build)."""
    return out.resolve()


def files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def same_tree(a: Path, b: Path) -> list[str]:
    """Paths that differ between two build directories (missing on either side, or other bytes)."""
    fa, fb = files(a), files(b)
    out = sorted(set(fa) ^ set(fb))
    out += [rel for rel in sorted(set(fa) & set(fb)) if not filecmp.cmp(fa[rel], fb[rel], shallow=False)]
    return out


def assert_same_build(inc: Path, full: Path) -> None:
    """An incremental build equals a full one: every file byte for byte, except lookup.sqlite
    (updated by delta: same content, other row ids) and the manifest's hash of it."""
    assert same_tree(inc, full) in ([], ["lookup.sqlite", MANIFEST])
    assert lookup_content(inc / "lookup.sqlite") == lookup_content(full / "lookup.sqlite")
    a, b = (json.loads((t / MANIFEST).read_text(encoding="utf-8"))["files"] for t in (inc, full))
    a.pop("lookup.sqlite"), b.pop("lookup.sqlite")
    assert a == b


def lookup_content(path: Path) -> dict[str, list]:
    """Every table of a lookup database as sorted rows, row ids of batches replaced by batch ids."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ids = dict(conn.execute("SELECT id, batch_id FROM batches"))
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'search_%'"
                                             " AND name NOT LIKE 'sqlite_%'")]
        out = {}
        for table in tables:
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()
            if table == "batches":
                rows = [r[1:] for r in rows]
            elif table == "payments":
                rows = [(r[0], ids[r[1]], *r[2:]) for r in rows]
            out[table] = sorted(rows, key=repr)
        out["search_segments"] = sorted(conn.execute("SELECT docid, title, body FROM search").fetchall())
        return out
    finally:
        conn.close()


def contents(root: Path) -> dict[str, bytes]:
    """Every file under root and its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


#: A build in its own process (one that can be killed).
BUILD = """
import sys
from generator.pipeline import build
build(sys.argv[1], sys.argv[2], posters=False, full=sys.argv[3:] == ["full"])
"""


def build_cmd(data: Path, out: Path, full: bool = False) -> list[str]:
    return [sys.executable, "-c", BUILD, str(data), str(out)] + (["full"] if full else [])


def notice(data: Path, slug: str, head: str, body: str = "正文。") -> None:
    """An urgent notice data/notices/<slug>.md with front matter `head`."""
    (data / "notices").mkdir(exist_ok=True)
    (data / "notices" / f"{slug}.md").write_text(f"---\n{head.strip()}\n---\n{body}\n", encoding="utf-8")
