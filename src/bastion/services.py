"""The gateway's services as the domain packages' admin routes see them, without importing the server.

The composition root (`bastion.server.app`, and `bastion.admin.build_admin_app` for a separate admin
listener) hangs the worker's live state on every application under `SERVICES`; a domain admin route
(`policy/admin.py`, `audit/admin.py`, `cost/admin.py`, `routing/health.py`, ...) reads
`request.app[SERVICES].<service>`. `Services` lists what they read; the server's `GatewayState` provides it,
and a runtime reconfiguration that swaps a service there is seen by the next request. A route that answers
with something other than JSON returns a `RawBody`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from bastion.audit import Audit
    from bastion.compliance.review import ReviewQueue
    from bastion.compliance.usecases import UseCases
    from bastion.config.schema import Config
    from bastion.limits.limiter import Limiter
    from bastion.policy.runtime import PolicyRuntime
    from bastion.routing.router import Router
    from bastion.storage import Storage


class Services(Protocol):
    @property
    def config(self) -> Config: ...

    @property
    def storage(self) -> Storage: ...

    @property
    def models(self) -> Router: ...

    @property
    def limiter(self) -> Limiter | None: ...

    @property
    def audit(self) -> Audit | None: ...

    @property
    def policy(self) -> PolicyRuntime | None: ...

    @property
    def use_cases(self) -> UseCases | None: ...

    @property
    def reviews(self) -> ReviewQueue | None: ...

    @property
    def shadow(self) -> Any: ...


SERVICES = web.AppKey("bastion_services", Services)


class RawBody(BaseModel):
    """A handler's answer that is not JSON (a report as Markdown, HTML or PDF): sent as is."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    body: bytes
    content_type: str
    filename: str | None = None  # sent as Content-Disposition: attachment
