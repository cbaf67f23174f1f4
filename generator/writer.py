"""All output goes through one Writer.

It refuses to write the same path twice (two stages fighting over a file is a
bug), writes into a new directory, and only switches to it when the whole
build has succeeded, so a failed build leaves the last good output untouched.

Layout: ``public`` is a symbolic link to ``.public.builds/build-XXXX``.  A
build writes a new ``build-YYYY`` beside it and switches the link with one
``rename`` (atomic on POSIX): a web server or the lookup API resolving
``public/...`` sees either the whole old build or the whole new one, never a
gap and never a mix.  A killed build leaves only an unused ``build-*``
directory, removed by the next build, which also removes the build it
superseded (kept until then so that requests in flight at the switch finish
on it); a lock file keeps two builds from running at once (held by the build's
own process only, not by the processes it forks: `_drop_locks`).  An old-style ``public`` directory is moved into
``.public.builds`` the first time (that one switch has a short gap).

Incremental output: every build leaves ``manifest.json`` beside the site, the
SHA-256 of every file and, for files a stage made from a known set of inputs,
that input key.  The next build

* skips work: a stage asks ``reuse(path, key)`` before rendering an output;
  when the last build made that path from the same key with the same code
  (``code_fingerprint``), the old file is hard-linked in and not rendered;
* does not rewrite what did not change: at ``finish`` every file whose bytes
  equal the last build's file at the same path is replaced by a hard link to
  that file, so it keeps its inode and mtime (rsync, and the privacy gate,
  look only at what changed).

``full=True`` (``build --full``) ignores the last build entirely.

A build does not make its directory tree from nothing: the build superseded
by the live one (kept until now for requests in flight at that switch) is
renamed to the new build's name and brought up to date, so the 40,000
directories of a sample's village pages are not made (and the old ones not
removed) again.  Its files may be hard links to the live build's: none is ever
written into, each is replaced by a new file or a link (``_fresh``), and the
files this build does not make are removed at ``finish``.  Only a tree whose
file list is known is taken (its manifest, written by ``finish``); the
manifest is deleted first, so a build killed while updating it leaves a tree
that the next build removes.  Whether the tree's file for a page to reuse is
already the live build's file: when the live build was linked against this
tree (``LINKED``), their manifests' hashes say so; else the inodes are compared.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path, PurePosixPath

from generator.digests import sha256_file
from huinong_core.errors import HuinongError
from huinong_core.site_files import MKDOCS_YML, SITE_SRC


class WriterError(HuinongError):
    pass


MANIFEST = "manifest.json"
RECORD = "build.json"  # Writer.write_record: the build's inputs key and summary (pipeline.py)
#: Third-party packages whose output lands in the build: a new version forces a full build.
RENDERERS = ("mkdocs", "mkdocs-material", "pelican", "jinja2", "reportlab", "qrcode", "openpyxl", "feedgenerator",
             "markdown", "jieba")


_HEX = re.compile(r"[0-9a-f]{1,128}")


def builds_dir(target: Path) -> Path:
    return target.parent / f".{target.name}.builds"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of everything besides the data that shapes the output: our code, templates, theme, renderers."""
    h = hashlib.sha256()
    for top, base in (("huinong_core", Path(str(resources.files("huinong_core")))),
                      ("generator", Path(str(resources.files("generator")))), ("site_src", SITE_SRC),
                      ("mkdocs.yml", MKDOCS_YML)):
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()
                                                      and "__pycache__" not in p.parts)
        for path in files:
            h.update(Path(top, path.relative_to(base)).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in RENDERERS:
        try:
            h.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-\n".encode())
    return h.hexdigest()


def input_key(*parts) -> str:
    """A key for ``Writer.reuse``: the repr of everything an output is made of (frozen dataclasses, str...)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


@dataclass
class Changes:
    """What a build changed against the last one (by path)."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    reused: int = 0  # not rendered at all: the last build's file for the same inputs
    full: bool = True  # no last build was used

    @property
    def line(self) -> str:
        if self.full:
            return f"完整构建：{self.new} 个文件"
        return (f"增量构建：新增 {self.new}，改变 {self.changed}，未变 {self.unchanged}（其中 {self.reused} 个沿用上次结果、"
                f"未重新生成），删除 {self.removed} 个文件")


# The output locks this process holds, open (Writer.__init__ adds; weak: a lock file closed by the
# collector, not by _release, leaves, and its descriptor number is never touched again).
_locks: weakref.WeakSet = weakref.WeakSet()


def _drop_locks() -> None:
    """In every forked child (os.register_at_fork): the output locks' descriptors point at /dev/null.
    A flock belongs to the open file, which parent and child share after a fork: the child's copy
    would keep the output locked for as long as the child lived, after the build that took the lock
    was killed, and the next build would be refused (generator/parallel.py's workers also die with
    their build).  dup2, not close: the child's file object keeps a descriptor of its own, so closing
    it later cannot close another file that took the number; and nothing is unlocked, as LOCK_UN on
    the shared file would unlock the parent's build."""
    held = [f for f in _locks if not f.closed]
    if held:
        null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        try:
            for f in held:
                os.dup2(null, f.fileno(), inheritable=False)
        finally:
            os.close(null)
    _locks.clear()


os.register_at_fork(after_in_child=_drop_locks)


class Writer:
    """One build's output: files go to a fresh directory next to the target, which `commit`
    switches in by one rename.  Use it as a context manager: leaving the block without `commit`
    (an error, Ctrl+C) removes what was written and keeps the last build published.

        with Writer(out_dir) as writer:
            ...
            writer.commit()
    """

    def __init__(self, target: Path, *, full: bool = False, begin: bool = True):
        """Takes the output's lock.  ``begin=False``: nothing else yet (the build first sees whether
        there is anything to do, pipeline.build); `begin` makes the new build's directory."""
        self.target = Path(target)
        self.builds = builds_dir(self.target.absolute())  # absolute: renderers resolve relative paths elsewhere
        self.builds.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.builds / "lock", "a")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise WriterError(f"另一次构建正在写入 {self.target}，请等它结束后再试。") from None
        _locks.add(self._lock)
        self.full = full
        self.tmp: Path | None = None
        self.written: set[str] = set()
        self.keys: dict[str, str] = {}  # path -> input key, for reuse by the next build
        self.reused: set[str] = set()
        self.digests: dict[str, str] = {}  # path -> SHA-256, hashed already by a forked stage (since)
        self.changes = Changes()
        self.previous: Path | None = None
        self._previous: dict[str, tuple[str, str | None]] = {}  # path -> (sha256, input key) of the last build
        self.memo: dict = {}  # what a stage keeps for the next build (JSON data, in the record: write_record)
        self.last_memo: dict = {}  # what the stages of the last build kept, when its files may be reused
        self._held: dict[str, str | None] = {}  # files a recycled tree held when it was taken, their SHA-256 (module doc)
        # The live build was linked against the recycled tree (LINKED): a file of the tree whose hash is
        # the live file's is the live file (see reuse).
        self._linked = False
        self._link_failed = False  # finish could not link an unchanged file to the last build's
        self._dirs: set[Path] = set()  # directories known to exist in tmp
        self._flushing: threading.Thread | None = None  # finish's os.sync
        self._sparing: tuple[threading.Thread, Path] | None = None  # finish's _make_spare (a first build)
        if begin:
            self.begin()

    def begin(self) -> None:
        """The new build's directory: a recycled tree, or a new one; and the last build's manifest."""
        current = self._current()
        spare = self._remove_leftovers(current)
        self.tmp = Path(tempfile.mkdtemp(prefix="build-", dir=self.builds))
        if spare is not None:
            spare_dir, held = spare
            try:
                os.rename(spare_dir, self.tmp)  # onto the empty new directory: a new name for every build
                self._held = held
                self._linked = current is not None and _read_linked(self.builds) == [current.name, spare_dir.name]
            except OSError:
                shutil.rmtree(spare_dir, ignore_errors=True)
        if not self.full and current is not None and (current / MANIFEST).is_file():
            manifest = _read_manifest(current)
            if manifest.get("code") == code_fingerprint():
                self.previous = current
                self._previous = manifest.get("files", {})
                self.last_memo = (self.last_record() or {}).get("memo") or {}
            del manifest

    def last_record(self) -> dict | None:
        """What the live build recorded of itself (`write_record`), if anything."""
        current = self._current()
        try:
            return json.loads((current / RECORD).read_text(encoding="utf-8")) if current is not None else None
        except (OSError, ValueError):
            return None

    def write_record(self, record: dict) -> None:
        """A small JSON file beside the manifest: what the next build needs to know it has nothing to
        do, and what the stages kept for it (`memo`)."""
        (self.tmp / RECORD).write_text(json.dumps({**record, "memo": self.memo}, ensure_ascii=False, sort_keys=True)
                                       + "\n", encoding="utf-8")

    def _current(self) -> Path | None:
        return self.target.resolve() if self.target.is_symlink() else None

    @property
    def live(self) -> Path | None:
        """The live build's directory (to be read, never written), whatever code made it."""
        return self._current()

    def _remove_leftovers(self, current: Path | None) -> tuple[Path, dict[str, str | None]] | None:
        """Remove the directories of killed or superseded builds (we hold the lock: nothing else is
        writing), but one whose files are known: returned with them, to be recycled."""
        spare = None
        for entry in sorted(self.builds.iterdir()):
            if not entry.name.startswith("build-") or entry.resolve() == current:
                continue
            if spare is None and (entry / MANIFEST).is_file():
                manifest = _read_manifest(entry)
                if "files" in manifest:
                    for name in (MANIFEST, RECORD):  # no longer a known tree until finish writes them again
                        (entry / name).unlink(missing_ok=True)
                    spare = (entry, {rel: sha for rel, (sha, _key) in manifest["files"].items()})
                    continue
            shutil.rmtree(entry, ignore_errors=True)
        link = self._next_link()
        if link.is_symlink():
            link.unlink()
        return spare

    def _next_link(self) -> Path:
        return self.target.with_name(f".{self.target.name}.next")

    def _release(self) -> None:
        if not self._lock.closed:
            _locks.discard(self._lock)
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def _claim(self, rel: str) -> str:
        parts = rel.split("/")
        if "" in parts or "." in parts:  # not in its plain form (a province claims 190,000: split, not PurePosixPath)
            pure = PurePosixPath(rel)
            parts = ["/"] if pure.is_absolute() else list(pure.parts)
            rel = str(pure)
        if not parts or ".." in parts or parts[0] == "/":
            raise WriterError(f"输出路径不合法：{rel}")
        if rel in self.written:
            raise WriterError(f"同一输出文件被写了两次：{rel}")
        self.written.add(rel)
        return rel

    def _fresh(self, key: str) -> Path:
        """Where a new file goes: its directory made, nothing there (a recycled tree's file may be a
        hard link to the live build's: it is unlinked, never written into)."""
        path = self.tmp / key
        parent = path.parent
        if parent not in self._dirs:
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):  # a recycled tree's file where a directory goes now
                for up in PurePosixPath(key).parents:
                    if str(up) in self._held and (self.tmp / up).is_file():
                        os.unlink(self.tmp / up)
                parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        if key in self._held:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        return path

    def _path(self, rel: str) -> Path:
        return self._fresh(self._claim(rel))

    def write_text(self, rel: str, text: str) -> None:
        self._path(rel).write_text(text, encoding="utf-8")

    def write_bytes(self, rel: str, data: bytes) -> None:
        self._path(rel).write_bytes(data)

    def reuse(self, rel: str, key: str) -> bool:
        """Take the last build's file for `rel` if it was made from the same `key`; else False (render it)."""
        old = self._previous.get(rel)
        if self.previous is None or old is None or old[1] != key:
            return False
        name = self._claim(rel)
        source = f"{self.previous}/{name}"
        try:
            if name in self._held and (self._linked and old[0] is not None and self._held[name] == old[0]
                                       or _same_file(f"{self.tmp}/{name}", source)):
                pass  # the recycled tree holds it already (its manifest says so: no stat, when _linked)
            else:
                os.link(source, self._fresh(name))
        except OSError:
            self.written.discard(name)
            return False
        self.keys[rel] = key
        self.reused.add(rel)
        return True

    def previous_file(self, rel: str) -> str | None:
        """The last build's file for `rel` (to be read, never written), if it may be used: same code."""
        return f"{self.previous}/{rel}" if self.previous is not None and rel in self._previous else None

    def note_key(self, rel: str, key: str) -> None:
        """Record the input key (a hex digest: input_key) of a file written (or adopted) under `rel`."""
        if not _HEX.fullmatch(key):
            raise WriterError(f"输入键不是十六进制摘要：{key!r}")
        self.keys[rel] = key

    def mark(self) -> frozenset[str]:
        """What is written so far: `since(mark)` in a forked process gives what it wrote after."""
        return frozenset(self.written)

    def since(self, mark: frozenset[str]) -> tuple[set[str], dict[str, str], set[str], dict[str, str]]:
        """(written, keys, reused, digests) of the files claimed after `mark`, for `merge` in the parent.
        The files it made are hashed here, in the forked process, which ends before the site (finish
        hashed a province's 3.3 GB lookup database in the one process a build waits for)."""
        new = self.written - mark
        reused = self.reused & new
        digests = {rel: sha256_file(self.tmp / rel) for rel in sorted(new - reused)}
        return new, {rel: self.keys[rel] for rel in new if rel in self.keys}, reused, digests

    def merge(self, delta: tuple[set[str], dict[str, str], set[str], dict[str, str]]) -> None:
        """Take in what a forked process of this build wrote into tmp (`since`): its files are not
        written again after."""
        written, keys, reused, digests = delta
        twice = written & self.written
        if twice:
            raise WriterError(f"同一输出文件被写了两次：{min(twice)}")
        self.written |= written
        self.keys.update(keys)
        self.reused |= reused
        self.digests.update(digests)

    def finish(self) -> list[Path]:
        """Hash every file, link the unchanged ones to the last build's, write the manifest.

        Returns the files that are new or changed (the ones the privacy gate must read; an
        unchanged file passed the same gate, with the same code, in the last build).  The
        manifest is written some thousands of entries at a time, not built in memory (a province has 557,000)."""
        fresh: list[Path] = []
        changes = Changes(full=self.previous is None, reused=len(self.reused))
        seen_old, seen_lines = 0, False
        with open(self.tmp / MANIFEST, "w", encoding="utf-8") as f:
            f.write('{"code": %s, "files": {' % json.dumps(code_fingerprint()))
            lines: list[str] = []  # written some thousands at a time (half the time of one write each)
            for rel in sorted(self.written):
                old_sha, _old_key = self._previous.get(rel, (None, None))
                if rel in self.reused:
                    digest = old_sha
                else:
                    path = self.tmp / rel
                    digest = self.digests.get(rel) or sha256_file(path)
                    if not (old_sha == digest and self._link_old(rel, path)):
                        fresh.append(path)
                key = self.keys.get(rel)  # keys and digests are hex: no JSON escaping to do
                lines.append(f'\n{_json_str(rel)}: {{"sha256": "{digest}"}}' if key is None
                             else f'\n{_json_str(rel)}: {{"key": "{key}", "sha256": "{digest}"}}')
                if len(lines) == 4096:
                    f.write(("," if seen_lines else "") + ",".join(lines))
                    seen_lines, lines = True, []
                if old_sha is None:
                    changes.new += 1
                else:
                    seen_old += 1
                    if old_sha == digest:
                        changes.unchanged += 1
                    else:
                        changes.changed += 1
            f.write(("," if seen_lines and lines else "") + ",".join(lines) + "\n}}\n")
        changes.removed = len(self._previous) - seen_old
        self.changes = changes
        self._remove_stale()
        # The files go to disk while the privacy gate reads them: commit's own sync has little left to do.
        self._flushing = threading.Thread(target=os.sync, daemon=True)
        self._flushing.start()
        if self._current() is None:  # the output's first build: its spare tree made while the gate reads
            spare = Path(tempfile.mkdtemp(prefix="build-", dir=self.builds))
            self._sparing = (threading.Thread(target=self._make_spare, args=(spare,), daemon=True), spare)
            self._sparing[0].start()
        return fresh

    def _remove_stale(self) -> None:
        """The files of a recycled tree that this build did not make, and directories left empty."""
        emptied: set[Path] = set()
        for rel in self._held.keys() - self.written:
            path = self.tmp / rel
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            emptied.add(path.parent)
        for d in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
            while d != self.tmp:
                try:
                    d.rmdir()
                except OSError:  # not empty (or gone): its parents are not empty either
                    break
                d = d.parent
        self._held = {}

    def _link_old(self, rel: str, path: Path) -> bool:
        """Replace a new file by a hard link to the last build's identical file."""
        spare = path.with_name(path.name + ".yk-link")
        try:
            os.link(self.previous / rel, spare)
            os.replace(spare, path)
        except OSError:
            self._link_failed = True
            return False
        return True

    def copy(self, rel: str, source: Path) -> None:
        shutil.copyfile(source, self._path(rel))

    def path_for(self, rel: str) -> Path:
        """Claim a path for a tool that writes the file itself (SQLite, PDF)."""
        return self._path(rel)

    def adopt_tree(self, source: Path, prefix: str) -> int:
        """Move every file a tool built in `source` to `prefix/...`, claiming each path.  A directory
        the new tree does not have yet is moved whole, one rename (nothing under it can have been
        written or recycled); in one it has, each file is moved on its own."""
        count = 0
        base = prefix.strip("/")
        for top, dirs, names in os.walk(source):
            rel_top = os.path.relpath(top, source)
            at = base if rel_top == "." else f"{base}/{rel_top}" if base else rel_top
            for name in sorted(names):
                os.replace(os.path.join(top, name), self._path(f"{at}/{name}" if at else name))
                count += 1
            moved = []
            for name in sorted(dirs):
                rel = f"{at}/{name}" if at else name
                target = self.tmp / rel
                if os.path.lexists(target):
                    continue  # walked into: its files go one by one
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                except (FileExistsError, NotADirectoryError):
                    continue  # a recycled tree's file on the way: walked into, _fresh removes it
                os.rename(os.path.join(top, name), target)
                moved.append(name)
                inner_dirs, files_in = [], 0
                for inner, _subdirs, files in os.walk(target):
                    inner_dirs.append(Path(inner))
                    rel_inner = os.path.relpath(inner, self.tmp)
                    for file in files:
                        self._claim(f"{rel_inner}/{file}")
                        files_in += 1
                if files_in:
                    self._dirs.update(inner_dirs)
                else:  # only files are published (and listed in the manifest)
                    shutil.rmtree(target)
                count += files_in
            dirs[:] = [d for d in dirs if d not in moved]
        return count

    def commit(self) -> None:
        """Switch the target link to the finished build (one atomic rename)."""
        published = False
        try:
            os.chmod(self.tmp, 0o755)  # mkdtemp makes it 0700; a web server user must be able to read it
            if self._flushing is not None:
                self._flushing.join()
            os.sync()  # the files on disk before the switch: a power cut must not leave empty files behind it
            old = self._current()
            if self.target.exists() and old is None:  # an old-style real directory: move it aside once
                old = Path(tempfile.mkdtemp(prefix="build-", dir=self.builds))
                os.rename(self.target, old / "legacy")
            link = self._next_link()
            if link.is_symlink():
                link.unlink()
            os.symlink(os.path.relpath(self.tmp, self.target.parent), link)
            os.replace(link, self.target)
            published = True
            _fsync_dir(self.target.parent)
            spare = self._spare_done(keep=True)  # a first build's spare: the same files, linked
            if spare is not None:
                linked = spare.name
            else:
                linked = self.previous.name if self.previous is not None and not self._link_failed else None
            _write_linked(self.builds, [self.tmp.name, linked] if linked else None)
            # The superseded build stays until the next build starts (_remove_leftovers): a request
            # that resolved the link just before the switch still finds its files.
        finally:
            self._spare_done(keep=published)
            self._release()

    def _spare_done(self, keep: bool) -> Path | None:
        """Wait for the first build's spare tree (finish started it); remove it unless `keep` (the
        spare of a build that is not published).  The finished spare, if kept."""
        if self._sparing is None:
            return None
        thread, spare = self._sparing
        thread.join()
        if keep and (spare / MANIFEST).is_file():
            return spare
        shutil.rmtree(spare, ignore_errors=True)
        return None

    def _make_spare(self, spare: Path) -> None:
        """The first build of an output has no build before it to recycle: it links its finished tree
        once more into `spare` for the next build (in a thread, from finish on: directories made now,
        while no one waits for a change to go live)."""
        try:
            made: set[str] = set()
            for rel in sorted(self.written):
                parent = os.path.dirname(rel)
                if parent and parent not in made:
                    os.makedirs(spare / parent, exist_ok=True)
                    made.add(parent)
                os.link(self.tmp / rel, spare / rel)
            os.link(self.tmp / MANIFEST, spare / MANIFEST)  # last: a tree with its list of files
        except OSError:
            shutil.rmtree(spare, ignore_errors=True)

    def abort(self) -> None:
        self._spare_done(keep=False)
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self._release()

    def keep_published(self) -> None:
        """Nothing to publish (pipeline.build found nothing changed): the live build stays as it is."""
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self._release()

    @property
    def finished(self) -> bool:
        """Committed or aborted: the lock is released."""
        return self._lock.closed

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc) -> None:
        if not self.finished:  # an exception, or a block that never committed: nothing half-published
            self.abort()


#: In .<out>.builds: [live build, a tree whose every file with the live one's hash is the live one's
#: file]: the build it was linked against, or the spare tree a first build links (Writer.commit).  What
#: begin reads to know so without a stat.  A --full build of an output that has a live build writes
#: none: its files are new inodes, compared one by one.
LINKED = "linked.json"


def _json_str(rel: str) -> str:
    """json.dumps(rel, ensure_ascii=False), without its cost for a plain path (a province's 557,000)."""
    if rel.isascii() and rel.isprintable() and '"' not in rel and "\\" not in rel:
        return f'"{rel}"'
    return json.dumps(rel, ensure_ascii=False)


def _read_linked(builds: Path):
    try:
        return json.loads((builds / LINKED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_linked(builds: Path, pair: list[str] | None) -> None:
    path = builds / LINKED
    try:
        if pair is None:
            path.unlink(missing_ok=True)
        else:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(pair), encoding="utf-8")
            os.replace(tmp, path)
    except OSError:
        path.unlink(missing_ok=True)


def _same_file(a: str, b: str) -> bool:
    sa, sb = os.stat(a), os.stat(b)
    return sa.st_ino == sb.st_ino and sa.st_dev == sb.st_dev


def _read_manifest(build: Path) -> dict:
    """A build's manifest, each file's entry as (sha256, input key): made so as it is parsed (a
    province's 557,000 entries held as dicts first took 300 MB, most of which the process kept).
    {} when it cannot be read, or is not one our finish writes."""
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"), object_hook=_manifest_entry)
    except (OSError, ValueError):
        return {}
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(type(e) is tuple for e in files.values()):
        return {}
    return manifest


def _manifest_entry(obj: dict):
    """json's object_hook: an entry ({"key": …, "sha256": …}) as a tuple; the maps around it as they are
    (their values are not strings)."""
    sha = obj.get("sha256")
    return (sha, obj.get("key")) if type(sha) is str else obj


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

