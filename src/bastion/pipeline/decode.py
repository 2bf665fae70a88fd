"""Stage 2: parse the request body and have the inbound API (`ctx.api`) check it (clear 400s, never a
crash)."""

from __future__ import annotations

import orjson

from bastion.context import RequestContext
from bastion.errors import BadRequest


class DecodeStage:
    name = "decode"

    async def run(self, ctx: RequestContext) -> None:
        raw, ctx.raw_body = ctx.raw_body, b""  # parsed once; the bytes are not kept
        if not raw:
            raise BadRequest("the request body is empty; send a JSON object")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"the request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        ctx.api.check(body)
        ctx.body = body
        ctx.model, ctx.stream = ctx.api.call(body, ctx.params)
