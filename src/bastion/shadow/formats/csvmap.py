"""Any CSV export with a column map: `user=login,host=dest,bytes_out=sent,time=ts` (`url=` instead of, or
with, `host=`). Columns are header names (the first row is then the header) or 1-based numbers."""

from __future__ import annotations

import csv

from bastion.shadow.catalogue import split_url
from bastion.shadow.events import NO_TIME, BadLine, Event, parse_time, to_int

FIELDS = ("user", "host", "url", "bytes_out", "time", "client")


def parse_columns(spec: str | dict[str, str]) -> dict[str, str]:
    """`user=a,host=b` -> {"user": "a", "host": "b"}; raises ValueError naming what is wrong."""
    pairs = spec if isinstance(spec, dict) else {
        key: column for key, _, column in (part.partition("=") for part in spec.split(",") if part.strip())
    }
    out: dict[str, str] = {}
    for raw_key, raw_column in pairs.items():
        key, column = raw_key.strip(), str(raw_column).strip()
        if key not in FIELDS:
            raise ValueError(f"--columns: unknown field {key!r} (use {', '.join(FIELDS)})")
        if not column:
            raise ValueError(f"--columns: {key}= names no column")
        out[key] = column
    if "host" not in out and "url" not in out:
        raise ValueError("--columns must map host= or url=")
    return out


class CsvParser:
    name = "csv"

    def __init__(self, columns: dict[str, str]) -> None:
        self.spec = columns
        self.by_name = not all(c.isdigit() for c in columns.values())
        self.index: dict[str, int] = {} if self.by_name else {k: int(c) - 1 for k, c in columns.items()}
        if any(i < 0 for i in self.index.values()):
            raise ValueError("--columns: column numbers start at 1")
        self.has_bytes_out = "bytes_out" in columns

    def parse(self, line: str) -> Event | None:
        if not line.strip():
            return None
        try:
            row = next(csv.reader([line]))
        except csv.Error as exc:
            raise BadLine(f"bad CSV: {exc}") from None
        if not self.index:
            header = [c.strip() for c in row]
            missing = [c for c in self.spec.values() if c not in header]
            if missing:
                raise BadLine(f"the header has no column {', '.join(missing)}")
            self.index = {k: header.index(c) for k, c in self.spec.items()}
            return None
        idx = self.index
        if len(row) <= max(idx.values()):
            raise BadLine(f"{len(row)} fields, expected at least {max(idx.values()) + 1}")
        host, path = "", ""
        if "url" in idx:
            host, path = split_url(row[idx["url"]].strip())
        if "host" in idx and row[idx["host"]].strip():
            host = split_url(row[idx["host"]].strip())[0]
        if not host:
            raise BadLine("no host")
        user = row[idx["user"]].strip() if "user" in idx else ""
        if not user or user == "-":
            user = row[idx["client"]].strip() if "client" in idx else "unknown"
        when = parse_time(row[idx["time"]]) if "time" in idx else NO_TIME
        size = to_int(row[idx["bytes_out"]].strip()) if "bytes_out" in idx else 0
        return Event(when, user, host, path, size)
