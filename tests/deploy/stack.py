"""The deployment of deploy/ run on loopback (the `stack` fixture of tests/deploy/conftest.py):
real nginx (Debian package) running deploy/nginx.conf, API processes started with the Dockerfile's
command line, and a redis-server.

deploy/nginx.conf marks the lines an operator adapts with "# SET: <what>"; `render_nginx` replaces
exactly those lines (and fails if the file no longer has them), so the tests run the real file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.golden import TINY
from tests.helpers import REPO, free_port

NGINX_CONF = REPO / "deploy" / "nginx.conf"
DOCKERFILE = REPO / "Dockerfile"
SUBPATH = "/yikatong/"
#: Lookups per client in the shared window; low, so the limit is reached in a few requests.
CLIENT_LIMIT = 4


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (shutil.which("nginx", path="/usr/sbin:/usr/local/sbin"))


def marked(text: str, what: str) -> list[int]:
    """Lines of directives (not comment lines) marked '# SET: what'."""
    return [i for i, line in enumerate(text.splitlines())
            if not line.lstrip().startswith("#") and re.search(rf"#\s*SET:\s*{what}\b", line)]


def render_nginx(*, listen: int, api_ports: list[int], root: Path, log: Path, prefix: str = "/") -> str:
    """deploy/nginx.conf with the marked lines set for this machine (and, optionally, a sub-path)."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    lines = text.splitlines()
    for what, expected in (("listen", 1), ("root", 1), ("log", 1), ("api", None), ("prefix", None)):
        found = marked(text, what)
        assert found and (expected is None or len(found) == expected), f"deploy/nginx.conf: '# SET: {what}' lines"
    indent = lambda line: line[: len(line) - len(line.lstrip())]  # noqa: E731
    api_lines = marked(text, "api")
    template = lines[api_lines[0]]
    servers = [re.sub(r"server\s+\S+", f"server 127.0.0.1:{p}", template, count=1) for p in api_ports]
    for i in reversed(api_lines[1:]):
        del lines[i]
    lines[api_lines[0]] = "\n".join(servers)
    text = "\n".join(lines)
    lines = text.splitlines()
    for i in marked(text, "listen"):
        lines[i] = f"{indent(lines[i])}listen 127.0.0.1:{listen};"
    for i in marked(text, "root"):
        lines[i] = f"{indent(lines[i])}root {root};"
    for i in marked(text, "log"):
        lines[i] = f"{indent(lines[i])}access_log {log} huinong;"
    if prefix != "/":
        # What docs/deploy.md tells an operator: the prefix in front of the path on every such line.
        for i in marked(text, "prefix"):
            new, n = re.subn(r"(location|error_page [0-9 =]+)\s+/", rf"\1 {prefix}", lines[i], count=1)
            assert n == 1, lines[i]
            lines[i] = new
    return "\n".join(lines) + "\n"


def nginx_main_conf(tmp: Path, server_conf: Path) -> str:
    """The http {} around deploy/nginx.conf, as Debian's /etc/nginx/nginx.conf has it, with paths in tmp."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # CI runs as root; workers must read pytest's tmp
    temps = "\n".join(f"    {name}_temp_path {tmp / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}worker_processes 1;
pid {tmp / 'nginx.pid'};
error_log {tmp / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
{temps}
    include {server_conf};
}}
"""


def wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}")
            if time.time() > deadline:
                raise RuntimeError(f"{what} did not listen on {port}")
            time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def api_command(port: int) -> list[str]:
    """The Dockerfile's CMD (exec form), on 127.0.0.1:port, with this interpreter."""
    cmd_line = next(line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if line.startswith("CMD "))
    cmd = json.loads(cmd_line[4:])
    assert cmd[:3] == ["python", "-m", "lookup_api"]
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    cmd[cmd.index("--port") + 1] = str(port)
    return [sys.executable, *cmd[1:]]


def start_nginx(tmp: Path, **render) -> tuple[subprocess.Popen, int]:
    binary = nginx_binary()
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server_conf = tmp / "huinong.conf"
    server_conf.write_text(render_nginx(listen=port, log=tmp / "access.log", **render), encoding="utf-8")
    main_conf = tmp / "nginx.conf"
    main_conf.write_text(nginx_main_conf(tmp, server_conf), encoding="utf-8")
    test = subprocess.run([binary, "-t", "-p", str(tmp), "-c", str(main_conf), "-e", str(tmp / "error.log")],
                          capture_output=True, text=True)
    assert test.returncode == 0, test.stderr
    proc = subprocess.Popen([binary, "-p", str(tmp), "-c", str(main_conf), "-e", str(tmp / "error.log"),
                             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, proc, "nginx", 10)
    except RuntimeError:
        stop(proc)
        raise RuntimeError((tmp / "error.log").read_text(errors="replace")[-2000:]) from None
    return proc, port


def build_site(tmp: Path, site_url: str | None = None) -> Path:
    """The tiny dataset built into tmp/public (site/ + lookup.sqlite); about 4 s."""
    from generator.pipeline import build

    data = tmp / "data"
    shutil.copytree(TINY / "data", data)
    if site_url:
        site_yaml = data / "site.yaml"
        text = re.sub(r"(?m)^网址:.*$", f"网址: {site_url}", site_yaml.read_text(encoding="utf-8"))
        site_yaml.write_text(text, encoding="utf-8")
    build(data, tmp / "public", posters=False)
    return tmp / "public"


@dataclass
class Stack:
    public: Path
    redis_port: int
    api_ports: list[int]
    api_procs: list[subprocess.Popen]
    audit_logs: list[Path]
    nginx_port: int
    tmp: Path
    api_envs: list[dict] = field(default_factory=list)
    nginx_proc: subprocess.Popen | None = None

    def start_api(self, i: int) -> None:
        """(Re)start API process i on its port."""
        # Its own process group: the supervisor and its workers die together when a test kills the
        # API process as a crashed container would be (kill_api).
        proc = subprocess.Popen(api_command(self.api_ports[i]), cwd=self.tmp, env=self.api_envs[i],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        if i < len(self.api_procs):
            self.api_procs[i] = proc
        else:
            self.api_procs.append(proc)

    def kill_api(self, i: int) -> None:
        """API process i dies at once, workers and all (SIGKILL to its process group)."""
        os.killpg(self.api_procs[i].pid, signal.SIGKILL)
        self.api_procs[i].wait(10)

    def wait_api(self, i: int) -> None:
        wait_port(self.api_ports[i], self.api_procs[i], "uvicorn")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def client(self, source: str = "127.0.0.2", port: int | None = None, **kw) -> httpx.Client:
        """A client connecting from `source` (any 127.x address is this machine's loopback)."""
        transport = httpx.HTTPTransport(local_address=source)
        base = f"http://127.0.0.1:{port}" if port else self.url
        return httpx.Client(base_url=base, transport=transport, timeout=30, **kw)
