"""Gateways with shadow-AI discovery on (SQLite and PostgreSQL; UDP and TCP syslog), a webhook receiver on
127.0.0.1, and helpers to post events and read the views."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from fakes import Fakes
from fakes.loop import LoopThread
from harness import ADMIN_KEY, Gateway, auth, free_port, fresh_pg_database, gateway_config

LARGE_UPLOAD = 1_000_000
MAX_BATCH = 200_000


@dataclass
class Receiver:
    """A webhook receiver: every JSON body POSTed to /hook is kept."""

    thread: LoopThread
    runner: web.AppRunner
    url: str
    alerts: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls) -> Receiver:
        thread = LoopThread("webhook")
        holder: list[Receiver] = []

        async def hook(request: web.Request) -> web.Response:
            body = await request.json()
            with holder[0].lock:
                holder[0].alerts.append(body)
            return web.Response(status=204)

        async def serve() -> tuple[web.AppRunner, int]:
            app = web.Application()
            app.router.add_post("/hook", hook)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        runner, port = thread.run(serve())
        holder.append(cls(thread, runner, f"http://127.0.0.1:{port}/hook"))
        return holder[0]

    def of(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [a for a in self.alerts if a.get("type") == kind]

    def stop(self) -> None:
        self.thread.run(self.runner.cleanup())
        self.thread.stop()


@dataclass
class ShadowGateway:
    gw: Gateway
    backend: str
    protocol: str
    syslog_port: int
    receiver: Receiver
    db_path: Path | None

    @property
    def url(self) -> str:
        return self.gw.url

    def post(self, body: bytes | str, key: str = ADMIN_KEY, **params: str) -> httpx.Response:
        data = body.encode() if isinstance(body, str) else body
        return httpx.post(self.url + "/admin/shadow/events", content=data, params=params, headers=auth(key),
                          timeout=30)  # fmt: skip

    def get(self, view: str, key: str = ADMIN_KEY, **params: str) -> httpx.Response:
        return httpx.get(self.url + f"/admin/shadow/{view}", params=params, headers=auth(key), timeout=30)

    def services(self, day_from: str, day_to: str | None = None) -> dict[str, dict[str, Any]]:
        resp = self.get("services", **{"from": day_from, "to": day_to or day_from})
        assert resp.status_code == 200, resp.text
        return {s["service"]: s for s in resp.json()["services"]}

    def syslog(self, messages: list[str]) -> None:
        if self.protocol == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                for m in messages:
                    s.sendto(m.encode(), ("127.0.0.1", self.syslog_port))
                    time.sleep(0.002)
        else:
            with socket.create_connection(("127.0.0.1", self.syslog_port), timeout=5) as s:
                for m in messages:
                    data = m.encode()
                    s.sendall(f"{len(data)} ".encode() + data + b"\n" if m.startswith("<") else data + b"\n")


def wait_until(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (AssertionError, KeyError):
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


@pytest.fixture(scope="module", params=["sqlite-udp", "postgresql-tcp"])
def shadow_gw(
    request: pytest.FixtureRequest, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ShadowGateway]:
    """One per backend, each with its own webhook receiver."""
    backend, protocol = request.param.split("-")
    db = tmp_path_factory.mktemp("shadow") / "bastion.db"
    port = free_port()
    receiver = Receiver.start()
    with fresh_pg_database("shadow") if backend == "postgresql" else contextlib.nullcontext("") as pg_url:
        config = gateway_config(fakes, free_port(), db)
        if pg_url:
            config["database_url"] = pg_url
        config["pii"] = {"enabled": True}
        config["shadow"] = {
            "flush_interval": 0.2,
            "max_batch_bytes": MAX_BATCH,
            "syslog": {"host": "127.0.0.1", "port": port, "protocol": protocol},
            "alerts": {"webhook_url": receiver.url, "large_upload_bytes": LARGE_UPLOAD},
        }
        gw = Gateway.start(config)
        try:
            yield ShadowGateway(gw, backend, protocol, port, receiver, db if backend == "sqlite" else None)
        finally:
            gw.stop()
            receiver.stop()

