"""Counting matched events per service and per user, in memory bounded by the number of distinct
(service, user) pairs, never by the size of the logs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bastion.shadow.catalogue import Catalogue
from bastion.shadow.events import iso


@dataclass(slots=True)
class ServiceTally:
    requests: int = 0
    bytes_out: int = 0
    users: set[str] = field(default_factory=set)
    first: float = math.inf
    last: float = -math.inf


@dataclass(slots=True)
class UserTally:
    requests: int = 0
    bytes_out: int = 0
    services: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Tally:
    services: dict[str, ServiceTally] = field(default_factory=dict)
    users: dict[str, UserTally] = field(default_factory=dict)

    def add(self, service: str, user: str, when: float, bytes_out: int, requests: int = 1) -> None:
        s = self.services.get(service)
        if s is None:
            s = self.services[service] = ServiceTally()
        s.requests += requests
        s.bytes_out += bytes_out
        s.users.add(user)
        if not math.isnan(when):
            s.first = min(s.first, when)
            s.last = max(s.last, when)
        u = self.users.get(user)
        if u is None:
            u = self.users[user] = UserTally()
        u.requests += requests
        u.bytes_out += bytes_out
        u.services.add(service)

    def report(self, catalogue: Catalogue) -> dict[str, Any]:
        """The `--json` document: services by requests (then name), users by requests."""
        services = []
        for sid, s in sorted(self.services.items(), key=lambda kv: (-kv[1].requests, kv[0])):
            info = catalogue.describe(sid)
            services.append({
                "service": sid, "name": info["name"], "vendor": info["vendor"], "category": info["category"],
                "sanctioned": catalogue.is_sanctioned(sid), "users": len(s.users), "requests": s.requests,
                "bytes_out": s.bytes_out,
                "first_seen": iso(s.first) if math.isfinite(s.first) else None,
                "last_seen": iso(s.last) if math.isfinite(s.last) else None,
            })  # fmt: skip
        users = [
            {"user": name, "services": sorted(u.services), "requests": u.requests, "bytes_out": u.bytes_out}
            for name, u in sorted(self.users.items(), key=lambda kv: (-kv[1].requests, kv[0]))
        ]
        return {"services": services, "users": users}
