"""data/ as it was at a git revision, without checking the revision out.

`diff` compares two of these.  The small files (site, regions, policies,
documents, procedures, services) of a revision are written into a temporary
directory and read by `load` as usual; payment batches are read one batch
directory at a time and cached by the blob ids of their two files, so a batch
that did not change between the two revisions is parsed once, not twice.

The working tree is a revision too (``rev=None``): its files are hashed the
way git hashes blobs, so its unchanged batches come out of the same cache.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.load import Collector, load, load_batch
from generator.spill import RecordStore
from huinong_core.errors import Problem
from huinong_core.git import GitError, git
from huinong_core.models import Batch, Dataset

WORKTREE = "工作区"
_BATCH_FILE = re.compile(r"^payments/((?:19|20)\d{2})/([^/]+)/(batch\.yaml|records\.csv)$")


def blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    """The git repository holding a data directory, and that directory's path inside it."""

    root: Path
    data_rel: str  # "data", posix, relative to root

    @classmethod
    def find(cls, data_dir: Path | str) -> "Repo":
        data_dir = Path(data_dir).resolve()
        if not data_dir.is_dir():
            raise GitError(f"数据目录不存在：{data_dir}")
        root = Path(git(data_dir, "rev-parse", "--show-toplevel").decode().strip())
        return cls(root, data_dir.relative_to(root.resolve()).as_posix())

    def resolve(self, rev: str) -> str:
        return git(self.root, "rev-parse", "--verify", "--quiet", rev + "^{commit}").decode().strip()

    def tree(self, rev: str | None) -> dict[str, str]:
        """{path inside data/: blob id} at ``rev`` (None: the working tree, ignored files left out)."""
        prefix = self.data_rel + "/"
        out: dict[str, str] = {}
        if rev is None:
            listed = git(self.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", self.data_rel)
            for path in filter(None, listed.decode("utf-8").split("\0")):
                full = self.root / path
                if full.is_file():  # deleted but still in the index: gone from the working tree
                    out[path[len(prefix):]] = blob_id(full.read_bytes())
            return out
        listed = git(self.root, "ls-tree", "-r", "-z", "--full-tree", rev, "--", self.data_rel)
        for entry in filter(None, listed.decode("utf-8").split("\0")):
            meta, path = entry.split("\t", 1)
            _mode, kind, sha = meta.split()
            if kind == "blob":
                out[path[len(prefix):]] = sha
        return out

    def write_blobs(self, wanted: dict[Path, str]) -> None:
        """Write each blob id's content to its path, all through one `git cat-file --batch`."""
        if not wanted:
            return
        items = list(wanted.items())
        stream = git(self.root, "cat-file", "--batch", input="".join(f"{sha}\n" for _, sha in items).encode())
        pos = 0
        for path, sha in items:
            eol = stream.index(b"\n", pos)
            header = stream[pos:eol].split()
            if len(header) != 3 or header[0].decode() != sha:
                raise GitError(f"git cat-file 读取 {sha} 失败")
            size = int(header[2])
            start = eol + 1
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(stream[start:start + size])
            pos = start + size + 1  # content is followed by a newline


@dataclass
class Revision:
    """data/ at one revision: its dataset, the blob id of every file, problems met loading it."""

    label: str  # the revision as given, or 工作区
    commit: str | None
    dataset: Dataset
    blobs: dict[str, str]
    problems: list[Problem]

    def batch_blobs(self, batch: Batch) -> tuple[str | None, str | None]:
        d = f"payments/{batch.year}/{batch.batch_id}/"
        return self.blobs.get(d + "batch.yaml"), self.blobs.get(d + "records.csv")


@dataclass
class ParsedBatches:
    """Parsed batches by (directory, blob of batch.yaml, blob of records.csv), shared by both sides of a
    diff (the build's own cache of parsed batches is generator/batch_cache.BatchCache)."""

    entries: dict[tuple[str, str, str], tuple[Batch | None, list[Problem]]] = field(default_factory=dict)
    parsed: int = 0  # how many batch directories were actually parsed (the rest came from the cache)
    store: RecordStore = field(default_factory=RecordStore)  # their records, on disk while the cache lives


def _batch_dirs(blobs: dict[str, str]) -> dict[str, tuple[str | None, str | None]]:
    dirs: dict[str, list[str | None]] = {}
    for path, sha in blobs.items():
        m = _BATCH_FILE.match(path)
        if m:
            pair = dirs.setdefault(f"payments/{m.group(1)}/{m.group(2)}", [None, None])
            pair[0 if m.group(3) == "batch.yaml" else 1] = sha
    return {d: (a, b) for d, (a, b) in sorted(dirs.items())}


def load_revision(repo: Repo, rev: str | None, cache: ParsedBatches, work: Path) -> Revision:
    """Load data/ at ``rev`` (None: the working tree), reusing ``cache`` for unchanged batches."""
    commit = repo.resolve(rev) if rev is not None else None
    blobs = repo.tree(commit)
    shown_data = PurePosixPath(repo.data_rel)
    if commit is None:
        data_dir = repo.root / repo.data_rel
        base = repo.root
    else:
        base = Path(tempfile.mkdtemp(prefix=f"rev-{commit[:12]}-", dir=work))
        data_dir = base / repo.data_rel
        data_dir.mkdir(parents=True)
        small = {data_dir / p: sha for p, sha in blobs.items() if not p.startswith("payments/")}
        repo.write_blobs(small)
    loaded = load(data_dir, base, payments=False)
    problems = list(loaded.problems)

    batches: list[Batch] = []
    todo: list[tuple[str, tuple[str, str, str]]] = []
    for d, (meta_sha, rec_sha) in _batch_dirs(blobs).items():
        key = (d, meta_sha or "", rec_sha or "")
        if key not in cache.entries:
            todo.append((d, key))
    if todo:
        if commit is None:
            for d, key in todo:
                cache.entries[key] = _parse_batch(data_dir / d, base, cache.store)
        else:
            tmp = Path(tempfile.mkdtemp(prefix="batches-", dir=work))
            wanted: dict[Path, str] = {}
            for i, (d, key) in enumerate(todo):
                for name, sha in (("batch.yaml", key[1]), ("records.csv", key[2])):
                    if sha:
                        wanted[tmp / str(i) / shown_data / d / name] = sha
            repo.write_blobs(wanted)
            for i, (d, key) in enumerate(todo):
                cache.entries[key] = _parse_batch(tmp / str(i) / shown_data / d, tmp / str(i), cache.store)
        cache.parsed += len(todo)
    for d, (meta_sha, rec_sha) in _batch_dirs(blobs).items():
        batch, batch_problems = cache.entries[(d, meta_sha or "", rec_sha or "")]
        problems.extend(batch_problems)
        if batch is not None:
            batches.append(batch)

    ds = loaded.dataset
    dataset = Dataset(str(repo.root / repo.data_rel), ds.site, ds.regions, ds.policies, ds.documents,
                      ds.procedures, ds.services, tuple(batches))
    return Revision(rev if rev is not None else WORKTREE, commit, dataset, blobs, problems)


def _parse_batch(batch_dir: Path, base: Path, store: RecordStore) -> tuple[Batch | None, list[Problem]]:
    out = Collector(base)
    batch = load_batch(batch_dir, out, store)
    return batch, out.problems


def load_revisions(data_dir: Path | str, base_rev: str,
                   head_rev: str | None) -> tuple[Revision, Revision, ParsedBatches]:
    """Both sides of a diff, sharing one batch cache; temporary files are gone on return."""
    repo = Repo.find(data_dir)
    cache = ParsedBatches()
    with tempfile.TemporaryDirectory(prefix="huinong-diff-") as work:
        base = load_revision(repo, base_rev, cache, Path(work))
        head = load_revision(repo, head_rev, cache, Path(work))
    return base, head, cache
