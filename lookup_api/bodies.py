"""Request bodies read as JSON, with the checks that keep bad input a 422 in the error shape."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

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


def is_json(content_type: str | None) -> bool:
    content_type = (content_type or "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


class JsonBody(APIRoute):
    """A route whose body is a pydantic model, which FastAPI validates (errors.py words its failures),
    read with this project's checks first: 415 for another content type, ``invalid_json`` for a body
    that is no JSON or nests too deep (FastAPI's own reading answers 400 for bytes that are no UTF-8,
    and a 500 from RecursionError for deep nesting)."""

    #: The 415 message: where the other way in is.
    not_json = "请用 JSON 提交（Content-Type: application/json）。"

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            if self.body_field is not None:
                if not is_json(request.headers.get("content-type")):
                    raise ApiError(415, message=self.not_json)
                load_json(await request.body())  # at most max_body bytes: parsed twice, it is cheap
            return await handler(request)

        return checked
