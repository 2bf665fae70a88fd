"""Stage 5: choose where the request goes. Until the routing issue lands: the entries of the model group in
config order (the call stage falls back to the next on connection errors and 5xx)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bastion.config.schema import Config
from bastion.context import RequestContext, Target
from bastion.errors import NotFound


class ModelTable:
    """Model name -> targets, per operation (chat, embeddings, responses). Built once from config."""

    def __init__(self, config: Config) -> None:
        providers = {p.name: p for p in config.providers}
        table: dict[str, dict[str, list[Target]]] = {}
        for entry in config.models:
            target = Target(entry, providers[entry.provider])
            for mode in entry.modes:
                table.setdefault(mode, {}).setdefault(entry.name, []).append(target)
        self._table: Mapping[str, Mapping[str, Sequence[Target]]] = table
        self.names: list[str] = list(dict.fromkeys(e.name for e in config.models))
        self.owner = {e.name: providers[e.provider].type for e in config.models}

    def targets(self, operation: str, model: str) -> Sequence[Target]:
        return self._table.get(operation, {}).get(model, ())


class RouteStage:
    name = "route"

    def __init__(self, models: ModelTable) -> None:
        self.models = models

    async def run(self, ctx: RequestContext) -> None:
        targets = self.models.targets(ctx.operation, ctx.model)
        if not targets:
            raise NotFound(
                f"The model '{ctx.model}' does not exist or is not available for {ctx.operation}",
                param="model",
                code="model_not_found",
            )
        ctx.candidates = list(targets)
