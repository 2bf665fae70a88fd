"""Everything a running gateway holds, built once per worker in `bastion.server.app.build_state`."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bastion.config.schema import Config
from bastion.pipeline import Pipeline
from bastion.pipeline.route import ModelTable
from bastion.storage import Storage
from bastion.upstream import Upstream


@dataclass(slots=True)
class GatewayState:
    config: Config
    pipeline: Pipeline
    models: ModelTable
    upstream: Upstream
    storage: Storage
    ready: bool = False


STATE = web.AppKey("bastion_state", GatewayState)
