"""Headless Debian Chromium through Playwright (never a browser download)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path

from tests.helpers import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_dir(root: Path, prefix: str = ""):
    """Serve `root` on loopback, optionally under a sub-path (/prefix/...)."""
    handler = functools.partial(_Quiet, directory=str(root.parent if prefix else root))
    if prefix:
        link = root.parent / prefix
        if not link.exists():
            link.symlink_to(root.name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/" + (f"{prefix}/" if prefix else "")
    finally:
        server.shutdown()


_playwright = None


def _driver():
    """One Playwright per process: a second sync_playwright() while another is running (a module's
    browser fixture still open when xdist hands this worker a test of another module) fails with
    "using Playwright Sync API inside the asyncio loop"."""
    global _playwright
    if _playwright is None:
        from playwright.sync_api import sync_playwright

        _playwright = sync_playwright().start()
        atexit.register(_playwright.stop)
    return _playwright


@contextlib.contextmanager
def browser():
    b = _driver().chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        yield b
    finally:
        b.close()


def screenshot(url: str, out: Path, width: int = 1280, js: bool = True, full_page: bool = True) -> None:
    with browser() as b:
        page = b.new_page(viewport={"width": width, "height": 900}, java_script_enabled=js)
        page.goto(url)
        page.screenshot(path=str(out), full_page=full_page)


if __name__ == "__main__":
    import sys
    import time

    root, paths = Path(sys.argv[1]), sys.argv[2:]
    with serve_dir(root) as base, browser() as b:
        for spec in paths:
            path, _, width = spec.partition("@")
            for js in (True,):
                page = b.new_page(viewport={"width": int(width or 1280), "height": 900}, java_script_enabled=js)
                page.goto(base + path)
                time.sleep(0.3)
                name = "/tmp/shot-" + (path.strip("/").replace("/", "_") or "home") + f"-{width or 1280}.png"
                page.screenshot(path=name, full_page=True)
                print(name)
