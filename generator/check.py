"""`check`: every problem of data/, each with file:line:column.

load (each file, cell by cell: generator/load.py) → rules (across records:
generator/rules.py) → the 大数据比对筛查 rules file (generator/screening.py) →
no plaintext ID, card or mobile number anywhere in data/ (generator/privacy.py).
The build and the posters (generator/pipeline.py), `sms-names` and `python -m
generator check` start here (`diff` reads revisions with generator/gitdata.py,
which only loads them); only the CLI turns the problems into messages and exit codes.
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.load import Collector, load
from generator.privacy import KIND_LABELS, files_under, scan_paths
from generator.reference import private_dir
from generator.rules import apply_rules
from generator.screening import RULES_FILE, load_rules
from huinong_core.errors import Problem


#: Directories of data/ that only ever exist on a staff machine (git-ignored, refused by the
#: pre-commit guard): raw exports waiting for ingest, reference lists.  Never scanned, never published.
LOCAL_ONLY_DIRS = ("raw", "private")


def data_roots(data_dir: Path) -> list[Path]:
    """What of data/ is read and scanned: everything but the local-only directories."""
    return [p for p in sorted(data_dir.iterdir()) if p.name not in LOCAL_ONLY_DIRS] if data_dir.is_dir() else []


def data_files(data_dir: Path) -> list[Path]:
    """Every file a build reads or scans (`check(private=False)`): not the private directory, not .git."""
    skip = (os.path.abspath(private_dir(data_dir)),)
    return sorted(f for root in data_roots(data_dir)
                  for f in ([root] if root.is_file() else files_under(root, skip)))


def scan_data(data_dir: Path, out: Collector, allow: frozenset[str] = frozenset(), exclude=()) -> None:
    """No plaintext ID, card or mobile number anywhere in data/ (same detector as the build gate)."""
    for f in scan_paths(data_roots(data_dir), allow=allow, relative_to=out.base, exclude=exclude):
        out.problems.append(Problem(f.path, f.line, 0, KIND_LABELS[f.kind],
                                    f"疑似明文个人信息（{f.preview}）", "用 ingest 导入，数据目录只保存键值和打码信息"))


def batches_of(data_dir: Path, files: list[str]) -> set[str] | None:
    """The batch directories ("<年度>/<批次号>") the given files belong to; None (check everything)
    as soon as one file is outside payments/: the policy list or regions change what a batch may hold."""
    root = data_dir.resolve()
    batches: set[str] = set()
    for f in files:
        try:
            parts = Path(f).resolve().relative_to(root).parts
        except ValueError:
            continue  # not a data file: nothing to check for it
        if len(parts) >= 3 and parts[0] == "payments":
            batches.add(f"{parts[1]}/{parts[2]}")
        else:
            return None
    return batches


def check(data_dir: Path | str, base: Path | str | None = None, *, private: bool = True,
          only_batches: set[str] | None = None, cache=None):
    """load → rules → screening rules → plaintext scan.  Returns (dataset, problems).

    ``private=False`` (the build): nothing under the private directory (reference
    lists, generator.reference.private_dir) is opened, not even by the scan.
    ``only_batches`` ("<年度>/<批次号>"): apply the rules to just these batches (and every non-batch file);
    the privacy scan still covers all of data/.  ``cache`` (the build's BatchCache): batches whose
    files and context are unchanged since the last published build are neither parsed, nor
    checked record by record, nor scanned again.
    """
    data_dir = Path(data_dir).resolve()
    base = Path(base).resolve() if base is not None else data_dir.parent
    loaded = load(data_dir, base, only_batches=only_batches, cache=cache)
    out = loaded.collector
    apply_rules(loaded.dataset, out)
    screening_rules = data_dir / RULES_FILE
    if screening_rules.exists():  # checked even when no reference list is present
        load_rules(screening_rules, out, loaded.dataset.policy_codes() | out.invalid_policy_codes)
    exclude = () if private else (private_dir(data_dir),)
    # The two files of each batch scanned clean before (any other file there is scanned); batch
    # directories are named by their batch id (a mismatch is an error above, found anyway).
    exclude += tuple(data_dir / "payments" / str(b.year) / b.batch_id / name for b in loaded.dataset.batches
                     if b.batch_id in out.checked_before for name in ("batch.yaml", "records.csv"))
    scan_data(data_dir, out, exclude=exclude)
    problems = sorted(set(out.problems))
    return loaded.dataset, problems
