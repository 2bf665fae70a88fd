"""The pieces relay scanners (`ClientApi.scanner`) are built from. A scanner looks at a run of complete
SSE events as bytes, with a few substring searches (C speed, no per-event Python work), and returns the
offset of the first byte that may belong to an event the relay has to parse: a stop reason, usage, an
error, the terminator, anything it cannot rule out. Everything before the event holding that byte is
relayed exactly as received (`bastion.pipeline.relay`).

A scanner may err only towards "read it": a false alarm (the word `"error"` inside answer text, a
`"finish_reason": null` written with a space) costs a parse, never a missed event."""

from __future__ import annotations


def first_not_null(buf: bytes, key: bytes, null: bytes, value: bytes, end: int) -> int:
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


def earliest(*offsets: int) -> int:
    found = [o for o in offsets if o >= 0]
    return min(found) if found else -1
