"""One worker's active policy set, and how it changes at runtime.

sources      inline `policies:` + `policy.path` (a file or a directory) -> one document, published as
             a new version only when it changed since its last publication (source "file");
             `PUT /admin/policies` (source "api"); rollback (source "rollback")
activation   the highest stored version, compiled once; `active` is swapped by one assignment, so a
             request keeps the set it started with (the policy stage stores it on the context)
spreading    the writer activates at once and publishes the version on Redis `bastion:policy`
             (when redis_url is set; every worker listens, plus a slow backstop poll); without Redis
             every worker polls `max(version)` every `policy.poll_interval` seconds (0.5 by default)
file watch   `policy.path` is stat-ed every `policy.watch_interval`; a changed file that fails
             validation is logged and never activated (the active set stays)
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bastion.config.policy import PolicySettings
from bastion.config.policy_document import PolicyDocument, Rule
from bastion.errors import Unprocessable
from bastion.identity.sync import RedisChannel
from bastion.policy.compiled import CompiledSet
from bastion.policy.store import PolicyStore, PolicyVersion
from bastion.storage import Storage
from bastion.storage.polling import poll_forever, stop_tasks

log = logging.getLogger("bastion.policy")
CHANNEL = "bastion:policy"
_SUFFIXES = (".yaml", ".yml", ".json")


class PolicyFileError(ValueError):
    pass


def policy_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
    return [path]


def read_rules(path: Path) -> list[Any]:
    """The raw rules of a file: `{policies: [...]}` or a bare list."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyFileError(f"{path}: {exc}") from None
    if data is None:
        return []
    if isinstance(data, dict) and set(data) <= {"policies"}:
        data = data.get("policies") or []
    if not isinstance(data, list):
        raise PolicyFileError(f"{path}: expected a list of rules or a mapping with `policies:`")
    return data


def load_document(inline: list[Rule], path: str | None) -> PolicyDocument:
    """Inline rules followed by the rules of `path` (files in name order); ValidationError when invalid."""
    raw: list[Any] = [r.model_dump(mode="json", exclude_none=True) for r in inline]
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise PolicyFileError(f"{path}: no such file or directory")
        for file in policy_files(p):
            raw.extend(read_rules(file))
    return PolicyDocument.model_validate({"policies": raw})


def _stamp(path: Path) -> tuple[Any, ...]:
    try:
        files = policy_files(path)
        return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    except OSError:
        return ()


def unknown_references(
    document: PolicyDocument, models: set[str], providers: set[str], pii_enabled: bool = True
) -> list[dict[str, str]]:
    """Field errors for what this gateway cannot do: `route_to` / `route_provider` naming no configured
    model or provider, `then.redact` overrides while the PII stage is off (they would do nothing)."""
    errors = []
    for i, rule in enumerate(document.policies):
        t = rule.then
        if t.redact and not pii_enabled and rule.on == "request":
            errors.append({"field": f"policies.{i}.then.redact", "message": "needs pii.enabled: true"})
        if t.route_to is not None and t.route_to not in models:
            errors.append(
                {"field": f"policies.{i}.then.route_to", "message": f"unknown model {t.route_to!r}"}
            )
        if t.route_provider is not None and t.route_provider not in providers:
            msg = f"unknown provider {t.route_provider!r}"
            errors.append({"field": f"policies.{i}.then.route_provider", "message": msg})
    return errors


class PolicyRuntime:
    def __init__(
        self,
        settings: PolicySettings,
        inline: list[Rule],
        storage: Storage,
        redis_url: str | None = None,
        *,
        models: set[str] | None = None,
        providers: set[str] | None = None,
        pii_enabled: bool = True,
    ) -> None:
        self.settings = settings
        self.pii_enabled = pii_enabled
        self.models = models  # configured model names and providers, to check route targets (None: any)
        self.providers = providers
        self.inline = list(inline)
        self.store = PolicyStore(storage)
        self.redis = RedisChannel(redis_url, CHANNEL) if redis_url else None
        # until start() has read the database, the configured rules apply (never an empty set by accident)
        self.active = CompiledSet(PolicyDocument(policies=self.inline), 0)
        self.reloads = 0
        self.last_error: str | None = None  # the last file that failed validation, for GET /admin/policies
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def poll_interval(self) -> float:
        return self.settings.redis_poll_interval if self.redis else self.settings.poll_interval

    async def start(self) -> None:
        # always: a config whose rules were removed must publish the (empty) set, or the rules it once
        # published would stay active; unchanged sources publish nothing (see `publish_sources`)
        await self.publish_sources()
        await self.refresh(force=True)
        self._tasks.append(asyncio.create_task(self._loop(), name="policy-refresh"))
        if self.redis is not None:
            self._tasks.append(asyncio.create_task(self.redis.listen(self._wake), name="policy-redis"))
        if self.settings.path and self.settings.watch:
            watch = self._watch(Path(self.settings.path))
            self._tasks.append(asyncio.create_task(watch, name="policy-watch"))

    async def stop(self) -> None:
        await stop_tasks(self._tasks)
        if self.redis is not None:
            await self.redis.close()

    # --- activation ----------------------------------------------------------------------------------
    async def refresh(self, force: bool = False) -> bool:
        """Activate the latest stored version when it moved; True when it did."""
        async with self._lock:
            head = await self.store.head()
            if head == 0 or (not force and head == self.active.version):
                return False
            row = await self.store.get(head)
            if row is None:
                return False
            self._activate(row)
            return True

    def _activate(self, row: PolicyVersion) -> None:
        if row.version <= self.active.version:  # already active (or older than what is)
            return
        try:
            compiled = CompiledSet(PolicyDocument.model_validate(row.document), row.version)
        except (ValidationError, ValueError) as exc:  # stored by a newer gateway, or tampered with
            log.error("policy version %s cannot be compiled; keeping version %s: %s", row.version,
                      self.active.version, exc)  # fmt: skip
            return
        self.active = compiled  # the atomic swap: requests already running keep their own reference
        self.reloads += 1
        log.info("policy version %s active (%d rules, from %s by %s)", row.version, len(compiled),
                 row.source, row.author)  # fmt: skip

    async def _changed(self, row: PolicyVersion) -> None:
        async with self._lock:
            self._activate(row)
        if self.redis is not None:
            await self.redis.publish(row.version)

    # --- writes --------------------------------------------------------------------------------------
    async def put(self, document: PolicyDocument, author: str, comment: str | None = None) -> PolicyVersion:
        self.check(document)
        row = await self.store.publish(document, source="api", author=author, comment=comment)
        assert row is not None
        await self._changed(row)
        return row

    def check(self, document: PolicyDocument) -> None:
        """Unprocessable unless the set compiles and names only configured models and providers."""
        errors = (
            unknown_references(document, self.models, self.providers or set(), self.pii_enabled)
            if self.models is not None
            else []
        )
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise Unprocessable(
                f"{first['field']}: {first['message']}{more}", param=first["field"], errors=errors
            )
        try:
            CompiledSet(document)  # compiles or raises before anything is stored
        except Exception as exc:
            raise Unprocessable(f"policies: the rule set does not compile: {exc}", param="policies") from None

    async def rollback(self, version: int, author: str) -> PolicyVersion:
        row = await self.store.rollback(version, author)
        await self._changed(row)
        return row

    async def publish_sources(self) -> PolicyVersion | None:
        """Publish inline + file rules if they changed since they were last published; invalid files
        are logged (and remembered in `last_error`), never activated."""
        try:
            document = load_document(self.inline, self.settings.path)
            self.check(document)
        except (ValidationError, PolicyFileError, ValueError, Unprocessable) as exc:
            self.last_error = exc.message if isinstance(exc, Unprocessable) else str(exc)
            log.error("policy source %s rejected; the active set stays: %s", self.settings.path, exc)
            return None
        self.last_error = None
        row = await self.store.publish(
            document, source="file", author=f"file:{self.settings.path or 'config'}", unless_source_has=True
        )
        if row is not None:
            await self._changed(row)
        return row

    # --- background ----------------------------------------------------------------------------------
    async def _loop(self) -> None:
        await poll_forever(
            self._wake,
            lambda: self.poll_interval,
            self.refresh,
            log,
            lambda exc: f"policy refresh failed (keeping version {self.active.version}): {exc}",
        )

    async def _watch(self, path: Path) -> None:
        stamp = _stamp(path)
        while True:
            await asyncio.sleep(self.settings.watch_interval)
            now = _stamp(path)
            if now == stamp:
                continue
            stamp = now
            try:
                await self.publish_sources()
            except Exception as exc:
                log.warning("could not publish the changed policy file %s: %s", path, exc)
