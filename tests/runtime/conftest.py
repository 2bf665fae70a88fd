"""Runtime configuration fixtures: gateways started from a config file (so a reload has a file to read),
on a shared SQLite database, pointed at the fake providers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bastion.config import load_config
from bastion.server.run import start_site
from fakes import Fakes
from fakes.loop import LoopThread
from harness import ADMIN_KEY, PROVIDER_KEYS, Gateway, auth

Json = dict[str, Any]


def base_config(fakes: Fakes, db: Path, **extra: Any) -> Json:
    """One file provider (the fake OpenAI) and one model on it; PII off, no cache, one attempt per target."""
    return {
        "admin_key": ADMIN_KEY,
        "database_url": f"sqlite:///{db}",
        "policy": {"poll_interval": 0.2},
        "routing": {"strategy": "priority", "retries": 0, "breaker": {"enabled": False}},
        "pii": {"enabled": False},
        "providers": [
            {
                "name": "openai",
                "type": "openai",
                "base_url": fakes.openai.url + "/v1",
                "api_key": PROVIDER_KEYS["openai"],
            },
        ],
        "models": [{"name": "file-echo", "provider": "openai", "model": "fake-echo"}],
        **extra,
    }


def write(path: Path, data: Json) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def start_from_file(path: Path) -> Gateway:
    thread = LoopThread("gateway")
    runner, port = thread.run(start_site(load_config(path), "127.0.0.1", 0), timeout=60)
    return Gateway(f"http://127.0.0.1:{port}", thread, runner)


class Client:
    """The gateway over HTTP: the admin API as the admin key, and chat completions."""

    def __init__(self, url: str, key: str = ADMIN_KEY) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, headers=auth(key), timeout=30)

    def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.http.request(method, "/admin" + path, json=body)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        r = self.admin(method, path, body)
        assert r.status_code == status, (r.status_code, r.text)
        return r.json()

    def chat(self, model: str, text: str = "hello", **kw: Any) -> httpx.Response:
        body = {"model": model, "messages": [{"role": "user", "content": text}], **kw}
        return self.http.post("/v1/chat/completions", json=body)


@pytest.fixture
def make_gateway(tmp_path: Path) -> Iterator[Callable[[Path], Gateway]]:
    started: list[Gateway] = []

    def make(path: Path) -> Gateway:
        gw = start_from_file(path)
        started.append(gw)
        return gw

    yield make
    for gw in started:
        gw.stop()
