"""Identity fixtures: one database per backend (SQLite temp file; a fresh PostgreSQL database created for
the session and dropped after), a gateway on each, and small HTTP helpers for the admin API.

PostgreSQL: $BASTION_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test) names the server
and the maintenance database; the tests create `bastion_test_<random>` beside it. Redis:
$BASTION_TEST_REDIS_URL (default redis://127.0.0.1:6379/0). When either is unreachable its tests are
skipped, unless $BASTION_TEST_REQUIRE_SERVICES is set (CI), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from harness import ADMIN_KEY, Gateway, auth

T = TypeVar("T")
PG_URL = os.environ.get("BASTION_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BASTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = ("sqlite", "postgresql")

MODELS = [
    {"name": "gpt-4o", "provider": "demo", "model": "echo"},
    {"name": "gpt-4o-mini", "provider": "demo", "model": "echo"},
    {"name": "claude-sonnet", "provider": "demo", "model": "echo"},
    {"name": "eu-echo", "provider": "demo-eu", "model": "echo"},
    {"name": "demo-embed", "provider": "demo", "model": "embed", "modes": ["embeddings"]},
]


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a fresh loop in another thread (safe beside pytest's loop)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _unavailable(what: str, exc: BaseException) -> None:
    message = f"{what} unavailable: {exc}"
    if os.environ.get("BASTION_TEST_REQUIRE_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


def _pg_server(url: str) -> str:
    return url.rsplit("/", 1)[0]


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def redis_available() -> bool:
    async def ping() -> bool:
        import redis.asyncio as aioredis

        client = aioredis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            return bool(await client.ping())
        finally:
            await client.aclose()

    try:
        return run_async(ping())
    except Exception:
        return False


def require_redis() -> str:
    if not redis_available():
        _unavailable("Redis", ConnectionError(REDIS_URL))
    return REDIS_URL


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the session; dropped at the end."""
    name = f"bastion_test_{uuid.uuid4().hex[:10]}"
    try:
        run_async(_pg_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
    yield f"{_pg_server(PG_URL)}/{name}"
    run_async(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('identity') / 'bastion.db'}"
    return str(request.getfixturevalue("pg_database"))


def identity_config(database_url: str, **extra: Any) -> dict[str, Any]:
    providers = [
        {"name": "demo", "type": "demo", "region": "us"},
        {"name": "demo-eu", "type": "demo", "region": "eu"},
    ]
    return {"admin_key": ADMIN_KEY, "database_url": database_url, "providers": providers, "models": MODELS,
            **extra}  # fmt: skip


@pytest.fixture(scope="session")
def idgw(database_url: str) -> Iterator[Gateway]:
    """A gateway (in this process, own loop) on the backend under test, /admin on its main listener."""
    gw = Gateway.start(identity_config(database_url))
    yield gw
    gw.stop()


class Admin:
    """The admin API over HTTP, as a given key."""

    def __init__(self, url: str, key: str = ADMIN_KEY) -> None:
        self.url = url
        self.client = httpx.Client(base_url=url, headers=auth(key), timeout=10)

    def as_key(self, key: str) -> Admin:
        return Admin(self.url, key)

    def request(self, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        if body is not None:
            kw["json"] = body
        return self.client.request(method, "/admin" + path, **kw)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        r = self.request(method, path, body)
        assert r.status_code == status, (r.status_code, r.text)
        return r.json()

    def team(self, **fields: Any) -> dict[str, Any]:
        fields.setdefault("name", unique("team"))
        return self.ok("POST", "/teams", fields, 201)  # type: ignore[no-any-return]

    def key(self, **fields: Any) -> dict[str, Any]:
        fields.setdefault("name", unique("key"))
        return self.ok("POST", "/keys", fields, 201)  # type: ignore[no-any-return]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def admin(idgw: Gateway) -> Iterator[Admin]:
    a = Admin(idgw.url)
    yield a
    a.client.close()


def write_config(path: Path, data: dict[str, Any]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(data))
    return path
