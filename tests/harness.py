"""The gateway under test: its config (pointing at the fake providers), running it in a thread or as a
`bastion` subprocess, and small HTTP helpers."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
from aiohttp import web

from bastion.config import parse_config
from bastion.server.run import start_site
from fakes import Fakes
from fakes.loop import LoopThread

ADMIN_KEY = "test-admin-key-0123456789"
PROVIDER_KEYS = {
    "openai": "sk-fake-openai-PROVIDER-SECRET-1",
    "anthropic": "sk-ant-fake-PROVIDER-SECRET-2",
    "gemini": "AIza-fake-PROVIDER-SECRET-3",
    "azure": "azure-fake-PROVIDER-SECRET-4",
    "dead": "sk-dead-PROVIDER-SECRET-5",
}
PROVIDERS = ("openai", "anthropic", "gemini")
BEHAVIOURS = (
    "echo",
    "fail-400",
    "fail-401",
    "fail-429",
    "fail-500",
    "fail-503",
    "slow",
    "die",
    "truncate",
    "endless",
    "stall",
    "hangup",
    "error-event",
)
TIGHT = frozenset({"slow", "stall"})  # behaviours served through providers with short timeouts
FIRST_BYTE_TIMEOUT = 0.5
IDLE_TIMEOUT = 1.0
DISCONNECT_GRACE = 3.0  # seconds for the gateway to close the upstream once the client left (~0.1 s idle)
MAX_BODY_BYTES = 256 * 1024
AZURE_API_VERSION = "2024-10-21"
BASTION = str(Path(sys.executable).with_name("bastion"))
LISTENING = re.compile(r"Bastion listening on (http://\S+)")

Json = dict[str, Any]
OpenAIFactory = Callable[..., openai.OpenAI]
AsyncOpenAIFactory = Callable[..., openai.AsyncOpenAI]
AnthropicFactory = Callable[..., anthropic.Anthropic]
AsyncAnthropicFactory = Callable[..., anthropic.AsyncAnthropic]


def marker() -> str:
    """A unique string to put in a prompt, to find the request again at the fake provider."""
    return "mk" + uuid.uuid4().hex[:12]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _provider(name: str, ptype: str, base_url: str, key: str = "", tight: bool = False, **extra: Any) -> Json:
    """Normal providers get roomy timeouts (a loaded CI box must not turn a slow answer into a 504); `tight`
    ones, which serve the `slow` and `stall` behaviours, get short ones so those tests stay fast."""
    first_byte, idle = (FIRST_BYTE_TIMEOUT, IDLE_TIMEOUT) if tight else (30.0, 30.0)
    timeouts = {"connect": 2, "first_byte": first_byte, "idle": idle, "total": 60}
    return {"name": name, "type": ptype, "base_url": base_url, "api_key": key or PROVIDER_KEYS[name],
            "timeouts": timeouts, **extra}  # fmt: skip


def gateway_config(fakes: Fakes, dead_port: int, db_path: Path) -> dict[str, Any]:
    """Models: `<provider>-<behaviour>` -> provider model id `fake-<behaviour>` (see fakes.server), plus
    demo, azure, an unreachable provider and fallback groups. `slow` and `stall` go through
    `<provider>-tight`: the same fake provider, with short timeouts."""
    bases = {
        "openai": ("openai", fakes.openai.url + "/v1"),
        "anthropic": ("anthropic", fakes.anthropic.url),
        "gemini": ("gemini", fakes.gemini.url + "/v1beta"),
    }
    providers = [_provider(name, ptype, url) for name, (ptype, url) in bases.items()]
    providers += [
        _provider(f"{name}-tight", ptype, url, key=PROVIDER_KEYS[name], tight=True)
        for name, (ptype, url) in bases.items()
    ]
    providers += [
        _provider("azure", "azure-openai", fakes.openai.url, api_version=AZURE_API_VERSION),
        _provider("dead", "openai", f"http://127.0.0.1:{dead_port}/v1"),
        {"name": "demo", "type": "demo"},
    ]
    models = [
        {"name": f"{p}-{b}", "provider": f"{p}-tight" if b in TIGHT else p, "model": f"fake-{b}"}
        for p in PROVIDERS
        for b in BEHAVIOURS
    ]
    models += [
        {"name": "azure-echo", "provider": "azure", "model": "fake-echo"},
        {"name": "dead-echo", "provider": "dead", "model": "fake-echo"},
        {"name": "openai-slow-roomy", "provider": "openai", "model": "fake-slow"},  # no short timeout
        {"name": "demo-echo", "provider": "demo", "model": "echo"},
        {"name": "demo-embed", "provider": "demo", "model": "embed", "modes": ["embeddings"]},
        # model groups: the first entry fails, the second answers
        {"name": "group-5xx", "provider": "openai", "model": "fake-fail-503"},
        {"name": "group-5xx", "provider": "anthropic", "model": "fake-echo"},
        {"name": "group-refused", "provider": "dead", "model": "fake-echo"},
        {"name": "group-refused", "provider": "gemini", "model": "fake-echo"},
        {"name": "group-hangup", "provider": "gemini", "model": "fake-hangup"},
        {"name": "group-hangup", "provider": "openai", "model": "fake-echo"},
        {"name": "group-400", "provider": "openai", "model": "fake-fail-400"},
        {"name": "group-400", "provider": "anthropic", "model": "fake-echo"},
    ]
    server = {"max_body_bytes": MAX_BODY_BYTES, "target_header": True}
    # every test sees the same route whatever ran before it: one attempt per target, in config order, no
    # breakers (tests/routing covers retries and breakers)
    routing = {"strategy": "priority", "retries": 0, "breaker": {"enabled": False}}
    return {
        "admin_key": ADMIN_KEY,
        "database_url": f"sqlite:///{db_path}",
        "server": server,
        "routing": routing,
        # the core tests check that what the client sent reaches the provider byte for byte (markers,
        # unknown fields); pseudonymisation is tested with the gateway in tests/pii
        "pii": {"enabled": False},
        "providers": providers,
        "models": models,
    }


@dataclass(slots=True)
class Gateway:
    """A gateway serving in this process, on its own loop in a background thread."""

    url: str
    thread: LoopThread
    runner: web.AppRunner

    @classmethod
    def start(cls, config: dict[str, Any]) -> Gateway:
        thread = LoopThread("gateway")
        runner, port = thread.run(start_site(parse_config(config, env={}), "127.0.0.1", 0), timeout=60)
        return cls(f"http://127.0.0.1:{port}", thread, runner)

    def stop(self) -> None:
        self.thread.run(self.runner.cleanup(), timeout=60)
        self.thread.stop()

    @property
    def openai_base(self) -> str:
        return self.url + "/v1"


def auth(key: str = ADMIN_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Served:
    """A `bastion serve` subprocess, the URL it announced and everything it writes to stderr (drained by a
    thread, so a chatty log level never blocks the process)."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: str | Path) -> None:
        self.proc = subprocess.Popen(
            [BASTION, *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.cwd = cwd
        self.lines: list[str] = []
        self.url = ""
        self._announced = threading.Event()
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            if not self.url and (m := LISTENING.search(line)):
                self.url = m.group(1)
                self._announced.set()
        self._announced.set()

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def wait_listening(self, timeout: float = 60.0) -> str:
        self._announced.wait(timeout)
        if not self.url:
            self.stop()
            raise AssertionError(f"bastion did not start:\n{self.stderr}")
        return self.url

    def stop(self) -> str:
        """Stops the process; returns everything it wrote to stderr."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._drain.join(5)
        return self.stderr


def bastion_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
    env.update(extra)
    return env


def wait_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} never became ready")
        time.sleep(0.1)


PG_SERVER = os.environ.get("BASTION_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


async def _pg_maintenance(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_SERVER + "/test", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped afterwards."""
    import asyncio

    name = f"{prefix}_{os.urandom(5).hex()}"
    asyncio.run(_pg_maintenance(f"CREATE DATABASE {name}"))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        asyncio.run(_pg_maintenance(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
