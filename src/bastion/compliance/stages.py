"""Two pipeline stages.

`UseCaseStage` (after decode): which use case a request serves — the one its key is bound to, else the one
named by the use-case header (`policy.use_case_header`, default `x-bastion-use-case`) — and whether the
requested model is allowed for it. A request naming no registered use case follows `unknown_use_case`:
allow, flag (review queue) or deny (400 in the client's error shape).

`ReviewStage` (right before audit): gathers why the request should be reviewed (`review.collect`) before
its audit record is sealed, and puts it in the review queue once the answer is out (`finish`)."""

from __future__ import annotations

import logging
from fnmatch import fnmatchcase

from bastion.compliance.review import ReviewQueue, collect, flag_for_review
from bastion.compliance.usecases import UseCases
from bastion.config.compliance import UseCase
from bastion.config.schema import Config
from bastion.context import RequestContext
from bastion.errors import BadRequest, Forbidden

log = logging.getLogger("bastion.compliance")
USE_CASE = "use_case"  # annotation: the registered use case's name
UNKNOWN = "use_case_unknown"  # annotation: the name a request sent that is not registered


class UseCaseStage:
    name = "use_case"

    def __init__(self, register: UseCases, config: Config) -> None:
        self.register = register
        self.header = config.policy.use_case_header
        self.unknown = config.unknown_use_case

    async def run(self, ctx: RequestContext) -> None:
        named = ctx.headers.get(self.header)
        bound = self.register.bound_to(ctx.principal)
        use_case: UseCase | None
        if bound is not None:
            if named and named != bound.name:
                raise Forbidden(
                    f"this API key is bound to use case '{bound.name}', not '{named[:100]}'",
                    param=self.header,
                    code="use_case_not_allowed",
                )
            use_case = bound
        else:
            use_case = self.register.get(named) if named else None
        if use_case is None:
            self._unknown(ctx, named)
            return
        ctx.annotations[USE_CASE] = use_case.name
        models = use_case.allowed_models
        if "*" not in models and not any(fnmatchcase(ctx.model, g) for g in models):
            raise Forbidden(
                f"The model '{ctx.model}' is not allowed for use case '{use_case.name}'",
                param="model",
                code="model_not_allowed_for_use_case",
            )

    def _unknown(self, ctx: RequestContext, named: str | None) -> None:
        if named:
            ctx.annotations[UNKNOWN] = named[:100]
        if self.unknown == "allow":
            return
        what = f"unknown use case '{named[:100]}'" if named else "no use case named"
        if self.unknown == "deny":
            if named:
                raise BadRequest(
                    f"Unknown use case '{named[:100]}' ({self.header})",
                    param=self.header,
                    code="unknown_use_case",
                )
            raise BadRequest(
                f"A use case is required: send the {self.header} header",
                param=self.header,
                code="use_case_required",
            )
        flag_for_review(ctx, "use_case", what)


class ReviewStage:
    name = "review"
    active = False  # nothing to do in `run`; `seal` and `finish` do the work

    def __init__(self, queue: ReviewQueue | None, config: Config) -> None:
        self.queue = queue
        self.settings = config.reviews

    async def run(self, ctx: RequestContext) -> None:  # pragma: no cover - inactive
        return None

    def seal(self, ctx: RequestContext) -> None:
        collect(ctx, self.settings)

    async def finish(self, ctx: RequestContext) -> None:
        reasons = collect(ctx, self.settings)
        if reasons and self.queue is not None and self.settings.enabled:
            try:
                await self.queue.enter(ctx, reasons)
            except Exception:
                log.exception(
                    "request %s could not enter the review queue (its audit record lists the reasons)",
                    ctx.request_id,
                )
