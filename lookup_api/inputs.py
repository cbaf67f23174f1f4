"""Bounded checks of what arrives over HTTP: bad input is refused, never a 500.

``str.isdigit`` is true for "²" and "①", which ``int()`` refuses; ``json.loads`` recurses once per
nested array, so 1,900 "[" in a 4 KB body end in RecursionError.  Both happened (issue 18).
"""

from __future__ import annotations

import unicodedata

#: Our bodies are flat objects (a lookup, a case, a rating); a little room for clients that wrap them.
MAX_JSON_DEPTH = 16


def ascii_int(text: str | None, max_digits: int) -> int | None:
    """The number in ``text`` after NFKC (full-width digits become ASCII), or None when it is not
    1..max_digits ASCII digits."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value or len(value) > max_digits or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def json_depth_ok(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when no array or object in ``body`` nests deeper than ``limit``.

    A linear scan that skips strings, so it runs before ``json.loads`` and never recurses."""
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return True
