"""DNS and secure-web-gateway query logs: BIND's query log, and Cloudflare Gateway's Logpush JSON lines
(the DNS dataset's `QueryName`, or the HTTP dataset's `HTTPHost`/`URL`). Every query counts as a request;
DNS carries no upload size.

    05-Dec-2026 09:15:02.123 queries: info: client @0x7f1c 10.1.2.3#53211 (chatgpt.com): query: chatgpt.com IN A +E(0) (10.0.0.1)
    {"Datetime":"2026-12-05T09:15:02Z","QueryName":"chatgpt.com","SrcIP":"10.1.2.3","Email":"alice@example.com"}
"""  # noqa: E501

from __future__ import annotations

import re
from typing import Any

import orjson

from bastion.shadow.catalogue import split_url
from bastion.shadow.events import NO_TIME, BadLine, Event, parse_time, to_int

_BIND = re.compile(
    r"^(?:(?P<time>\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?) )?.*?"
    r"client (?:@\S+ )?(?P<client>[0-9A-Fa-f.:]+)#\d+(?: \([^)]*\))?: (?:view \S+: )?"
    r"query: (?P<name>\S+) IN (?P<type>\S+)"
)
JSON_KEYS = ("QueryName", "HTTPHost")


def looks_like_bind(line: str) -> bool:
    return " query: " in line and "client " in line and _BIND.match(line) is not None


def looks_like_cloudflare(data: dict[str, Any]) -> bool:
    return any(k in data for k in JSON_KEYS) or ("URL" in data and "Datetime" in data)


class DnsParser:
    name = "dns"
    has_bytes_out = False

    def parse(self, line: str) -> Event | None:
        text = line.strip()
        if not text:
            return None
        if text[0] == "{":
            return _cloudflare(text)
        m = _BIND.match(text)
        if m is None:
            if " query: " not in text:
                return None  # other BIND categories (lame-servers, resolver...) in the same file
            raise BadLine("not a BIND query line")
        when = parse_time(m["time"]) if m["time"] else NO_TIME
        name = m["name"].rstrip(".").lower()
        return Event(when, m["client"], name, "", 0)


def _cloudflare(text: str) -> Event:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadLine("bad JSON") from None
    if not isinstance(data, dict):
        raise BadLine("a JSON line must be an object")
    host, path = "", ""
    if data.get("QueryName"):
        host = str(data["QueryName"]).rstrip(".").lower()
    elif data.get("URL"):
        host, path = split_url(str(data["URL"]))
    if data.get("HTTPHost"):
        host = split_url(str(data["HTTPHost"]))[0]
    if not host:
        raise BadLine("no QueryName, HTTPHost or URL")
    raw_time = data.get("Datetime", data.get("Timestamp"))
    when = parse_time(str(raw_time)) if raw_time is not None else NO_TIME
    user = next((data[k] for k in ("Email", "UserEmail", "SrcIP", "SourceIP") if data.get(k)), "unknown")
    size = to_int(str(data["RequestBytes"])) if "RequestBytes" in data else 0
    return Event(when, str(user), host, path, size)
