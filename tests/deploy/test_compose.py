"""deploy/compose.yaml and the Dockerfile cannot run here (no Docker daemon): check that they agree
with each other, with deploy/nginx.conf and with what lookup_api reads."""

from __future__ import annotations

import ipaddress
import os
import json
import re
from pathlib import PurePosixPath
from urllib.parse import urlparse

import pytest
import yaml

from lookup_api.config import Settings
from tests.deploy.stack import DOCKERFILE, NGINX_CONF, marked
from tests.helpers import REPO

COMPOSE = REPO / "deploy" / "compose.yaml"
API = ("api1", "api2")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def dockerfile() -> tuple[list[str], dict[str, str]]:
    """The Dockerfile's instructions (continuation lines joined) and its ENV values."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    env = {}
    for line in lines:
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S*)", line[4:])))
    return lines, env


def nginx_setting(what: str) -> list[str]:
    text = NGINX_CONF.read_text(encoding="utf-8")
    return [text.splitlines()[i].split("#")[0].strip().rstrip(";") for i in marked(text, what)]


def mounts(service: dict) -> list[tuple[str, str, bool]]:
    out = []
    for v in service.get("volumes", []):
        parts = v.split(":")
        out.append((parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
    return out


def mounted(service: dict, path: str) -> tuple[str, str, bool]:
    """The mount a container path lies under."""
    for source, target, ro in mounts(service):
        if PurePosixPath(path).is_relative_to(target):
            return source, target, ro
    raise AssertionError(f"{path} is not under any volume of the service")


def cmd_port() -> int:
    lines, _ = dockerfile()
    cmd = json.loads(next(line for line in lines if line.startswith("CMD "))[4:])
    return int(cmd[cmd.index("--port") + 1])


def test_services(compose):
    assert set(compose["services"]) == {"nginx", "redis", "postgres", *API}
    for name in (*API, "redis", "postgres"):
        assert "ports" not in compose["services"][name], f"{name} must be reachable only through nginx"


def test_api_environment_is_what_lookup_api_reads(compose, monkeypatch):
    names = {f"LOOKUP_{field.upper()}" for field in Settings.model_fields if not field.startswith("huinong")}
    names |= {"HUINONG_KEY", "HUINONG_KEY_FILE", "HUINONG_DEMO"}
    # 咨询与投诉: read by their own names (lookup_api/config.py aliases), and libpq's password file.
    names |= {"CASES_DATABASE_URL", "CASES_FERNET_KEY", "CASES_FERNET_KEY_FILE", "PGPASSFILE"}
    _, image_env = dockerfile()
    for name in API:
        env = compose["services"][name]["environment"]
        unknown = set(env) - names - {"WEB_CONCURRENCY"}  # the worker count (lookup_api/server.py)
        assert not unknown, unknown
        for key in list(os.environ):
            if key.startswith(("LOOKUP_", "HUINONG_")):
                monkeypatch.delenv(key)
        for key, value in {**image_env, **env}.items():
            monkeypatch.setenv(key, str(value))
        settings = Settings()  # parses: trusted proxies, paths, limits storage URI
        assert settings.site_dir is None
        storage = urlparse(settings.rate_storage)
        assert storage.scheme == "redis" and storage.hostname == "redis" and storage.port == 6379
        assert settings.trusted_proxies, "X-Forwarded-For from nginx must be believed"
        secrets = compose["services"][name]["secrets"]
        assert env["HUINONG_KEY_FILE"] == "/run/secrets/" + secrets[0]
        assert {env["CASES_FERNET_KEY_FILE"], env["PGPASSFILE"]} == {f"/run/secrets/{s}" for s in secrets[1:]}
        assert set(secrets) <= set(compose["secrets"])
        url = urlparse(settings.cases_url())
        assert url.scheme.startswith("postgresql") and url.hostname == "postgres" and url.password is None


def test_the_build_output_is_mounted_read_only_above_public(compose):
    api = compose["services"]["api1"]
    db = api["environment"]["LOOKUP_DB"]
    source, target, ro = mounted(api, db)
    assert ro and PurePosixPath(db).name == "lookup.sqlite"
    # `build` replaces public/ by a rename: the mount must be the directory holding it.
    assert PurePosixPath(db).parent.name == "public" and PurePosixPath(target) != PurePosixPath(db).parent
    [root] = [r.split()[1] for r in nginx_setting("root")]
    nginx = compose["services"]["nginx"]
    n_source, n_target, n_ro = mounted(nginx, root)
    assert n_ro and (n_source, n_target) == (source, target)
    assert PurePosixPath(root) == PurePosixPath(db).parent / "site"


def test_nginx_conf_matches_the_services(compose):
    nginx = compose["services"]["nginx"]
    source, target, ro = next(m for m in mounts(nginx) if m[0].endswith("nginx.conf"))
    assert (COMPOSE.parent / source).resolve() == NGINX_CONF and ro
    assert re.fullmatch(r"/etc/nginx/conf\.d/[\w.-]+\.conf", target)  # included in http {} by the image
    [listen] = nginx_setting("listen")
    assert any(p.split(":")[-1] == listen.split()[1] for p in nginx["ports"])
    servers = {line.split()[1] for line in nginx_setting("api")}
    assert servers == {f"{name}:{cmd_port()}" for name in API}


def test_trusted_proxy_is_nginx_and_addresses_are_in_the_network(compose):
    subnet = ipaddress.ip_network(compose["networks"]["backend"]["ipam"]["config"][0]["subnet"])
    address = {name: ipaddress.ip_address(s["networks"]["backend"]["ipv4_address"])
               for name, s in compose["services"].items() if isinstance(s.get("networks"), dict)}
    assert set(address) == {"nginx", *API} and all(a in subnet for a in address.values())
    for name in API:
        trusted = Settings(trusted_proxies=compose["services"][name]["environment"]["LOOKUP_TRUSTED_PROXIES"])
        assert [address["nginx"] in net for net in trusted.trusted_proxies] == [True]
        assert not any(address[a] in net for net in trusted.trusted_proxies for a in API)


def test_dockerfile(compose):
    lines, env = dockerfile()
    assert lines[0] == "FROM python:3.11-slim"
    [user] = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert user not in ("root", "0")
    health = next(line for line in lines if line.startswith("HEALTHCHECK "))
    assert f"127.0.0.1:{cmd_port()}/api/v1/health" in health
    cmd = json.loads(next(line for line in lines if line.startswith("CMD "))[4:])
    assert cmd[:3] == ["python", "-m", "lookup_api"]
    from lookup_api.server import OPTIONS  # what the command gives uvicorn
    assert OPTIONS["access_log"] is False and OPTIONS["proxy_headers"] is False
    assert env["LOOKUP_DB"] == compose["services"]["api1"]["environment"]["LOOKUP_DB"]
    # What the image copies is let through by .dockerignore; the secret key file never is.
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8")
    for line in lines:
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert f"!{src.rstrip('/')}" in ignore.replace("/\n", "\n"), src
    secret = compose["secrets"]["huinong_key"]["file"]
    assert secret.endswith(".key")  # git-ignored (*.key) and outside what the image copies


def test_health_route_exists():
    from lookup_api.main import create_app

    app = create_app(Settings(huinong_demo=True, site_dir=None))
    assert "get" in app.openapi()["paths"]["/api/v1/health"]
