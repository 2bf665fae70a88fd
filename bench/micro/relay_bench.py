"""Same-format SSE relay, in process: an OpenAI chat stream (and an Anthropic one) relayed to a client of
the same format, as the response writer drives it (`RelayEvents.next_batch`). Counts what the gateway's
own code costs per stream; run it under `valgrind --tool=callgrind` to compare instruction counts."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator

import orjson

from bastion.context import RequestContext
from bastion.pipeline.relay import StreamRelay
from bastion.translate import build_codecs

try:  # the API object, or its name before bastion.apis
    from bastion.apis import registry

    def api_of(name: str) -> object:
        return registry.get(name)
except ImportError:
    def api_of(name: str) -> object:
        return name


class Ticket:
    streamed_chars = 0
    count_text = True


def openai_reads(n: int) -> list[bytes]:
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    choices = [[{"index": 0, "delta": {"content": f" word{i}"}, "finish_reason": None}] for i in range(n)]
    chunks = [orjson.dumps({**head, "choices": c}) for c in choices]
    chunks.append(orjson.dumps({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    chunks.append(orjson.dumps({**head, "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": n,
                                                               "total_tokens": n + 5}}))
    events = [b"data: " + c + b"\n\n" for c in chunks] + [b"data: [DONE]\n\n"]
    return [b"".join(events[i:i + 4]) for i in range(0, len(events), 4)]


def anthropic_reads(n: int) -> list[bytes]:
    def ev(name: str, data: dict) -> bytes:
        return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
    message = {"id": "m1", "type": "message", "role": "assistant", "model": "m", "content": [],
               "usage": {"input_tokens": 5, "output_tokens": 1}}  # fmt: skip
    events = [ev("message_start", {"type": "message_start", "message": message}),
              ev("content_block_start", {"type": "content_block_start", "index": 0,
                                         "content_block": {"type": "text", "text": ""}})]
    deltas = [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": f" w{i}"}}
              for i in range(n)]  # fmt: skip
    events += [ev("content_block_delta", d) for d in deltas]
    events += [ev("content_block_stop", {"type": "content_block_stop", "index": 0}),
               ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                    "usage": {"output_tokens": n}}),
               ev("message_stop", {"type": "message_stop"})]
    return [b"".join(events[i:i + 4]) for i in range(0, len(events), 4)]


async def one(codecs: dict, api: str, wire: str, reads: list[bytes], body: dict) -> int:
    ctx = RequestContext("r", api_of(api), body, {})  # type: ignore[arg-type]
    ctx.model = "m"
    ctx.admission = Ticket()  # type: ignore[assignment]

    async def upstream() -> AsyncIterator[bytes]:
        for r in reads:
            yield r

    events = StreamRelay(codecs, ctx, wire, None).run(upstream())  # type: ignore[arg-type]
    size = 0
    while (batch := await events.next_batch()) is not None:
        for item in batch:
            size += len(item) if type(item) is bytes else len(item.encode())
    return size


async def main(streams: int) -> None:
    codecs = build_codecs()
    oa, an = openai_reads(200), anthropic_reads(200)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    t0 = time.process_time()
    for _ in range(streams):
        await one(codecs, "openai.chat", "openai", oa, body)
        await one(codecs, "anthropic.messages", "anthropic", an, {**body, "max_tokens": 10})
    cpu = time.process_time() - t0
    print(f"{streams} x 2 streams of 200 chunks: {cpu * 1e6 / (2 * streams):.1f} us CPU per stream")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
