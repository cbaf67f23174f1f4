"""What pyproject.toml cannot say: site_src/ and mkdocs.yml, which stay at the repository's top level,
go into the wheel as package data of huinong_core (huinong_core/_site/), where
huinong_core/site_files.py finds them through importlib.resources."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithSite(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        target = Path(self.build_lib) / "huinong_core" / "_site"
        shutil.rmtree(target, ignore_errors=True)  # a reused build/lib would keep files deleted from site_src/
        shutil.copytree("site_src", target / "site_src")
        shutil.copy2("mkdocs.yml", target / "mkdocs.yml")


setup(cmdclass={"build_py": BuildWithSite})
