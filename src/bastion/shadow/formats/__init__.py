"""Log formats: one parser per file, each with `parse(line) -> Event | None` (None: a header, comment or
blank line) raising `BadLine` for lines it cannot read. `sniff` tells a file's format from its first lines.

Adding a format: a module here with a parser class, one line in `FORMATS`, one branch in `sniff_line`,
and a realistic log in tests/shadow/logs/."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

import orjson

from bastion.shadow.events import Event
from bastion.shadow.formats import dns, squid, zeek, zscaler
from bastion.shadow.formats.csvmap import CsvParser


class Parser(Protocol):
    name: str
    has_bytes_out: bool

    def parse(self, line: str) -> Event | None: ...


FORMATS: dict[str, Callable[[dict[str, str] | None], Parser]] = {
    "squid": lambda _cols: squid.SquidParser(),
    "zscaler": lambda _cols: zscaler.ZscalerParser(),
    "dns": lambda _cols: dns.DnsParser(),
    "zeek": lambda _cols: zeek.ZeekParser(),
    "csv": lambda cols: CsvParser(cols or {}),
}
NAMES = ("auto", *FORMATS)


class UnknownFormat(ValueError):
    pass


def make_parser(fmt: str, columns: dict[str, str] | None = None) -> Parser:
    if fmt == "csv" and not columns:
        raise UnknownFormat("--format csv needs --columns (e.g. user=login,host=url,bytes_out=sent,time=ts)")
    return FORMATS[fmt](columns)


def sniff_line(line: str) -> str | None:
    """The format one line looks like, or None."""
    text = line.strip()
    if not text:
        return None
    if text.startswith(zeek.MARKERS):
        return "zeek"
    if text[0] == "{":
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if isinstance(data, dict):
            if dns.looks_like_cloudflare(data):
                return "dns"
            if zeek.looks_like_json(data):
                return "zeek"
        return None
    if squid.SNIFF.match(text):
        return "squid"
    if dns.looks_like_bind(text):
        return "dns"
    if zscaler.looks_like(text):
        return "zscaler"
    return None


def sniff(lines: Iterable[str], has_columns: bool = False) -> str | None:
    """The most common format among the sample lines (a zeek header decides at once); with a column map,
    an unrecognised CSV is `csv`."""
    votes: dict[str, int] = {}
    for line in lines:
        fmt = sniff_line(line)
        if fmt == "zeek" and line.startswith("#"):
            return "zeek"
        if fmt is not None:
            votes[fmt] = votes.get(fmt, 0) + 1
    if votes:
        return max(votes, key=lambda k: votes[k])
    return "csv" if has_columns else None
