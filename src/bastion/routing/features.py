"""Cheap request features for strategies: estimated prompt size, requested output, tools present, inbound
API, streaming. Read from what earlier stages already hold; no tokenizer, no second parse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bastion.context import RequestContext

DEFAULT_OUTPUT_TOKENS = 256  # assumed reply size when the request sets no limit
_SIZE_BUCKETS = ((1_000, "s"), (8_000, "m"), (32_000, "l"))


@dataclass(slots=True, frozen=True)
class RequestFeatures:
    api: str
    stream: bool
    prompt_tokens: int  # estimated: body bytes / 4
    max_tokens: int | None
    tools: bool

    @classmethod
    def of(cls, ctx: RequestContext) -> RequestFeatures:
        size = len(ctx.raw_body)
        body = ctx.body
        return cls(
            ctx.api.name,
            ctx.stream,
            size // 4,
            ctx.api.max_output_tokens(body) or None,
            bool(body.get("tools")),
        )

    @property
    def output_tokens(self) -> int:
        return self.max_tokens or DEFAULT_OUTPUT_TOKENS

    @property
    def size_bucket(self) -> str:
        for limit, name in _SIZE_BUCKETS:
            if self.prompt_tokens < limit:
                return name
        return "xl"

    def context(self, names: Sequence[str]) -> str:
        """The adaptive strategy's context key, e.g. "api=<ctx.api.name>|size=s|tools=0"."""
        parts = []
        for name in names:
            if name == "api":
                parts.append("api=" + self.api)
            elif name == "prompt_size":
                parts.append("size=" + self.size_bucket)
            elif name == "tools":
                parts.append("tools=" + ("1" if self.tools else "0"))
            elif name == "stream":
                parts.append("stream=" + ("1" if self.stream else "0"))
        return "|".join(parts) or "*"
