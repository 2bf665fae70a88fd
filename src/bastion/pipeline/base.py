"""A stage is an object with `run(ctx)`; it may also have `seal(ctx)` (sync, called once right before the
last bytes of the answer are written: a JSON body, an error, a stream's terminal event) and `finish(ctx)`,
called for every request once its response is complete (or failed, or the client went away), in stage
order. `run` raises a GatewayError to stop the request; `finish` must never raise (failures are logged).
A stage with `active = False` has nothing to do in `run` under this configuration and is not awaited.

Response-side stages (inspect, restore) change `ctx.response` in place, or wrap `ctx.events` (an async
iterator of client-format SSE events) with their own generator, so streams stay streams.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bastion.context import RequestContext

log = logging.getLogger("bastion.pipeline")


class Stage(Protocol):
    name: str

    async def run(self, ctx: RequestContext) -> None: ...


@runtime_checkable
class Finisher(Protocol):
    async def finish(self, ctx: RequestContext) -> None: ...


@runtime_checkable
class Sealer(Protocol):
    def seal(self, ctx: RequestContext) -> None: ...


class Pipeline:
    __slots__ = ("_finishers", "_runners", "_sealers", "stages")

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.replace(stages)

    def replace(self, stages: Sequence[Stage]) -> None:
        """Use these stages from now on (a runtime config change). A request already running keeps the
        tuple it iterates; the swap is a handful of assignments with no await between them."""
        self.stages = tuple(stages)
        # a stage whose `run` can never do anything in this configuration says so with `active = False`
        # (e.g. PII detection off): it is not awaited per request; its seal/finish still run
        self._runners = tuple(s for s in self.stages if getattr(s, "active", True))
        self._finishers = tuple(s for s in self.stages if isinstance(s, Finisher))
        self._sealers = tuple(s for s in self.stages if isinstance(s, Sealer))

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    async def run(self, ctx: RequestContext) -> None:
        for stage in self._runners:
            await stage.run(ctx)

    def seal(self, ctx: RequestContext) -> None:
        """The answer is about to be delivered in full (never raises)."""
        for stage in self._sealers:
            try:
                stage.seal(ctx)
            except Exception:
                log.exception(
                    "stage %s failed to seal request %s", getattr(stage, "name", stage), ctx.request_id
                )

    async def finish(self, ctx: RequestContext) -> None:
        for stage in self._finishers:
            try:
                await stage.finish(ctx)
            except Exception:
                log.exception(
                    "stage %s failed to finish request %s", getattr(stage, "name", stage), ctx.request_id
                )
