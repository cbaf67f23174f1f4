"""How the tests call the API: a lookup, a case with its proof of work, and the 查询 page to serve."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import markdown
import yaml

from lookup_api.cases.pow import solve
from tests.helpers import REPO

PAGE = REPO / "site_src" / "docs" / "chaxun" / "index.md"
SCRIPT = REPO / "site_src" / "docs" / "assets" / "lookup.js"


def post(client, id_number: str, name: str, form: bool = False):
    body = {"id_number": id_number, "name": name}
    return client.post("/api/v1/lookup", data=body) if form else client.post("/api/v1/lookup", json=body)


def fresh(client) -> dict:
    c = client.get("/api/v1/cases/challenge").json()
    return {"challenge": c["challenge"], "pow": solve(c["challenge"], c["bits"])}


def submit(client, village, **fields):
    body = {"kind": "投诉", "village": village, "content": "我家的耕地地力保护补贴今年没有到账，村里说已经报上去了。",
            **fresh(client), **fields}
    return client.post("/api/v1/cases", json=body)


def bare_site(root: Path) -> Path:
    """site_src's 查询 page rendered into a bare page (the real site is built by the site stage)."""
    text = PAGE.read_text(encoding="utf-8")
    front = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    text = text[front.end():]
    body = markdown.markdown(text, extensions=["md_in_html", "attr_list"])
    # The page's own scripts are named in its front matter (yk_scripts), loaded at the end as the site does.
    assert yaml.safe_load(front.group(1))["yk_scripts"] == [SCRIPT.name]
    body += f'<script src="../assets/{SCRIPT.name}" defer></script>'
    (root / "chaxun").mkdir(parents=True)
    (root / "assets").mkdir()
    shutil.copyfile(SCRIPT, root / "assets" / "lookup.js")
    (root / "chaxun" / "index.html").write_text(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>个人补贴发放结果查询</title>'
        f'<style>body{{font-size:20px;font-family:sans-serif;max-width:46rem;margin:0 auto;padding:1rem}}</style>'
        f"</head><body>{body}</body></html>", encoding="utf-8")
    return root
