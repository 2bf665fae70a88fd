"""Server-sent events: an incremental parser for upstream bytes and the encoder for client bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(slots=True)
class SseEvent:
    """One event. `raw` is the data payload exactly as received (relayed untouched when `data` was not
    changed); `data` is the parsed JSON payload or None (e.g. OpenAI's `[DONE]`).

    A stage that changes `data` must set `raw = None` so the event is re-serialised."""

    event: str | None
    data: Any = None
    raw: bytes | None = None

    @classmethod
    def of(cls, data: Any, event: str | None = None) -> SseEvent:
        return cls(event, data, None)

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return orjson.dumps(self.data)

    def encode(self) -> bytes:
        if self.event is None:
            return b"data: " + self.payload() + b"\n\n"
        return b"event: " + self.event.encode() + b"\ndata: " + self.payload() + b"\n\n"


class SseParser:
    """Feeds arbitrary byte chunks, yields complete events (handles LF and CRLF, multi-line data)."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[SseEvent]:
        buf = self._buf + chunk if self._buf else chunk
        # `find`, not `in`: CPython's bytes `in` first tries the operand as an int and formats (then
        # discards) a TypeError each time, which costs more than the search on a hot path
        if buf.find(b"\r") >= 0:
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        blocks = buf.split(b"\n\n")
        self._buf = blocks.pop()  # the incomplete tail (b"" when the chunk ended on an event boundary)
        out: list[SseEvent] = []
        loads, decode_error = orjson.loads, orjson.JSONDecodeError
        for block in blocks:
            if block.startswith(b"data: ") and block.find(b"\n") < 0:  # the common one-line event
                raw = block[6:]
                if raw == b"[DONE]":
                    data = None
                else:
                    try:
                        data = loads(raw)
                    except decode_error:
                        data = None
                out.append(SseEvent(None, data, raw))
                continue
            ev = _parse_block(block)
            if ev is not None:
                out.append(ev)
        return out

    def feed_split(self, chunk: bytes, scan: Callable[[bytes, int], int]) -> tuple[bytes, list[SseEvent]]:
        """`feed`, for a relay that passes most events on untouched: the complete events before the first one
        `scan` points into come back as their bytes, exactly as received (never parsed); that event and
        the complete ones after it are parsed. `scan(buf, end)` returns an offset below `end` (where the
        complete events stop), or -1 when nothing up to `end` needs reading."""
        buf = self._buf + chunk if self._buf else chunk
        if buf.find(b"\r") >= 0:  # CR line ends: normalised by the parser, so parsed
            self._buf = b""
            return b"", self.feed(buf)
        end = buf.rfind(b"\n\n")
        if end < 0:
            self._buf = buf
            return b"", []
        end += 2
        at = scan(buf, end)
        if at < 0:
            self._buf = buf[end:]
            return buf[:end], []
        start = buf.rfind(b"\n\n", 0, at)
        start = 0 if start < 0 else start + 2
        self._buf = b""
        return buf[:start], self.feed(buf[start:])

    def close(self) -> list[SseEvent]:
        """Whatever remains when the stream ends without a final blank line."""
        rest, self._buf = self._buf.strip(), b""
        if not rest:
            return []
        ev = _parse_block(rest)
        return [ev] if ev is not None else []


def _parse_block(block: bytes) -> SseEvent | None:
    event: str | None = None
    data_lines: list[bytes] = []
    for line in block.split(b"\n"):
        if line.startswith(b"data:"):
            v = line[5:]
            data_lines.append(v[1:] if v.startswith(b" ") else v)
        elif line.startswith(b"event:"):
            event = line[6:].strip().decode("utf-8", "replace")
        # comments (":") and id/retry fields are ignored
    if not data_lines:
        return None
    raw = data_lines[0] if len(data_lines) == 1 else b"\n".join(data_lines)
    return SseEvent(event, _load(raw), raw)


def _load(raw: bytes) -> Any:
    if raw == b"[DONE]":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
