"""An installed wheel builds the site, from outside the checkout (issue 19).

site_src/ and mkdocs.yml stay at the repository's top level; setup.py puts them into the wheel as
package data of huinong_core, where huinong_core/site_files.py finds them through
importlib.resources.  The wheel is installed into a directory of its own and run with `python -S`
(no site-packages processing, so not the editable install of the checkout), the dependencies
taken from this environment's site-packages.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

# What building a wheel reads (pyproject.toml's readme included).
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "mkdocs.yml", "site_src", "huinong_core",
           "generator", "lookup_api")


def _run(args: list, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _files(out: Path) -> dict[str, str]:
    # lookup.sqlite is not byte-reproducible (SQLite's page layout); its content is tested elsewhere.
    return {k: v for k, v in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"].items()
            if not k.endswith("lookup.sqlite")}


def _sources(src: Path) -> Path:
    """A copy of what building a wheel reads: building in the checkout would leave build/ there."""
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, src / name)
    return src


def test_an_installed_wheel_builds_what_the_checkout_builds(tiny: Path, tmp_path: Path):
    src = _sources(tmp_path / "src")
    made = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", tmp_path / "wheels", src], tmp_path)
    if made.returncode and "satisfies the requirement setuptools" in made.stdout + made.stderr:
        pytest.skip("no package index to install the build backend (setuptools) from")
    assert made.returncode == 0, made.stdout + made.stderr
    (wheel,) = (tmp_path / "wheels").glob("*.whl")
    installed = tmp_path / "installed"
    got = _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", installed, wheel], tmp_path)
    assert got.returncode == 0, got.stdout + got.stderr

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUINONG_KEY", "PYTHON"))}
    env.update(HUINONG_DEMO="1", SOURCE_DATE_EPOCH="1718928000")
    work = tmp_path / "elsewhere"  # outside the checkout, as an installed tool is run
    work.mkdir()
    wheel_env = {**env, "PYTHONPATH": os.pathsep.join([str(installed), *site.getsitepackages()])}
    where = _run([sys.executable, "-S", "-c", "import generator, huinong_core.site_files as f; "
                  "print(generator.__file__); print(f.SITE_SRC); print(f.MKDOCS_YML)"], work, wheel_env)
    assert where.returncode == 0, where.stderr
    assert all(Path(line).is_relative_to(installed) for line in where.stdout.split()), where.stdout

    built = _run([sys.executable, "-S", "-m", "generator", "build", "--data", tiny, "--out", work / "wheel-out"],
                 work, wheel_env)
    assert built.returncode == 0, built.stdout + built.stderr
    checkout = _run([sys.executable, "-m", "generator", "build", "--data", tiny, "--out", work / "checkout-out"],
                    work, {**env, "PYTHONPATH": str(REPO)})
    assert checkout.returncode == 0, checkout.stdout + checkout.stderr
    files = _files(work / "wheel-out")
    assert any(k.endswith("gongshi/index.html") for k in files) and any(k.endswith("zhengce/index.html") for k in files)
    assert files == _files(work / "checkout-out")


def test_a_file_deleted_from_site_src_leaves_a_reused_build_dir(tmp_path: Path):
    src = _sources(tmp_path / "src")
    gone = src / "site_src" / "overrides" / "gone.html"
    gone.write_text("<p>旧</p>\n", encoding="utf-8")
    packaged = src / "build" / "lib" / "huinong_core" / "_site" / "site_src" / "overrides" / "gone.html"
    for present in (True, False):
        done = _run([sys.executable, "setup.py", "-q", "build_py"], src)
        assert done.returncode == 0, done.stdout + done.stderr
        assert packaged.is_file() is present
        gone.unlink(missing_ok=True)
