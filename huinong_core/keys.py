"""The secret key and the keyed hashes that stand in for ID and card numbers.

查询键 = HMAC-SHA256(key, ID18 + normalized name)  -- the lookup recomputes it
人员键 = HMAC-SHA256(key, ID18)                     -- links one person's records
卡键   = HMAC-SHA256(key, card number)              -- links one card's records

Each is kept as the first 128 bits in lower-case hex (32 characters): enough
to make collisions impossible in practice at province scale, and half the
size in git.  A department that keys its own list (screening) must do the
same: HMAC-SHA256, hex, first 32 characters.

The key comes from ``HUINONG_KEY`` (the key itself) or ``HUINONG_KEY_FILE``
(a file holding it).  The sample data is keyed with a demo key shipped in
this package and labelled as such; it is refused unless demo mode is on
(``HUINONG_DEMO=1``), so a real deployment cannot start with it by mistake.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from huinong_core.errors import KeyConfigError
from huinong_core.normalize import normalize_name

KEY_HEX_CHARS = 32
#: The key's fingerprint = HMAC-SHA256(key, this text), first 16 hex characters.  Stored with
#: every keyed reference list so that a list keyed with another key is recognised, not
#: silently matched against nothing.  It says nothing usable about the key itself.
FINGERPRINT_PROBE = "huinong:key-fingerprint:v1"
FINGERPRINT_HEX_CHARS = 16
MIN_KEY_BYTES = 32
DEMO_MARK = b"DEMO-KEY-NOT-SECRET"


def demo_key() -> bytes:
    return resources.files("huinong_core").joinpath("resources/demo.key").read_bytes().strip()


def demo_mode(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("HUINONG_DEMO", "").strip().lower() in ("1", "true", "yes", "on")


def load_key(env: Mapping[str, str] = os.environ) -> "Keyer":
    """Read the key from the environment, with the demo-key guard."""
    raw: bytes | None = None
    if env.get("HUINONG_KEY"):
        raw = env["HUINONG_KEY"].strip().encode("utf-8")
    elif env.get("HUINONG_KEY_FILE"):
        path = env["HUINONG_KEY_FILE"]
        try:
            with open(path, "rb") as f:
                raw = f.read().strip()
        except OSError as e:
            raise KeyConfigError(f"无法读取密钥文件 {path}：{e.strerror}") from None
    elif demo_mode(env):
        raw = demo_key()
    if raw is None:
        raise KeyConfigError(
            "未设置密钥：请设置环境变量 HUINONG_KEY（密钥本身）或 HUINONG_KEY_FILE（密钥文件路径）。"
            "仅演示时可设置 HUINONG_DEMO=1 使用示例密钥。"
        )
    is_demo = DEMO_MARK in raw or raw == demo_key()
    if is_demo and not demo_mode(env):
        raise KeyConfigError("这是公开的示例密钥，不能用于真实数据；仅演示时请设置 HUINONG_DEMO=1。")
    if len(raw) < MIN_KEY_BYTES:
        raise KeyConfigError(f"密钥太短（{len(raw)}字节），至少需要{MIN_KEY_BYTES}字节随机内容。")
    return Keyer(raw, is_demo)


@dataclass(frozen=True)
class Keyer:
    """Computes the keyed hashes.  Never prints or stores the key."""

    key: bytes
    is_demo: bool = False

    def __repr__(self) -> str:  # keep the key out of tracebacks and logs
        return f"Keyer(demo={self.is_demo})"

    def _mac(self, message: str) -> str:
        return hmac.new(self.key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]

    def query_key(self, id18: str, name: str) -> str:
        return self._mac(id18 + normalize_name(name))

    def person_key(self, id18: str) -> str:
        return self._mac(id18)

    def card_key(self, card: str) -> str:
        return self._mac(card)

    def fingerprint(self) -> str:
        return self._mac(FINGERPRINT_PROBE)[:FINGERPRINT_HEX_CHARS]
