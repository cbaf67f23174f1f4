"""Settings from the environment (pydantic-settings).

    HUINONG_KEY / HUINONG_KEY_FILE / HUINONG_DEMO   the secret key, exactly as the generator reads it
    LOOKUP_DB               path of lookup.sqlite                    (public/lookup.sqlite)
    LOOKUP_SITE_DIR         static site served at / when it exists; empty: none (API only)   (public/site)
    LOOKUP_TRUSTED_PROXIES  comma-separated IPs/CIDRs whose X-Forwarded-For is believed   (none)
    LOOKUP_RATE_CLIENT      lookups per client IP                    (10/minute;100/day)
    LOOKUP_RATE_ID          lookups per queried ID number            (5/minute;20/day)
    LOOKUP_RATE_SEARCH      policy searches per client IP            (60/minute)
    LOOKUP_RATE_STORAGE     limits storage URI: memory:// or redis://host:port/db   (memory://)
    LOOKUP_SITE_ORIGIN      the site's origin allowed by CORS, e.g. https://yikatong.example.gov.cn  (none)
    LOOKUP_MAX_BODY         largest request body in bytes            (4096)
    LOOKUP_AUDIT_LOG        audit log file, or "-" for stderr        (-)
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from generator.keys import Keyer, load_key

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOOKUP_", extra="ignore", populate_by_name=True)

    huinong_key: SecretStr | None = Field(None, validation_alias=AliasChoices("HUINONG_KEY", "huinong_key"))
    huinong_key_file: str | None = Field(None, validation_alias=AliasChoices("HUINONG_KEY_FILE", "huinong_key_file"))
    huinong_demo: bool = Field(False, validation_alias=AliasChoices("HUINONG_DEMO", "huinong_demo"))

    db: Path = Path("public/lookup.sqlite")
    site_dir: Path | None = Path("public/site")
    trusted_proxies: Annotated[list[Network], NoDecode] = []
    rate_client: str = "10/minute;100/day"
    rate_id: str = "5/minute;20/day"
    rate_search: str = "60/minute"
    rate_storage: str = "memory://"
    site_origin: str | None = None
    max_body: int = Field(4096, ge=256, le=1_048_576)
    audit_log: str = "-"

    @field_validator("site_dir", mode="before")
    @classmethod
    def _no_site(cls, value):
        # LOOKUP_SITE_DIR= (empty) means "API only", not Path("") = the working directory.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value):
        if isinstance(value, str):
            value = [v for v in value.replace(" ", ",").split(",") if v]
        return [ipaddress.ip_network(v, strict=False) if isinstance(v, str) else v for v in value]

    def keyer(self) -> Keyer:
        """The key, with the generator's rules (demo key only in demo mode); raises KeyConfigError."""
        env: dict[str, str] = {}
        if self.huinong_key is not None:
            env["HUINONG_KEY"] = self.huinong_key.get_secret_value()
        if self.huinong_key_file:
            env["HUINONG_KEY_FILE"] = self.huinong_key_file
        if self.huinong_demo:
            env["HUINONG_DEMO"] = "1"
        return load_key(env)


def get_settings() -> Settings:
    return Settings()
