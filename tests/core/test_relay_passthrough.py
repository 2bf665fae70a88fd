"""Same-format streams: the events the relay has no use for are passed on as the bytes received, without
parsing (the API's `scanner`, `bastion.apis`). Differential tests: for every way the upstream bytes can be cut
into reads, the client gets exactly the bytes, the outcome (finished, failed, usage) and the counted
answer text it gets when every event is parsed."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from bastion.apis import registry
from bastion.apis.anthropic_messages import scan as scan_anthropic_messages
from bastion.apis.openai_chat import scan as scan_openai_chat
from bastion.context import RequestContext
from bastion.pipeline.relay import StreamRelay
from bastion.sse import SseEvent, SseParser
from bastion.translate import build_codecs


def _oa(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
    chunk = {"id": "c1", "object": "chat.completion.chunk", "model": "m", "choices": [
        {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}  # fmt: skip
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


WORDS = [f"word{i} " for i in range(12)] + ['a "quoted" error ', "usage: none ", "[DONE] is text "]
USAGE = (
    b"data: "
    + orjson.dumps(
        {
            "id": "c1",
            "choices": [],
            "usage": {"prompt_tokens": 7, "completion_tokens": 15, "total_tokens": 22},
        }
    )
    + b"\n\n"
)
DONE = b"data: [DONE]\n\n"
OPENAI_BODY = [_oa({"role": "assistant", "content": ""})] + [_oa({"content": w}) for w in WORDS]
OPENAI_STREAMS = {
    "usage": b"".join([*OPENAI_BODY, _oa({}, "stop"), USAGE, DONE]),
    "usage-null-in-every-chunk": b"".join([
        *(c.replace(b'"choices"', b'"usage":null,"choices"') for c in OPENAI_BODY),
        _oa({}, "stop"), USAGE, DONE,
    ]),
    "no-usage": b"".join([*OPENAI_BODY, _oa({}, "stop"), DONE]),
    "spaced-finish": b"".join([
        *OPENAI_BODY, b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n', DONE
    ]),
    "error-mid-stream": b"".join([*OPENAI_BODY[:5], b'data: {"error":{"message":"overloaded"}}\n\n']),
    "error-event": b"".join([*OPENAI_BODY[:5], b'event: error\ndata: {"message":"overloaded"}\n\n']),
    "cut-off": b"".join(OPENAI_BODY),
    "crlf": b"".join([*OPENAI_BODY, _oa({}, "stop"), DONE]).replace(b"\n", b"\r\n"),
    "comments-and-ids": b"".join([
        b": keep-alive\n\n", *(b"id: 1\n" + c for c in OPENAI_BODY), _oa({}, "stop"), DONE
    ]),
}  # fmt: skip


def _an(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps({"type": name, **data}) + b"\n\n"


ANTHROPIC_START = [
    _an("message_start", {"message": {"id": "m1", "role": "assistant", "content": [],
                                      "usage": {"input_tokens": 9, "output_tokens": 1}}}),
    _an("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
    _an("ping", {}),
]  # fmt: skip
ANTHROPIC_DELTAS = [
    _an("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": w}}) for w in WORDS
]
ANTHROPIC_END = [
    _an("content_block_stop", {"index": 0}),
    _an("message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 15}}),
    _an("message_stop", {}),
]
ANTHROPIC_STREAMS = {
    "complete": b"".join([*ANTHROPIC_START, *ANTHROPIC_DELTAS, *ANTHROPIC_END]),
    "error-mid-stream": b"".join([
        *ANTHROPIC_START, *ANTHROPIC_DELTAS[:4],
        _an("error", {"error": {"type": "overloaded_error", "message": "busy"}}),
    ]),
    "cut-off": b"".join([*ANTHROPIC_START, *ANTHROPIC_DELTAS]),
    "deltas-only": b"".join(ANTHROPIC_DELTAS),  # no usage anywhere: the answer text is counted
}  # fmt: skip


def _cuts(data: bytes, how: str) -> list[bytes]:
    if how == "whole":
        return [data]
    if how == "per-event":
        parts = data.replace(b"\r\n", b"\n").split(b"\n\n")
        sep = b"\r\n\r\n" if b"\r\n" in data else b"\n\n"
        return [p + sep for p in parts[:-1] if p] or [data]
    if how.startswith("every-"):
        n = int(how.removeprefix("every-"))
        return [data[i : i + n] for i in range(0, len(data), n)]
    rng = random.Random(how)
    cuts = sorted(rng.sample(range(1, len(data)), 12))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


CUTS = ["whole", "per-event", "every-1", "every-7", "every-64", "seed-1", "seed-2", "seed-3"]


@dataclass
class _Ticket:
    streamed_chars: int = 0
    count_text: bool = True


@dataclass
class _Outcome:
    client: bytes
    completed: bool
    error: str | None
    usage: Any
    chars: int


async def _relay(api: str, body: dict[str, Any], reads: list[bytes], passthrough: bool) -> _Outcome:
    ctx = RequestContext("r1", registry.get(api), body, {})
    ctx.model = "m"
    ctx.admission = _Ticket()
    wire = "openai" if api == "openai.chat" else "anthropic"
    relay = StreamRelay(build_codecs(), ctx, wire, None)  # type: ignore[arg-type]
    if not passthrough:
        relay.scan = None
    assert relay.scan is not None or not passthrough

    async def upstream() -> AsyncIterator[bytes]:
        for r in reads:
            yield r

    out: list[bytes] = []
    async for batch in relay.batches(upstream()):
        out.extend(item if isinstance(item, bytes) else item.encode() for item in batch)
    return _Outcome(
        b"".join(out),
        ctx.stream_completed,
        ctx.error.message if ctx.error else None,
        ctx.usage,
        ctx.admission.streamed_chars,
    )


def _normalised(stream: bytes) -> bytes:
    """The stream's events re-encoded one by one (what the relay sends when it parses everything)."""
    return b"".join(ev.encode() for ev in [*SseParser().feed(stream), *SseParser().close()])


async def _passthrough_as_parsed(api: str, body: dict[str, Any], reads: list[bytes]) -> _Outcome:
    """Relays `reads` passed through and fully parsed; asserts both give the client the same events and
    outcome (and, without usage, the same counted text). Returns the pass-through outcome."""
    fast = await _relay(api, body, reads, passthrough=True)
    slow = await _relay(api, body, reads, passthrough=False)
    assert _normalised(fast.client) == slow.client
    assert (fast.completed, fast.error, fast.usage) == (slow.completed, slow.error, slow.usage)
    if fast.usage is None:  # answer text is counted only for a stream without usage
        assert fast.chars == slow.chars
    return fast


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("name", list(OPENAI_STREAMS))
@pytest.mark.parametrize("include_usage", [True, False])
async def test_openai_chat_passthrough_matches_parsing(name: str, cut: str, include_usage: bool) -> None:
    stream = OPENAI_STREAMS[name]
    body: dict[str, Any] = {"model": "m", "stream": True}
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    fast = await _passthrough_as_parsed("openai.chat", body, _cuts(stream, cut))
    if name in ("usage", "no-usage") and cut != "every-1":
        assert fast.client.startswith(OPENAI_BODY[0])  # passed on as received
    if name.startswith("error") or name == "cut-off":
        assert fast.error is not None and not fast.completed
    else:
        assert fast.completed and fast.error is None


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("name", list(ANTHROPIC_STREAMS))
async def test_anthropic_passthrough_matches_parsing(name: str, cut: str) -> None:
    body = {"model": "m", "stream": True, "max_tokens": 10}
    fast = await _passthrough_as_parsed("anthropic.messages", body, _cuts(ANTHROPIC_STREAMS[name], cut))
    assert fast.completed == (name == "complete")


async def test_text_of_passed_events_is_counted_when_usage_is_missing() -> None:
    out = await _relay("openai.chat", {"model": "m", "stream": True}, [OPENAI_STREAMS["no-usage"]], True)
    assert out.usage is None and out.chars == sum(len(w) for w in WORDS)
    with_usage = await _relay("openai.chat", {"model": "m", "stream": True}, [OPENAI_STREAMS["usage"]], True)
    # the provider's usage counts: the events passed on were never parsed, only those from the first word
    # that looks like something the relay must read (a false alarm, read to be sure) on
    assert with_usage.usage is not None and with_usage.chars == sum(len(w) for w in WORDS[12:])


NOTABLE = [
    _oa({}, "stop"),
    _oa({}, "length"),
    b'data: {"choices":[{"delta":{},"finish_reason" : "stop"}]}\n\n',
    USAGE,
    DONE,
    b'data: {"error":{"message":"x"}}\n\n',
    b'event: error\ndata: {"message":"x"}\n\n',
]


@pytest.mark.parametrize("event", NOTABLE)
def test_openai_scanner_finds_every_event_the_relay_reads(event: bytes) -> None:
    plain = b"".join(OPENAI_BODY[:13])  # no false alarms in these words
    buf = plain + event + plain
    at = scan_openai_chat(buf, len(buf))
    assert len(plain) <= at < len(plain) + len(event)
    assert scan_openai_chat(plain, len(plain)) == -1


def test_anthropic_scanner_reads_message_events_only() -> None:
    deltas = b"".join(ANTHROPIC_DELTAS[:12])  # no false alarms in these words
    assert scan_anthropic_messages(deltas, len(deltas)) == -1
    for event in (ANTHROPIC_START[0], *ANTHROPIC_END[1:]):
        buf = deltas + event
        assert scan_anthropic_messages(buf, len(buf)) >= len(deltas)


def test_split_keeps_an_incomplete_event_for_the_next_read() -> None:
    parser = SseParser()
    first, second = OPENAI_BODY[1], OPENAI_BODY[2]
    passed, parsed = parser.feed_split(first + second[:10], scan_openai_chat)
    assert (passed, parsed) == (first, [])
    passed, parsed = parser.feed_split(second[10:], scan_openai_chat)
    assert (passed, parsed) == (second, [])
    passed, parsed = parser.feed_split(DONE, scan_openai_chat)
    assert passed == b"" and parsed == [SseEvent(None, None, b"[DONE]")]
