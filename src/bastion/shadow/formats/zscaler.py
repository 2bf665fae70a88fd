"""Zscaler NSS web logs, CSV. NSS feed output is configurable: a header row naming the fields is used
when present (Zscaler's field names: time/datetime, login/user, eurl/url, hostname, reqsize, cip...);
without one, the columns follow Zscaler's default CSV web feed:

    "%s{time}","%s{login}","%s{proto}","%s{eurl}","%s{action}","%s{appname}","%s{appclass}","%d{reqsize}",
    "%d{respsize}",...

Times like `Sat Dec 05 09:15:02 2026` are read as UTC (set the feed's time zone to GMT)."""

from __future__ import annotations

import csv
import re

from bastion.shadow.catalogue import split_url
from bastion.shadow.events import BadLine, Event, parse_time, to_int

_TIME = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$")
HEADER_WORDS = {"eurl", "login", "reqsize", "respsize", "appclass", "urlcat", "urlclass", "cip"}
_NAMES = {
    "time": ("time", "datetime", "datetime_utc", "epochtime"),
    "user": ("login", "user", "username", "ologin"),
    "url": ("eurl", "url"),
    "host": ("hostname", "host", "ehost"),
    "bytes_out": ("reqsize", "requestsize", "req_size", "bytes_out"),
    "client": ("cip", "clientip", "client_ip", "src_ip"),
}
_DEFAULT = {"time": 0, "user": 1, "url": 3, "bytes_out": 7}


def looks_like(line: str) -> bool:
    row = next(csv.reader([line]), [])
    if row and _TIME.match(row[0].strip()):
        return True
    return len({c.strip().lower() for c in row} & HEADER_WORDS) >= 2


class ZscalerParser:
    name = "zscaler"
    has_bytes_out = True

    def __init__(self) -> None:
        self.columns: dict[str, int] = dict(_DEFAULT)
        self._started = False
        self._last_time = ("", 0.0)

    def parse(self, line: str) -> Event | None:
        if not line.strip():
            return None
        try:
            row = next(csv.reader([line]))
        except csv.Error as exc:
            raise BadLine(f"bad CSV: {exc}") from None
        if not self._started:
            self._started = True
            lowered = [c.strip().lower() for c in row]
            if len(set(lowered) & HEADER_WORDS) >= 2 or ("time" in lowered and "url" in lowered):
                self.columns = {
                    field: next(lowered.index(n) for n in names if n in lowered)
                    for field, names in _NAMES.items()
                    if any(n in lowered for n in names)
                }
                if "url" not in self.columns and "host" not in self.columns:
                    raise BadLine("the header names no url/eurl/hostname column")
                return None
        cols = self.columns
        if len(row) <= max(cols.values()):
            raise BadLine(f"{len(row)} fields, expected at least {max(cols.values()) + 1}")
        stamp = row[cols["time"]] if "time" in cols else ""
        if stamp == self._last_time[0]:
            when = self._last_time[1]
        else:
            when = parse_time(stamp)
            self._last_time = (stamp, when)
        url = row[cols["url"]] if "url" in cols else ""
        host, path = split_url(url) if url else ("", "")
        if "host" in cols and row[cols["host"]].strip():
            host = split_url(row[cols["host"]])[0]
        if not host:
            raise BadLine("no host")
        user = row[cols["user"]].strip() if "user" in cols else ""
        if not user or user == "-":
            user = row[cols["client"]].strip() if "client" in cols else "unknown"
        size = to_int(row[cols["bytes_out"]].strip()) if "bytes_out" in cols else 0
        return Event(when, user, host, path, size)
