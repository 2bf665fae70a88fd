"""Squid's native access.log format:

    time elapsed remotehost code/status bytes method URL rfc931 peerstatus/peerhost type
    1764925502.123    523 10.1.2.3 TCP_TUNNEL/200 5120 CONNECT chatgpt.com:443 alice HIER_DIRECT/1.2.3.4 -

The user is the ident/auth field (else the client address). The bytes field is what Squid sent to the
client: the native format records no upload size, so bytes_out is 0 (log `%>st` in a custom format and
read it with `--format csv` to get uploads)."""

from __future__ import annotations

import re

from bastion.shadow.catalogue import split_url
from bastion.shadow.events import BadLine, Event

SNIFF = re.compile(r"^\d{9,11}(?:\.\d+)?\s+-?\d+\s+\S+\s+[A-Z_]+/\d{3}\s+\d+\s+[A-Z_]+\s+\S+")


class SquidParser:
    name = "squid"
    has_bytes_out = False

    def parse(self, line: str) -> Event | None:
        parts = line.split()
        if not parts:
            return None
        if len(parts) < 7 or "/" not in parts[3]:
            raise BadLine("not a Squid native line")
        try:
            when = float(parts[0])
        except ValueError:
            raise BadLine(f"bad time {parts[0][:40]!r}") from None
        if not parts[4].isdigit():
            raise BadLine(f"bad byte count {parts[4][:20]!r}")
        url = parts[6]
        if "/" in url or "@" in url or url.startswith("["):
            host, path = split_url(url)
        else:  # CONNECT host:port, most of a proxy's lines
            host, path = url.partition(":")[0].rstrip(".").lower(), ""
        if not host:
            raise BadLine("no host in the URL")
        user = parts[7] if len(parts) > 7 and parts[7] != "-" else parts[2]
        return Event(when, user, host, path, 0)
