"""Secrets of the cases: contact details encrypted with Fernet, the 查询码 as a keyed hash.

The Fernet key comes from ``CASES_FERNET_KEY`` (the key: 32 bytes, URL-safe
base64, as ``Fernet.generate_key()`` prints) or ``CASES_FERNET_KEY_FILE``.
Like the HMAC key (huinong_core/keys.py), a demo key exists only for
``HUINONG_DEMO=1``: it is derived from the public demo key, so anyone can
decrypt what it encrypted, and it is refused outside demo mode.
Several keys may be given, separated by spaces or commas: the first
encrypts, all decrypt (key rotation, cryptography's MultiFernet).  After a
rotation, ``python -m generator cases rekey`` (rekey.py) re-encrypts the
stored values with the first key, so that the old one can be dropped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from huinong_core.errors import KeyConfigError
from huinong_core.keys import demo_key, demo_mode

#: 查询码 alphabet: no 0/O, 1/I/L, so it can be read out over the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def demo_fernet_key() -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(b"cases-fernet|" + demo_key()).digest())


def load_fernet(env: Mapping[str, str]) -> "ContactCipher":
    raw: str | None = None
    if env.get("CASES_FERNET_KEY"):
        raw = env["CASES_FERNET_KEY"]
    elif env.get("CASES_FERNET_KEY_FILE"):
        path = env["CASES_FERNET_KEY_FILE"]
        try:
            with open(path, encoding="ascii") as f:
                raw = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise KeyConfigError(f"无法读取联系方式加密密钥文件 {path}：{getattr(e, 'strerror', None) or e}") from None
    elif demo_mode(env):
        raw = demo_fernet_key().decode()
    if raw is None:
        raise KeyConfigError(
            "未设置联系方式加密密钥：请设置环境变量 CASES_FERNET_KEY（密钥本身）或 CASES_FERNET_KEY_FILE（密钥文件路径）。"
            "生成密钥：python -m generator cases keygen。仅演示时可设置 HUINONG_DEMO=1 使用示例密钥。")
    keys = [k for k in raw.replace(",", " ").split() if k]
    fernets = []
    for k in keys:
        if k.encode() == demo_fernet_key() and not demo_mode(env):
            raise KeyConfigError("这是公开的示例加密密钥，不能用于真实数据；仅演示时请设置 HUINONG_DEMO=1。")
        try:
            fernets.append(Fernet(k.encode()))
        except (ValueError, TypeError):
            raise KeyConfigError("联系方式加密密钥格式不对：应为 32 字节、URL 安全的 Base64 文本"
                                 "（python -m generator cases keygen 生成）。") from None
    if not fernets:
        raise KeyConfigError("联系方式加密密钥为空。")
    return ContactCipher(MultiFernet(fernets), fernets[0])


class ContactCipher:
    def __init__(self, fernet: MultiFernet, primary: Fernet):
        self._fernet = fernet
        self._primary = primary  # the first key: it encrypts

    def __repr__(self) -> str:
        return "ContactCipher()"

    def encrypt(self, text: str | None) -> bytes | None:
        return None if text is None else self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(bytes(token)).decode("utf-8")
        except InvalidToken:
            return "（无法解密：密钥不对）"

    def decrypt_strict(self, token: bytes) -> str:
        """For cookies: raises InvalidToken on anything not made by us."""
        return self._fernet.decrypt(token).decode("utf-8")

    def rotate(self, token: bytes) -> bytes | None:
        """``token`` encrypted with the first key, or None when it already is (nothing to rewrite).

        Raises InvalidToken when no configured key decrypts it.  The new token keeps the original
        timestamp (MultiFernet.rotate).
        """
        token = bytes(token)
        try:
            self._primary.decrypt(token)
            return None
        except InvalidToken:
            return self._fernet.rotate(token)


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a person types: lower case, spaces, dashes, full-width letters all fine."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(c for c in text if c.isalnum())


def show_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_hash(key: bytes, number: str, code: str) -> str:
    """The stored form of a 查询码: HMAC with the server key, bound to its 件号."""
    return hmac.new(key, f"case-code|{number}|{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(key: bytes, number: str, code: str, stored: str | None) -> bool:
    """Constant time; with no case (stored is None) the same work is done and False returned."""
    computed = code_hash(key, number, code)
    return hmac.compare_digest(computed, stored if stored is not None else "0" * len(computed)) and stored is not None
