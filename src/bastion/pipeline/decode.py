"""Stage 2: parse and check the request body of the inbound API (clear 400s, never a crash)."""

from __future__ import annotations

from typing import Any

import orjson

from bastion.context import RequestContext
from bastion.errors import BadRequest


def _require(body: dict[str, Any], field: str, kind: type | tuple[type, ...], what: str) -> None:
    value = body.get(field)
    if value is None:
        raise BadRequest(f"'{field}' is required", param=field, code="missing_required_parameter")
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadRequest(f"'{field}' must be {what}", param=field, code="invalid_type")


def _check_messages(body: dict[str, Any]) -> None:
    _require(body, "messages", list, "an array of messages")
    if not body["messages"]:
        raise BadRequest("'messages' must contain at least one message", param="messages")
    for i, msg in enumerate(body["messages"]):
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
            raise BadRequest(f"messages[{i}] must be an object with a 'role'", param=f"messages[{i}]")


def check_body(api: str, body: dict[str, Any]) -> None:
    _require(body, "model", str, "a string")
    if api == "openai.chat":
        _check_messages(body)
    elif api == "anthropic.messages":
        _check_messages(body)
        _require(body, "max_tokens", int, "an integer")
    elif api == "openai.embeddings":
        _require(body, "input", (str, list), "a string or an array")
    elif api == "openai.responses" and body.get("input") is None and body.get("previous_response_id") is None:
        raise BadRequest("'input' is required", param="input", code="missing_required_parameter")
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise BadRequest("'stream' must be a boolean", param="stream", code="invalid_type")


class DecodeStage:
    name = "decode"

    async def run(self, ctx: RequestContext) -> None:
        raw = ctx.annotations.pop("raw_body", b"")
        if not raw:
            raise BadRequest("the request body is empty; send a JSON object")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"the request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        check_body(ctx.api, body)
        ctx.body = body
        ctx.model = body["model"]
        ctx.stream = body.get("stream") is True
