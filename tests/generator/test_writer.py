"""Atomic publish: `public` is a link switched with one rename, so readers never see a gap or a
mix, a killed or failing build leaves the last good output byte for byte, and the next build
cleans up after it."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from generator.writer import LINKED, MANIFEST, Writer, WriterError, _read_manifest
from tests.builds import build_cmd, contents
from tests.procs import alive, forked_children, still_alive_after

REPO = Path(__file__).resolve().parents[2]


def publish(out: Path, files: dict[str, str]) -> None:
    with Writer(out) as w:
        for name, text in files.items():
            w.write_text(name, text)
        w.commit()


def test_public_is_a_link_switched_to_each_new_build(tmp_path: Path):
    out = tmp_path / "public"
    publish(out, {"site/index.html": "1", "lookup.sqlite": "db1"})
    first = out.resolve()
    publish(out, {"site/index.html": "2", "lookup.sqlite": "db2"})
    assert out.is_symlink() and not os.path.isabs(os.readlink(out))  # relative: the tree can be moved
    assert out.resolve() != first and first.exists()  # kept for requests in flight at the switch …
    assert (out / "site/index.html").read_text() == "2"
    Writer(out).abort()
    assert not first.exists()  # … until the next build starts


def test_an_old_style_output_directory_is_taken_over(tmp_path: Path):
    out = tmp_path / "public"
    (out / "site").mkdir(parents=True)
    (out / "site/index.html").write_text("old")
    publish(out, {"site/index.html": "new"})
    assert out.is_symlink() and (out / "site/index.html").read_text() == "new"
    Writer(out).abort()
    assert [p.name for p in (tmp_path / ".public.builds").iterdir() if p.name != "lock"] == [out.resolve().name]


def test_two_builds_cannot_write_at_once(tmp_path: Path):
    w = Writer(tmp_path / "public")
    with pytest.raises(WriterError, match="另一次构建"):
        Writer(tmp_path / "public")
    w.abort()
    Writer(tmp_path / "public").abort()  # the lock is released


def test_leaving_the_block_without_commit_publishes_nothing_and_releases_the_lock(tmp_path: Path):
    out = tmp_path / "public"
    publish(out, {"site/index.html": "good"})
    with pytest.raises(RuntimeError):
        with Writer(out) as w:
            w.write_text("site/index.html", "half")
            raise RuntimeError("a stage failed")
    assert w.finished and not w.tmp.exists() and (out / "site/index.html").read_text() == "good"
    with Writer(out) as w:  # the lock was released; no commit, no error: still nothing published
        w.write_text("site/index.html", "forgotten")
    assert not w.tmp.exists() and (out / "site/index.html").read_text() == "good"
    publish(out, {"site/index.html": "next"})
    assert (out / "site/index.html").read_text() == "next"


def test_readers_never_see_a_gap_or_a_mix(tmp_path: Path):
    """A reader thread opens both files of the build over and over while builds switch."""
    out = tmp_path / "public"
    publish(out, {"site/index.html": "0", "lookup.sqlite": "0"})
    stop, seen, bad = threading.Event(), set(), []

    def read():
        while not stop.is_set():
            try:
                root = out.resolve()  # what a server does per request: resolve, then read inside
                pair = ((root / "site/index.html").read_text(), (root / "lookup.sqlite").read_text())
            except OSError as e:  # the old build may be removed after resolve(); a real server holds it open
                if (out / "site/index.html").exists():
                    continue
                bad.append(repr(e))
                continue
            if pair[0] != pair[1]:
                bad.append(pair)
            seen.add(pair[0])
            try:
                (out / "site/index.html").stat()
            except OSError as e:
                bad.append(repr(e))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(1, 40):
            publish(out, {"site/index.html": str(i), "lookup.sqlite": str(i)})
    finally:
        stop.set()
        reader.join()
    assert bad == []
    assert len(seen) > 1


def test_a_build_killed_at_random_points_never_breaks_the_site(tiny: Path, tmp_path: Path):
    out = tmp_path / "public"
    scratch = tmp_path / "tmp"  # the builds' TMPDIR: a killed build must not leave anything there either
    scratch.mkdir()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1735689600", "TMPDIR": str(scratch)}
    started = time.perf_counter()
    subprocess.run(build_cmd(tiny, out), cwd=REPO, env=env, check=True, capture_output=True)
    duration = time.perf_counter() - started
    good = contents(out)
    # Kill new builds of changed data at points spread over a whole build's run time.
    env2 = {**env, "SOURCE_DATE_EPOCH": "1735776000"}  # a day later: a different build
    rng = random.Random(7)
    points = sorted(rng.uniform(0.05, duration * 1.1) for _ in range(6))
    for delay in points:
        proc = subprocess.Popen(build_cmd(tiny, out), cwd=REPO, env=env2, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = contents(out)
        assert now == good or (now.keys() == good.keys() and now != good), delay  # the old build, or a whole new one
        if now != good:
            good = now  # the build got to its switch before the kill
    # The next build cleans up whatever the killed ones left behind (it keeps the build it superseded).
    before = out.resolve()
    subprocess.run(build_cmd(tiny, out), cwd=REPO, env=env2, check=True, capture_output=True)
    builds = tmp_path / ".public.builds"
    assert {p for p in builds.iterdir() if p.name not in ("lock", "cache", LINKED)} == {out.resolve(), before}
    # The batch cache (generator/batch_cache.py) holds exactly the spill files its index names.
    index = json.loads((builds / "cache/index.json").read_text(encoding="utf-8"))
    assert {p.name for p in (builds / "cache").iterdir() if p.is_dir()} == set(index["stores"]) != set()
    # Work directories (the renderers') live with the builds and went with the killed ones.
    assert [p.name for p in scratch.iterdir() if p.name.startswith(("huinong-", "build-"))] == []


def test_a_build_killed_while_it_has_forked_leaves_no_process_and_no_lock(tiny: Path, tmp_path: Path):
    """SIGKILL to a build once it has forked (the policy half renders in its own process,
    parallel.fork_call, before anything else forks): its forked processes die with it, and the
    output's lock was never theirs, so the next build starts at once and succeeds."""
    out = tmp_path / "public"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1735689600"}
    subprocess.run(build_cmd(tiny, out), cwd=REPO, env=env, check=True, capture_output=True)
    caught: list[int] = []
    try:
        for day in range(1, 6):  # each a changed build; another try if this one finished before it forked
            env = {**env, "SOURCE_DATE_EPOCH": str(1735689600 + 86400 * day)}
            proc = subprocess.Popen(build_cmd(tiny, out), cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            while proc.poll() is None and not caught:
                caught = forked_children(proc.pid)
                time.sleep(0.002)
                if caught:  # still the build's program a moment later: not a fork about to exec (git)
                    time.sleep(0.02)
                    caught = [pid for pid in forked_children(proc.pid) if pid in caught]
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if caught:
                break
        assert caught, "no build was caught with a forked process"
        Writer(out, begin=False).abort()  # the lock is free the moment the build is gone
        # and its forked processes are gone (a policy half left alone would render on, half a second
        # of the tiny data's on an idle machine, then fail to hand back its result)
        assert still_alive_after(caught, 0.25) == []
        subprocess.run(build_cmd(tiny, out), cwd=REPO, env=env, check=True, capture_output=True)
    finally:
        for pid in caught:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_full_disk_fails_the_build_and_keeps_the_old_output(tiny: Path, tmp_path: Path):
    """RLIMIT_FSIZE makes every write past 64 KB fail with EFBIG, as a full disk fails with ENOSPC."""
    import resource

    out = tmp_path / "public"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1735689600"}
    subprocess.run(build_cmd(tiny, out), cwd=REPO, env=env, check=True, capture_output=True)
    before = contents(out)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    proc = subprocess.run(build_cmd(tiny, out), cwd=REPO, env={**env, "SOURCE_DATE_EPOCH": "1735776000"},
                          capture_output=True, text=True, preexec_fn=limit)
    assert proc.returncode != 0 and "File too large" in proc.stderr
    assert contents(out) == before


def test_a_build_recycles_the_superseded_tree_without_touching_the_live_one(tmp_path: Path):
    """The build before the live one is renamed and brought up to date: its files that are hard
    links to the live build's are replaced, never written into; what this build does not make goes."""
    out = tmp_path / "public"
    with Writer(out) as w:
        for name in ("site/a.html", "site/old/b.html", "site/c.html"):
            w.write_text(name, name)
        w.finish()
        w.commit()
    first = out.resolve()
    with Writer(out) as w:  # the second build: c.html as it was (linked to the first build's file)
        w.write_text("site/a.html", "site/a.html")
        w.write_text("site/old/b.html", "changed")
        w.write_text("site/c.html", "site/c.html")
        w.finish()
        w.commit()
    live = out.resolve()
    assert os.stat(live / "site/c.html").st_ino == os.stat(first / "site/c.html").st_ino
    before = contents(out)
    tree = os.stat(first / "site").st_ino
    with Writer(out) as w:  # the third build takes the first build's tree
        assert not first.exists() and w.tmp != first and os.stat(w.tmp / "site").st_ino == tree
        w.write_text("site/c.html", "new")  # the file in the tree is the live build's c.html too
        w.write_text("site/a.html", "site/a.html")
        w.write_text("site/new/d.html", "d")
        assert contents(out) == before  # the live build is untouched while this one is written
        w.finish()
        w.commit()
    assert contents(out) == {"manifest.json": contents(out)["manifest.json"], "site/a.html": b"site/a.html",
                             "site/c.html": b"new", "site/new/d.html": b"d"}
    assert not (out / "site/old").exists()  # left empty: removed
    assert (live / "site/c.html").read_text() == "site/c.html"  # the build before is as it was


def test_a_tree_whose_files_are_not_known_is_not_recycled(tmp_path: Path):
    out = tmp_path / "public"

    def finished(text: str) -> None:
        with Writer(out) as w:
            w.write_text("site/a.html", text)
            w.finish()
            w.commit()

    finished("1")
    first = out.resolve()
    finished("2")
    (first / "manifest.json").unlink()  # as a build killed while recycling it leaves it
    (first / "site/stray.html").write_text("not made by a build")
    finished("3")
    assert not first.exists() and not (out / "site/stray.html").exists()  # a recycled tree would have kept it


def test_the_first_build_links_a_spare_tree_for_the_next_one(tmp_path: Path):
    out = tmp_path / "public"
    with Writer(out) as w:
        w.write_text("site/a/index.html", "a")
        w.finish()
        w.commit()
    live = out.resolve()
    (spare,) = [p for p in (tmp_path / ".public.builds").iterdir() if p.name.startswith("build-") and p != live]
    assert os.stat(spare / "site/a/index.html").st_ino == os.stat(live / "site/a/index.html").st_ino
    with Writer(out) as w:  # the next build takes it
        assert not spare.exists() and (w.tmp / "site/a").is_dir()
        w.write_text("site/a/index.html", "b")
        w.finish()
        w.commit()
    assert (live / "site/a/index.html").read_text() == "a" and (out / "site/a/index.html").read_text() == "b"


def test_adopt_tree_moves_new_directories_whole_and_claims_every_file(tmp_path: Path):
    """A tool's output tree: directories the build has not made yet move in one rename, files in
    ones it has move one by one; every file is claimed (a second claim of one is refused)."""
    tool = tmp_path / "tool"
    for rel in ("index.html", "diqu/a/index.html", "diqu/a/b/index.html", "gongshi/x/index.html", "empty/"):
        (tool / rel).parent.mkdir(parents=True, exist_ok=True)
        if not rel.endswith("/"):
            (tool / rel).write_text(rel)
    out = tmp_path / "public"
    with Writer(out) as w:
        w.write_text("site/gongshi/index.html", "listing")  # gongshi/ exists in the new tree already
        assert w.adopt_tree(tool, "site/") == 4
        assert {"site/index.html", "site/diqu/a/index.html", "site/diqu/a/b/index.html", "site/gongshi/x/index.html",
                "site/gongshi/index.html"} <= w.written
        with pytest.raises(WriterError):
            w.write_text("site/diqu/a/b/index.html", "again")
        w.commit()
    assert contents(out.resolve() / "site") == {
        rel: rel.encode() for rel in ("index.html", "diqu/a/index.html", "diqu/a/b/index.html", "gongshi/x/index.html")
    } | {"gongshi/index.html": b"listing"}
    assert not any(p.is_file() for p in tool.rglob("*"))


def test_a_first_build_that_fails_its_gate_leaves_no_spare_tree(tmp_path: Path):
    """finish starts linking the first build's spare tree; a build aborted after it (the privacy gate
    refusing) leaves neither its tree nor the spare."""
    out = tmp_path / "public"
    with Writer(out) as w:
        w.write_text("site/a/index.html", "a")
        w.finish()
        w.abort()
    assert [p.name for p in (tmp_path / ".public.builds").iterdir() if p.name.startswith("build-")] == []


def test_adopt_tree_over_a_recycled_file_where_a_directory_goes(tmp_path: Path):
    """The recycled tree has a file `site/foo`; the tool now makes `foo/bar/index.html`: the file goes,
    the directory comes (the tool's empty directories do not)."""
    out = tmp_path / "public"
    for _ in range(2):  # with finish (a manifest): the first tree is the spare of the third build
        with Writer(out) as w:
            w.write_text("site/foo", "a file")
            w.finish()
            w.commit()
    tool = tmp_path / "tool"
    (tool / "foo/bar").mkdir(parents=True)
    (tool / "foo/bar/index.html").write_text("page")
    (tool / "empty/inner").mkdir(parents=True)
    with Writer(out) as w:
        assert "site/foo" in w._held
        assert w.adopt_tree(tool, "site") == 1
        w.commit()
    assert contents(out.resolve() / "site") == {"foo/bar/index.html": b"page"}
    assert not (out.resolve() / "site/empty").exists()


def _build(out: Path, full: bool = False) -> Path:
    """One build of a page made from a fixed key (taken from the last build when it may be) and a page
    written each time; returns the published tree."""
    key = "ab" * 32
    with Writer(out, full=full) as w:
        if not w.reuse("site/kept.html", key):
            w.write_text("site/kept.html", "the same")
            w.note_key("site/kept.html", key)
        w.write_text("site/other.html", "x")
        w.finish()
        w.commit()
    return out.resolve()


def test_a_reused_file_is_the_live_builds_file_after_a_full_build_too(tmp_path: Path):
    """A page taken from the last build is the live build's very file (same inode: rsync moves
    nothing), also when the live build was a --full one, whose files are new inodes, and whose
    recycled tree still holds the build before's (same bytes, another inode)."""
    out = tmp_path / "public"
    inodes = []
    for full in (False, False, True, False, False, False):
        inodes.append(os.stat(_build(out, full=full) / "site/kept.html").st_ino)
    assert inodes[2] != inodes[1]  # the full build's own file
    assert inodes[3] == inodes[4] == inodes[5] == inodes[2]


def test_what_a_forked_stage_wrote_is_taken_in_and_a_file_written_by_both_is_refused(tmp_path: Path):
    """pipeline.Beside: a forked process writes files into the same build; `since` hands back what
    it claimed, `merge` takes it in (the manifest lists it, with its key), and a path both wrote fails."""
    from generator.parallel import fork_call

    out = tmp_path / "public"
    publish(out, {"old.html": "x"})
    with Writer(out) as w:
        mark = w.mark()

        def stage():
            w.write_text("beside/a.html", "a")
            w.note_key("beside/a.html", "ab" * 32)
            w.write_text("both.html", "1")
            return w.since(mark)

        delta = fork_call(stage)()
        w.write_text("here.html", "b")
        assert delta[0] == {"beside/a.html", "both.html"} and delta[1] == {"beside/a.html": "ab" * 32}
        w.write_text("both.html", "2")
        with pytest.raises(WriterError, match="both.html"):
            w.merge(delta)
    with Writer(out) as w:
        delta = fork_call(lambda mark: (w.write_text("beside/a.html", "a"), w.note_key("beside/a.html", "ab" * 32),
                                        w.since(mark))[-1], w.mark())()
        w.write_text("here.html", "b")
        w.merge(delta)
        w.finish()
        w.commit()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert sorted(manifest) == ["beside/a.html", "here.html"] and manifest["beside/a.html"]["key"] == "ab" * 32
    assert (out / "beside/a.html").read_text() == "a"
    # The forked process hashed its file (delta[3]); the manifest has that hash, the file's.
    assert delta[3] == {"beside/a.html": hashlib.sha256(b"a").hexdigest()}
    assert manifest["beside/a.html"]["sha256"] == hashlib.sha256(b"a").hexdigest()


@pytest.mark.parametrize("count", [0, 1, 4095, 4096, 4097, 8193])
def test_the_manifest_lists_every_file_whatever_its_name(tmp_path: Path, count: int):
    """Writer.finish writes the manifest some thousands of entries at a time, plain paths without
    json.dumps: valid JSON at every edge of a part, names with quotes, backslashes, tabs and Chinese."""
    names = [f"d{i % 7}/{i}.html" for i in range(count)]
    names += ['引号"名.html', "反\\斜.txt", "制表\t符.txt", "空 格.txt"] if count else []
    with Writer(tmp_path / "public") as w:
        for name in names:
            w.write_text(name, "x")
        w.note_key(names[0], "ab" * 32) if names else None
        w.finish()
        w.commit()
    text = (tmp_path / "public" / "manifest.json").read_text(encoding="utf-8")
    files = json.loads(text)["files"]
    assert sorted(files) == sorted(names)
    # byte for byte what one json.dumps per entry gave
    entries = [f'\n{json.dumps(rel, ensure_ascii=False)}: ' + (
        f'{{"sha256": "{e["sha256"]}"}}' if "key" not in e else f'{{"key": "{e["key"]}", "sha256": "{e["sha256"]}"}}')
        for rel, e in sorted(files.items())]
    assert text == '{"code": %s, "files": {' % json.dumps(json.loads(text)["code"]) + ",".join(entries) + "\n}}\n"
    # Read back (the next build's Writer.begin): each entry as (sha256, key), the same as parsed plainly.
    read = _read_manifest(tmp_path / "public")
    assert read["files"] == {rel: (e["sha256"], e.get("key")) for rel, e in files.items()}


def test_a_manifest_not_as_finish_writes_it_is_not_used(tmp_path: Path):
    """An entry without its hash, or no map of files: the build goes on as if there were no last build."""
    for text in ('{"code": "c", "files": {"a.html": {"key": "ab"}}}', '{"code": "c", "files": [1]}', "[1, 2]", "{"):
        (tmp_path / MANIFEST).write_text(text, encoding="utf-8")
        assert _read_manifest(tmp_path) == {}, text
    (tmp_path / MANIFEST).write_text('{"code": "c", "files": {"sha256": {"sha256": "00"}, "b": {"key": "k", "sha256": "01"}}}',
                                     encoding="utf-8")
    assert _read_manifest(tmp_path) == {"code": "c", "files": {"sha256": ("00", None), "b": ("01", "k")}}
