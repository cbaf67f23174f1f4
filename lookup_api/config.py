"""Settings from the environment (pydantic-settings).

    HUINONG_KEY / HUINONG_KEY_FILE / HUINONG_DEMO   the secret key, exactly as the generator reads it
    LOOKUP_DB               path of lookup.sqlite                    (public/lookup.sqlite)
    LOOKUP_SITE_DIR         static site served at / when it exists; empty: none (API only)   (public/site)
    LOOKUP_TRUSTED_PROXIES  comma-separated IPs/CIDRs whose X-Forwarded-For is believed   (none)
    LOOKUP_RATE_CLIENT      lookups per client IP                    (10/minute;100/day)
    LOOKUP_RATE_ID          lookups per queried ID number without a proof-of-work   (5/minute;20/day)
    LOOKUP_RATE_ID_NOJS     answers to the sum past a budget (ID, 件号, staff username), per client (5/minute;20/day)
    LOOKUP_POW_BITS         proof-of-work past such a budget, in bits; it grows by one at 1, 2, 4… attempts
                            past the budget that day, by LOOKUP_POW_EXTRA bits at most     (16, 3)
    LOOKUP_RATE_SEARCH      policy searches per client IP            (60/minute)
    LOOKUP_RATE_STORAGE     limits storage URI: memory:// or redis://host:port/db   (memory://)
    LOOKUP_SITE_ORIGIN      the site's origin allowed by CORS, e.g. https://yikatong.example.gov.cn  (none)
    LOOKUP_MAX_BODY         largest request body in bytes            (4096)
    LOOKUP_AUDIT_LOG        audit log file, or "-" for stderr        (-)

咨询与投诉 (cases):
    CASES_DATABASE_URL      postgresql://user:pass@host/db; unset: SQLite at LOOKUP_CASES_DB
    LOOKUP_CASES_DB         the SQLite file, outside the built site  (var/cases.sqlite)
    CASES_FERNET_KEY / CASES_FERNET_KEY_FILE   key encrypting contact details (demo key only with HUINONG_DEMO=1)
    LOOKUP_RATE_CASES       case submissions per client, with the proof-of-work   (5/minute;30/day)
    LOOKUP_RATE_CASES_NOJS  submissions per client answering the sum instead      (3/minute;10/day)
    LOOKUP_RATE_CASE_VIEW   follow-up views and ratings per client                (30/minute;300/day)
    LOOKUP_RATE_CASE_NUMBER follow-up attempts per 件号 before a proof-of-work     (20/hour;60/day)
    LOOKUP_RATE_LOGIN       staff logins per client; per username before a proof-of-work (10/minute;100/day)
    LOOKUP_CASES_POW_BITS   proof-of-work difficulty in bits                     (17)
    LOOKUP_CASES_MAX_BODY   largest body for the case and staff forms, bytes     (32768)
    LOOKUP_STAFF_SESSION_HOURS  staff session lifetime                           (8)
    LOOKUP_COOKIE_SECURE    true/false; unset: Secure except on plain-HTTP loopback (make run)
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from huinong_core.keys import Keyer, load_key

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
    rate_id_nojs: str = "5/minute;20/day"
    pow_bits: int = Field(16, ge=0, le=26)
    pow_extra: int = Field(3, ge=0, le=8)
    rate_search: str = "60/minute"
    rate_storage: str = "memory://"
    site_origin: str | None = None
    max_body: int = Field(4096, ge=256, le=1_048_576)
    audit_log: str = "-"

    cases_database_url: SecretStr | None = Field(
        None, validation_alias=AliasChoices("CASES_DATABASE_URL", "cases_database_url"))
    cases_db: Path = Path("var/cases.sqlite")
    cases_fernet_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("CASES_FERNET_KEY", "cases_fernet_key"))
    cases_fernet_key_file: str | None = Field(
        None, validation_alias=AliasChoices("CASES_FERNET_KEY_FILE", "cases_fernet_key_file"))
    rate_cases: str = "5/minute;30/day"
    rate_cases_nojs: str = "3/minute;10/day"
    rate_case_view: str = "30/minute;300/day"
    rate_case_number: str = "20/hour;60/day"
    rate_login: str = "10/minute;100/day"
    cases_pow_bits: int = Field(17, ge=0, le=26)
    cases_max_body: int = Field(32768, ge=4096, le=1_048_576)
    staff_session_hours: float = Field(8, gt=0, le=24 * 7)
    cookie_secure: bool | None = None

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

    def cases_url(self) -> str:
        from lookup_api.cases.store import database_url

        url = self.cases_database_url.get_secret_value() if self.cases_database_url else None
        return database_url(url, self.cases_db)

    def contact_cipher(self):
        """The Fernet key for contact details (demo key only in demo mode); raises KeyConfigError."""
        from lookup_api.cases.secrets import load_fernet

        env: dict[str, str] = {}
        if self.cases_fernet_key is not None:
            env["CASES_FERNET_KEY"] = self.cases_fernet_key.get_secret_value()
        if self.cases_fernet_key_file:
            env["CASES_FERNET_KEY_FILE"] = self.cases_fernet_key_file
        if self.huinong_demo:
            env["HUINONG_DEMO"] = "1"
        return load_fernet(env)


def get_settings() -> Settings:
    return Settings()
