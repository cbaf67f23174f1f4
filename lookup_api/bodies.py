"""Request bodies read as JSON, with the checks that keep bad input a 422 in the error shape."""

from __future__ import annotations

import json

from lookup_api.errors import ApiError
from lookup_api.inputs import json_depth_ok


def load_json(body: bytes):
    """The JSON value of a request body; ApiError(422 invalid_json) for anything else, too deep included."""
    if not json_depth_ok(body):
        raise ApiError(422, "invalid_json", "提交的 JSON 层次太深。")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(422, "invalid_json", "提交的内容不是有效的 JSON。") from None
