"""The console on loopback against a throwaway clone of the tiny dataset, a client that holds its
cookie, and the raw exports the tests upload (a messy GBK one with errors, and its fixed version)."""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from generator.console.server import ConsoleServer
from tests.gitrepo import commit, git, init_repo
from tests.golden import TINY, TINY_PEOPLE, FakePerson, fake_card, fake_id, person_row, raw_csv
from tests.helpers import REPO

DEMO = {"HUINONG_DEMO": "1"}


def clone_of_tiny(tmp: Path) -> Path:
    """A clone (with a bare remote, as a clerk's checkout has) of a repository holding the tiny data/."""
    origin = init_repo(tmp / "origin")
    shutil.copytree(TINY / "data", origin / "data")
    shutil.copy2(REPO / ".gitignore", origin / ".gitignore")
    commit(origin, "初始数据")
    git(tmp, "clone", "-q", "--bare", str(origin), str(tmp / "remote.git"))
    git(tmp, "clone", "-q", str(tmp / "remote.git"), str(tmp / "clone"))
    return tmp / "clone"


class Running:
    """ConsoleServer (the class the CLI runs) in a thread."""

    def __init__(self, repo: Path, env: dict[str, str] | None = None, site_url: str | None = None):
        self.server = ConsoleServer(repo, env=DEMO if env is None else env, site_url=site_url)
        self.base = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Running":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the console did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()
        self.thread.join(10)

    @contextlib.contextmanager
    def client(self, login: bool = True, **kw) -> Iterator[httpx.Client]:
        """A client; ``login``: it opened the first URL, so it holds the cookie."""
        with httpx.Client(base_url=self.base, timeout=60, **kw) as c:
            if login:
                r = c.get(self.server.url)
                assert r.status_code == 303, r.text
            yield c


@contextlib.contextmanager
def live_site(commit: str, status: int = 200) -> Iterator[str]:
    """A site on loopback whose /api/v1/version answers as the lookup service does (its own model),
    with ``commit`` as the data version; ``status`` other than 200: the error shape instead."""
    import http.server
    import json

    from lookup_api.models import DataVersion, Version

    version = Version(api="1.0.0", data_version=DataVersion(commit=commit, built_at="2026-12-01T08:00:00+08:00",
                                                            dirty=False, label=f"2026-12-01 · {commit[:7]}"),
                      records=5, first_year=2024, last_year=2024)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/api/v1/version" and status == 200
            body = (version.model_dump_json() if ok else json.dumps({"code": "unavailable", "message": "x",
                                                                     "request_id": "r"})).encode()
            self.send_response(200 if ok else (status if status != 200 else 404))
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def post(client: httpx.Client, url: str, origin: str | None = "same", **kw) -> httpx.Response:
    """A POST as the console's own page sends it (its Origin), unless ``origin`` says otherwise."""
    headers = kw.pop("headers", {})
    if origin == "same":
        headers["origin"] = str(client.base_url).rstrip("/")
    elif origin is not None:
        headers["origin"] = origin
    return client.post(url, headers=headers, **kw)


def seen_of(html: str) -> str:
    return re.search(r'name="seen" value="([^"]+)"', html).group(1)


def upload(client: httpx.Client, name: str, data: bytes, **fields: str) -> httpx.Response:
    page = client.get("/daoru/")
    return post(client, "/daoru/", data={"csrf": csrf_of(page.text), **fields},
                files={"file": (name, data, "application/octet-stream")})


# ------------------------------------------------------------------- raw exports

P = TINY_PEOPLE
ZHAO = FakePerson(fake_id("410421", "19900101", 55), "赵丽", fake_card(6), "中国农业银行", "410421100201")
QIAN = FakePerson(fake_id("410421", "19881010", 66), "钱学森", fake_card(7), "中国农业银行", "410421100202")
#: Everyone in the exports (张𠮷 is left out: 𠮷 is not in GBK).
PEOPLE = (P[0], P[1], P[2], P[4], ZHAO, QIAN)
RAW_NAME = "宝丰县耕地地力保护补贴2025年发放明细.csv"


def _row(p: FakePerson, **over) -> dict:
    return person_row(p, **{"发放日期": "2025-05-20", **over})


def _bad_check_digit(id18: str) -> str:
    return id18[:17] + ("0" if id18[17] != "0" else "1")


#: (line, field) of every error planted in the messy export.
PLANTED = (
    (3, "身份证号"), (4, "姓名"), (4, "发放金额"), (5, "卡号"), (6, "发放日期"), (7, "村"),
)


def messy_rows() -> list[dict]:
    return [
        _row(P[0], 社保卡号=" ".join(re.findall(".{1,4}", P[0].card)), 发放金额="３６７.５０"),  # spaced, full-width: fine
        _row(P[1], 身份证号码=_bad_check_digit(P[1].id18)),
        _row(P[2], 姓名=P[2].name + "1", 发放金额="abc"),
        _row(P[4], 社保卡号=P[4].card[:-1] + str((int(P[4].card[-1]) + 1) % 10)),
        _row(ZHAO, 发放日期="2025-13-01"),
        _row(QIAN, 村="不存在村"),
    ]


def fixed_rows() -> list[dict]:
    """The messy export corrected, with what the cross-check must flag: one person paid twice on
    two cards (一人多卡, 重复发放), an amount off its standard, a payment outside 5-6月."""
    return [
        _row(P[0]),
        _row(P[1], 发放数量="2", 发放金额="210.00"),
        _row(P[2], 发放金额="400.00"),  # 3.5 × 105 = 367.50
        _row(P[4], 发放日期="2025-08-01"),  # NY001 pays in 5-6月
        _row(ZHAO),
        _row(QIAN),
        _row(P[0], 社保卡号=fake_card(99)),
    ]


def gbk(rows: list[dict]) -> bytes:
    return raw_csv(rows).encode("gbk")


def plaintexts() -> list[str]:
    """What no page, file or log of the console may show whole."""
    out = ["13812345678"]
    for p in PEOPLE:
        out += [p.id18, _bad_check_digit(p.id18), p.card, p.name]
    return out


def leaks(text: str) -> list[str]:
    """The plaintext values found in ``text``."""
    return [v for v in plaintexts() if v in text]
