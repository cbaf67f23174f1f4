"""Running the console: loopback only, a token in the first URL, no access log."""

from __future__ import annotations

import os
import socket
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path

import uvicorn

from generator.console.app import make_console
from generator.console.main import create_app
from huinong_core.errors import HuinongError

#: What --host may name: the console serves the clerk's own browser and nobody else.
LOOPBACK = ("127.0.0.1", "localhost")


class NotLoopback(HuinongError):
    """The console was asked to listen on an address other computers could reach."""


class ConsoleServer:
    """The console on 127.0.0.1: the socket is bound here (port 0: any free one) so the app knows
    its port, and with it the Host and Origin it accepts, before the first request."""

    def __init__(self, repo: Path, host: str = "127.0.0.1", port: int = 0, env: Mapping[str, str] = os.environ,
                 site_url: str | None = None):
        if host not in LOOPBACK:
            raise NotLoopback(f"工作台只能在本机地址 127.0.0.1 上运行（收到 {host}）：它能写入数据目录，不能让其他电脑访问。")
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.socket.bind(("127.0.0.1", port))
        except OSError as e:
            self.socket.close()
            raise HuinongError(f"端口 {port} 已被占用（{e.strerror}）：换一个端口，或不写 --port 自动选择。") from None
        self.port = self.socket.getsockname()[1]
        try:
            self.console = make_console(repo, self.port, env, site_url)
        except HuinongError:
            self.socket.close()
            raise
        self.url = f"http://127.0.0.1:{self.port}/?token={self.console.token}"
        # No access log: a URL names an upload and a batch; errors are logged by the guard without data.
        config = uvicorn.Config(create_app(self.console), log_level="warning", access_log=False, server_header=False,
                                proxy_headers=False, lifespan="off")
        self.server = uvicorn.Server(config)

    def run(self, when_started: Callable[[], None] | None = None) -> None:
        """Serve until Ctrl+C (or ``stop``); ``when_started`` runs once requests are answered."""
        if when_started is not None:
            threading.Thread(target=self._after_start, args=(when_started,), daemon=True).start()
        self.server.run(sockets=[self.socket])

    def _after_start(self, then: Callable[[], None]) -> None:
        while not self.server.started:
            if self.server.should_exit:
                return
            time.sleep(0.05)
        then()

    def stop(self) -> None:
        self.server.should_exit = True

    def open_browser(self) -> None:
        webbrowser.open(self.url)
