"""What a runtime config change rebuilds (`bastion.liveconfig`), wired by the composition root.

`prepare(config)` builds the new pieces aside: the routing table, the PII and restore stages when `pii:` or
the providers changed, the cache around the call stage when `cache:` changed. Building may fail (the
change is then refused whole). The function it returns swaps everything in with plain assignments and no
await, so every request sees either the old set or the new one, and a request already running keeps the
stages and route it started with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bastion.cache.store import Store
from bastion.config.schema import Config
from bastion.pipeline.base import Stage
from bastion.pipeline.cache import CacheStage
from bastion.pipeline.limits import LimitsStage
from bastion.pipeline.pii import LiveDetector, PiiStage
from bastion.pipeline.restore import RestoreStage
from bastion.policy.enforce import RequestEnforcer
from bastion.server.state import GatewayState


@dataclass(slots=True)
class Reconfigure:
    state: GatewayState
    detector: LiveDetector | None = None  # what content checks and policy conditions detect PII with
    enforcer: RequestEnforcer | None = None
    retired: list[Store] = field(default_factory=list)  # cache stores replaced, closed at shutdown

    def __call__(self, config: Config) -> Callable[[], None]:
        state = self.state
        old = state.config
        swap_routes = state.models.prepare(config)
        stages = list(state.pipeline.stages)
        pii_at = _index(stages, PiiStage)
        pii = stages[pii_at]
        if config.pii != old.pii or config.providers != old.providers:
            pii = PiiStage(config.pii, config.providers)
            stages[pii_at] = pii
            stages[_index(stages, RestoreStage)] = RestoreStage(config.pii, pii.engine)
        if config.cache != old.cache:
            call_at = next(i for i, s in enumerate(stages) if s.name == "call")
            stages[call_at] = self._cached(stages[call_at], config)
        assert isinstance(pii, PiiStage)

        def commit() -> None:
            swap_routes()
            state.pipeline.replace(stages)
            state.config = config
            if self.detector is not None:
                self.detector.stage = pii
            if state.limiter is not None:
                state.limiter.models_changed()
            for stage in stages:
                if isinstance(stage, LimitsStage):
                    stage.record_cost = state.audit is not None or config.cache.enabled
            if state.policy is not None:
                state.policy.models = {m.name for m in config.models}
                state.policy.providers = {p.name for p in config.providers}
                state.policy.pii_enabled = config.pii.enabled
            if self.enforcer is not None:
                self.enforcer.providers = [p.name for p in config.providers]
            observability = state.observability
            if observability is not None and observability.recorder is not None:
                observability.recorder.known_models = frozenset(m.name for m in config.models)

        return commit

    def _cached(self, stage: Stage, config: Config) -> Stage:
        """The call stage with the cache `config` asks for (its store kept when the backend is the same)."""
        call, store = (stage.call, stage.store) if isinstance(stage, CacheStage) else (stage, None)
        old = self.state.config.cache
        same_store = (old.backend, old.max_entries) == (config.cache.backend, config.cache.max_entries)
        if store is not None and not (config.cache.enabled and same_store):
            self.retired.append(store)
            store = None
        if not config.cache.enabled:
            return call
        if store is None:
            from bastion.cache import build_store

            store = build_store(config)
        return CacheStage(call, store, config.cache)

    async def close(self) -> None:
        """Closes the replaced cache stores (those still in use are closed with the pipeline)."""
        in_use = {id(s.store) for s in self.state.pipeline.stages if isinstance(s, CacheStage)}
        for store in {id(s): s for s in self.retired if id(s) not in in_use}.values():
            await store.close()
        self.retired.clear()


def _index(stages: list[Stage], kind: type) -> int:
    return next(i for i, s in enumerate(stages) if isinstance(s, kind))
