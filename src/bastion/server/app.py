"""The composition root: builds the pipeline, the upstream client and the aiohttp application."""

from __future__ import annotations

from aiohttp import web

from bastion.config.schema import Config
from bastion.pipeline import Pipeline
from bastion.pipeline.audit import AuditStage
from bastion.pipeline.authenticate import AdminKeyAuthenticator, AuthenticateStage
from bastion.pipeline.call import CallStage
from bastion.pipeline.decode import DecodeStage
from bastion.pipeline.inspect import InspectStage
from bastion.pipeline.pii import PiiStage
from bastion.pipeline.policy import PolicyStage
from bastion.pipeline.restore import RestoreStage
from bastion.pipeline.route import ModelTable, RouteStage
from bastion.providers import build_adapters
from bastion.server import handlers
from bastion.server.state import STATE, GatewayState
from bastion.storage import open_storage
from bastion.translate import build_codecs
from bastion.upstream import Upstream


def build_state(config: Config) -> GatewayState:
    admin_key = config.admin_key.get_secret_value() if config.admin_key else ""
    if not admin_key:
        raise ValueError("admin_key is not set (bastion serve generates one when absent)")
    models = ModelTable(config)
    upstream = Upstream()
    pii = PiiStage(config.pii)
    pipeline = Pipeline(
        [
            AuthenticateStage(AdminKeyAuthenticator(admin_key)),
            DecodeStage(),
            PolicyStage(),
            pii,
            RouteStage(models),
            CallStage(build_adapters(), build_codecs(), upstream),
            InspectStage(),
            RestoreStage(config.pii, pii.engine),
            AuditStage(),
        ]
    )
    return GatewayState(config, pipeline, models, upstream, open_storage(config.database_url))


async def _startup(app: web.Application) -> None:
    state = app[STATE]
    await state.upstream.start()
    await state.storage.open()
    state.ready = True


async def _cleanup(app: web.Application) -> None:
    state = app[STATE]
    state.ready = False
    await state.upstream.close()
    await state.storage.close()


def build_app(config: Config) -> web.Application:
    app = web.Application(
        client_max_size=config.server.max_body_bytes,
        middlewares=[handlers.error_middleware],
        handler_args={"max_field_size": 16384},
    )
    app[STATE] = build_state(config)
    app.on_startup.append(_startup)
    app.on_cleanup.append(_cleanup)
    handlers.add_routes(app)
    return app
