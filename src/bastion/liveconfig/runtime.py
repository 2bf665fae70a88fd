"""One worker's live configuration, and how it changes without a restart.

layers       the config file (read at start, and again on reload) + the overlay stored in the database
             (`bastion.liveconfig.overlay`): the overlay wins key by key, the file fills in the rest
writes       an admin change computes the new overlay from the latest stored one, validates the result
             (schema + `checks`, as `bastion check-config`), builds the new routing table and stages
             aside (`prepare`), stores it as version N+1 and only then swaps them in (`commit`: plain
             assignments, so a request keeps what it started with); anything invalid is refused whole
spreading    as policies: the writer publishes the version on Redis `bastion:config` (every worker
             listens, plus a slow backstop poll); without Redis every worker polls `max(version)` every
             `policy.poll_interval` seconds
reload       SIGHUP or POST /admin/config/reload: the file is read and validated again; a changed file is
             stored as a reload version (same overlay, the file's digest), which makes every worker and
             replica read its own file again
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bastion.config.loader import ConfigError, load_config
from bastion.config.schema import Config
from bastion.errors import Conflict, GatewayError, NotFound, Unprocessable
from bastion.identity.sync import RedisChannel
from bastion.liveconfig import overlay as ov
from bastion.liveconfig.store import ConfigStore, ConfigVersion
from bastion.storage import Storage
from bastion.storage.polling import poll_forever, stop_tasks

log = logging.getLogger("bastion.config")
CHANNEL = "bastion:config"
RELOAD = "config.reload"

Prepare = Callable[[Config], Callable[[], None]]  # builds the new pieces aside; the result swaps them in
Mutation = Callable[[ov.Overlay, Config], ov.Overlay]  # (latest overlay, live config) -> new overlay
OnReload = Callable[[Config], Awaitable[None]]


@dataclass(slots=True)
class ReloadResult:
    version: int
    changed: list[str]
    restart_required: list[str] = field(default_factory=list)


class LiveConfig:
    def __init__(
        self,
        config: Config,
        storage: Storage,
        prepare: Prepare,
        checks: ov.Checks | None = None,
        on_reload: OnReload | None = None,
    ) -> None:
        self.base = config  # the file as last read (start-up, reload)
        self.current = config  # in force in this worker
        self.overlay: ov.Overlay = ov.empty()
        self.version = 0
        self.prepare = prepare
        self.checks = checks
        self.on_reload = on_reload
        self.store = ConfigStore(storage)
        self.redis = RedisChannel(config.redis_url, CHANNEL) if config.redis_url else None
        self.settings = config.policy  # the same spreading speed as policies
        self.last_error: str | None = None  # the last version this worker could not apply
        self.reloads = 0
        self._failed = 0  # that version (not retried until a newer one)
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def poll_interval(self) -> float:
        return self.settings.redis_poll_interval if self.redis else self.settings.poll_interval

    async def start(self) -> None:
        await self.refresh()
        self._tasks.append(asyncio.create_task(self._loop(), name="config-refresh"))
        if self.redis is not None:
            self._tasks.append(asyncio.create_task(self.redis.listen(self._wake), name="config-redis"))

    async def stop(self) -> None:
        await stop_tasks(self._tasks)
        if self.redis is not None:
            await self.redis.close()

    # --- activation ----------------------------------------------------------------------------------
    async def refresh(self) -> bool:
        """Apply the latest stored version when it moved; True when it did."""
        async with self._lock:
            head = await self.store.head()
            if head in (self.version, self._failed):
                return False
            row = await self.store.get(head)
            if row is None:
                return False
            base = self.base
            if row.action == RELOAD:  # every worker and replica reads its own copy of the file again
                base = self._reread() or base
            overlay = ov.normalised(row.overlay)
            try:
                config = ov.build(base, overlay, self.checks)
                commit = self.prepare(config)
            except (GatewayError, ValueError) as exc:
                self._failed = head
                self.last_error = f"version {head}: {getattr(exc, 'message', exc)}"
                log.error("config version %s cannot be applied here; keeping version %s: %s", head,
                          self.version, self.last_error)  # fmt: skip
                return False
            self._commit(row, base, overlay, config, commit)
            return True

    def _commit(
        self,
        row: ConfigVersion,
        base: Config,
        overlay: ov.Overlay,
        config: Config,
        commit: Callable[[], None],
    ) -> None:
        commit()  # the swap: plain assignments, no await in between
        self.base, self.overlay, self.current, self.version = base, overlay, config, row.version
        self.last_error = None
        self.reloads += 1
        log.info("config version %s in force (%s %s by %s)", row.version, row.action, row.target or "",
                 row.author)  # fmt: skip

    def _reread(self) -> Config | None:
        try:
            return self.read_file()[1]
        except Unprocessable as exc:
            log.error("config file %s cannot be read again; keeping what was read before: %s",
                      self.base.source_path, exc.message)  # fmt: skip
            return None

    def read_file(self) -> tuple[Config, Config]:
        """The config file read and validated again, as it is and with the running process's settings kept
        outside the runtime sections and the policies (those need a restart)."""
        path = self.base.source_path
        if path is None:
            raise Conflict(
                "this gateway was started without a config file (--config): there is nothing to reload",
                code="no_config_file",
            )
        try:
            fresh = load_config(path)
            errors = self.checks(fresh) if self.checks is not None else []
        except ConfigError as exc:
            errors = exc.errors
        if errors:
            raise ov.refused(errors)
        tree = self.base.model_dump()
        tree.update({key: getattr(fresh, key) for key in (*ov.RUNTIME_KEYS, "policies")})
        return fresh, Config.model_validate(tree).from_file(path)

    # --- writes --------------------------------------------------------------------------------------
    async def change(
        self, mutate: Mutation, *, action: str, author: str, target: str | None = None,
        comment: str | None = None,
    ) -> ConfigVersion:  # fmt: skip
        """Apply `mutate` to the latest overlay, validate, store as a new version, swap in, tell everyone.
        Raises what `mutate` raises (NotFound, Conflict...) or Unprocessable; nothing is applied then."""
        for _ in range(5):
            async with self._lock:
                latest = await self.store.get()
                after = latest.version if latest is not None else 0
                base = self.base
                if latest is not None and latest.action == RELOAD and after != self.version:
                    base = self._reread() or base
                current = ov.normalised(latest.overlay if latest is not None else None)
                live = (
                    ov.build(base, current, self.checks) if after not in (0, self.version) else self.current
                )
                overlay = mutate(ov.normalised(current), live)
                config = ov.build(base, overlay, self.checks)
                commit = self.prepare(config)
                row = await self.store.append(
                    after, ov.storable(overlay), action=action, author=author, target=target, comment=comment,
                )  # fmt: skip
                if row is None:
                    continue  # another writer was first: redo the change on its result
                self._commit(row, base, overlay, config, commit)
            await self._announce(row)
            return row
        raise Conflict("the configuration changed concurrently too often; try again", code="config_busy")

    async def reload(self, author: str) -> ReloadResult:
        """Read the config file again; store it as a reload version when its runtime sections changed."""
        async with self._lock:
            file, fresh = self.read_file()
            restart = ov.restart_keys(self.current, file)
            latest = await self.store.get()
            after = latest.version if latest is not None else 0
            overlay = ov.normalised(latest.overlay if latest is not None else None)
            config = ov.build(fresh, overlay, self.checks)
            digest = ov.runtime_digest(config)  # secrets read from files included (a rotated key)
            if digest == ov.runtime_digest(self.current) and after == self.version:
                changed: list[str] = []
                row = None
            else:
                changed = ov.changed_keys(self.current, config)
                commit = self.prepare(config)
                if latest is not None and latest.file_digest == digest:
                    row = latest  # another worker stored this very file already (SIGHUP to every worker)
                else:
                    row = await self.store.append(
                        after, ov.storable(overlay), action=RELOAD, author=author,
                        file_digest=digest, comment=f"file {self.base.source_path}",
                    )  # fmt: skip
                    if row is None:
                        raise Conflict("the configuration changed during the reload; try again",
                                       code="config_busy")  # fmt: skip
                self._commit(row, fresh, overlay, config, commit)
        if row is not None and row.version == after + 1:
            await self._announce(row)
        if self.on_reload is not None:
            await self.on_reload(fresh)
        return ReloadResult(self.version, changed, restart)

    async def rollback(self, version: int, author: str) -> ConfigVersion:
        old = await self.store.get(version)
        if old is None:
            raise NotFound(f"no config version {version}", param="version", code="config_version_not_found")
        return await self.change(
            lambda _overlay, _live: ov.normalised(old.overlay), action="config.rollback", author=author,
            comment=f"rollback to version {version}",
        )  # fmt: skip

    async def _announce(self, row: ConfigVersion) -> None:
        if self.redis is not None:
            await self.redis.publish(row.version)

    # --- background ----------------------------------------------------------------------------------
    async def _loop(self) -> None:
        await poll_forever(
            self._wake,
            lambda: self.poll_interval,
            self.refresh,
            log,
            lambda exc: f"config refresh failed (keeping version {self.version}): {exc}",
        )

    def status(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "file": self.base.source_path,
            "last_error": self.last_error,
        }
