"""Lines arriving one by one (the events API, the syslog listener) -> Events.

A line may be: a log line in a known format (sniffed per line when the format is `auto`), possibly behind
a syslog header; or a JSON object, either one of Bastion's own events
`{"time", "user", "host" | "url", "bytes_out"}`, a log shipper's envelope holding the raw line in
`message` (or `log`, `line`), or a Cloudflare/Zeek JSON record."""

from __future__ import annotations

import re
from typing import Any

import orjson

from bastion.shadow.catalogue import split_url
from bastion.shadow.events import NO_TIME, BadLine, Event, parse_time
from bastion.shadow.formats import Parser, make_parser, sniff_line

_PRI = re.compile(r"^(?:\d+ )?<\d{1,3}>")  # an optional octet count, then <PRI>
_RFC3164 = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (?:\S+ )?[^\s:\[]+(?:\[\d+\])?: ?")
_RFC5424 = re.compile(r"^1 \S+ \S+ \S+ \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?")
_ENVELOPE = ("message", "log", "line")


def strip_syslog(line: str) -> str:
    """The message of an RFC 3164 or RFC 5424 syslog line (the line itself when it has no header)."""
    m = _PRI.match(line)
    if m is None:
        return line
    rest = line[m.end() :]
    header = _RFC5424.match(rest) or _RFC3164.match(rest)
    return rest[header.end() :] if header else rest


class LineReader:
    def __init__(self, fmt: str = "auto", columns: dict[str, str] | None = None) -> None:
        self.fmt = fmt
        self.columns = columns
        self._parsers: dict[str, Parser] = {}
        self._last = ""

    def read(self, line: str) -> Event | None:
        """An Event, None for nothing to count (blank, header), or BadLine."""
        text = line.strip()
        if not text:
            return None
        if text[0] == "{":
            try:
                data = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise BadLine("bad JSON") from None
            if not isinstance(data, dict):
                raise BadLine("a JSON line must be an object")
            for key in _ENVELOPE:
                if isinstance(data.get(key), str):
                    return self.raw(strip_syslog(data[key]))
            if "host" in data or "url" in data:
                return _native(data)
        return self.raw(strip_syslog(text))

    def raw(self, text: str) -> Event | None:
        fmt = self.fmt
        if fmt == "auto":
            # a line of no recognisable shape continues the last format (a Zeek row after its #fields)
            fmt = sniff_line(text) or self._last
            if not fmt:
                raise BadLine("not a line of any known log format")
            self._last = fmt
        parser = self._parsers.get(fmt)
        if parser is None:
            parser = self._parsers[fmt] = make_parser(fmt, self.columns)
        return parser.parse(text)


def _native(data: dict[str, Any]) -> Event:
    host, path = split_url(str(data.get("url") or ""))
    if data.get("host"):
        host = split_url(str(data["host"]))[0]
    if not host:
        raise BadLine("no host or url")
    raw_time = data.get("time")
    when = parse_time(str(raw_time)) if raw_time not in (None, "") else NO_TIME
    size = data.get("bytes_out", 0) or 0
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise BadLine("bytes_out must be a non-negative integer")
    user = str(data.get("user") or data.get("client") or "unknown")
    return Event(when, user[:200], host, path, size)
