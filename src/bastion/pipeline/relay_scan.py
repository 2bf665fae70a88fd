"""Where the relay must start reading a same-format stream. Most events of a stream only carry answer text,
and when the client speaks the provider's format and nothing counts that text, the relay has nothing to
do with them but pass them on. Each scanner looks at a run of complete SSE events as bytes, with a few
substring searches (C speed, no per-event Python work), and returns the offset of the first byte that may
belong to an event the relay has to parse: a stop reason, usage, an error, the terminator, anything it
cannot rule out. Everything before the event holding that byte is relayed exactly as received.

A scanner may err only towards "read it": a false alarm (the word `"error"` inside answer text, a
`"finish_reason": null` written with a space) costs a parse, never a missed event."""

from __future__ import annotations

from collections.abc import Callable

# (end) -> first offset < end to read, or -1
Scanner = Callable[[bytes, int], int]


def _first_not_null(buf: bytes, key: bytes, null: bytes, value: bytes, end: int) -> int:
    """The first `key` in buf[:end] that is not written exactly as `null` (`"key":null`), or -1. `value`
    (`"key":"` or `"key":{`) is how a serialiser writes a present value when it writes null as `null`:
    searched first, as one producer writes all its events alike."""
    n = buf.count(key, 0, end)
    if not n or n == buf.count(null, 0, end):
        return -1
    at = buf.find(value, 0, end)
    if at >= 0:
        return at
    at = buf.find(key, 0, end)  # written some other way (spaces): look at each one
    while at >= 0 and buf.startswith(null, at):
        at = buf.find(key, at + len(key), end)
    return at


def _earliest(*offsets: int) -> int:
    found = [o for o in offsets if o >= 0]
    return min(found) if found else -1


def scan_openai_chat(buf: bytes, end: int) -> int:
    """OpenAI chat chunks: `[DONE]`, an error (an `error` key or an `event: error`), a stop reason or usage
    is read; plain delta chunks (`"finish_reason":null`, no usage or `"usage":null`) are not. The stop
    reason is looked for first: the other searches only need to cover what comes before it."""
    at = _first_not_null(buf, b'"finish_reason"', b'"finish_reason":null', b'"finish_reason":"', end)
    bound = end if at < 0 else at
    usage = buf.find(b'"usage"', 0, bound)
    if usage >= 0:
        usage = _first_not_null(buf, b'"usage"', b'"usage":null', b'"usage":{', bound)
    return _earliest(at, usage, buf.find(b"[DONE]", 0, bound), buf.find(b"error", 0, bound))


def scan_anthropic_messages(buf: bytes, end: int) -> int:
    """Anthropic message events: every `message_*` event (start and delta carry usage and the stop
    reason, stop ends the stream) and anything mentioning an error is read; content block events and
    pings are not."""
    return _earliest(buf.find(b"message_", 0, end), buf.find(b"error", 0, end))


SCANNERS: dict[str, Scanner] = {
    "openai.chat": scan_openai_chat,
    "anthropic.messages": scan_anthropic_messages,
}
