"""Zeek logs: http.log (host, uri, request_body_len, username) and ssl.log (server_name: the SNI), as
TSV with their `#fields` header, or as JSON lines (`LogAscii::use_json`). The user is http's username
when set, else the originator address. ssl.log carries no upload size."""

from __future__ import annotations

from typing import Any

import orjson

from bastion.shadow.events import BadLine, Event, parse_time, to_int

MARKERS = ("#separator", "#fields", "#path")


def looks_like_json(data: dict[str, Any]) -> bool:
    return "id.orig_h" in data and ("server_name" in data or "host" in data or "uri" in data)


class ZeekParser:
    name = "zeek"
    has_bytes_out = True

    def __init__(self) -> None:
        self.sep = "\t"
        self.fields: dict[str, int] = {}
        self.unset = "-"
        self.empty = "(empty)"

    def parse(self, line: str) -> Event | None:
        text = line.rstrip("\r\n")
        if not text:
            return None
        if text[0] == "#":
            self._directive(text)
            return None
        if text[0] == "{":
            return self._json(text)
        if not self.fields:
            raise BadLine("a data line before the #fields header")
        values = text.split(self.sep)
        if len(values) != len(self.fields):
            raise BadLine(f"{len(values)} fields, the header names {len(self.fields)}")
        return self._event({k: values[i] for k, i in self.fields.items() if k in _WANTED})

    def _directive(self, text: str) -> None:
        if text.startswith("#separator"):
            raw = text.split(" ", 1)[1] if " " in text else "\\x09"
            self.sep = raw.encode().decode("unicode_escape")
            return
        name, _, rest = text.partition(self.sep)
        if name == "#fields":
            self.fields = {f: i for i, f in enumerate(rest.split(self.sep))}
        elif name == "#unset_field":
            self.unset = rest
        elif name == "#empty_field":
            self.empty = rest

    def _json(self, text: str) -> Event | None:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise BadLine("bad JSON") from None
        if not isinstance(data, dict):
            raise BadLine("a JSON line must be an object")
        return self._event({k: "" if data.get(k) is None else str(data[k]) for k in _WANTED if k in data})

    def _event(self, row: dict[str, str]) -> Event | None:
        unset = (self.unset, self.empty, "")
        host = row.get("host", unset[0])
        path = row.get("uri", "")
        if host in unset:
            host = row.get("server_name", unset[0])
            path = ""
        if host in unset:
            return None  # a TLS connection without SNI, an HTTP/1.0 request without Host: nothing to name
        if "ts" not in row:
            raise BadLine("no ts")
        user = row.get("username", unset[0])
        if user in unset:
            user = row.get("id.orig_h", "unknown")
        size = row.get("request_body_len", "0")
        host = host.split(":", 1)[0].rstrip(".").lower() if not host.startswith("[") else host
        return Event(parse_time(row["ts"]), user, host, "" if path in unset else path, to_int(size))


_WANTED = ("ts", "id.orig_h", "host", "uri", "server_name", "username", "request_body_len")
