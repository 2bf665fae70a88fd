"""The runtime configuration endpoints (route specs splatted into `bastion.admin.routes.ROUTES`).

    GET    /admin/providers                 providers in force, secrets write-only ("api_key": "set")
    GET    /admin/providers/{id}            one provider
    POST   /admin/providers                 add a provider                           config:write
    PATCH  /admin/providers/{id}            change some of its keys                  config:write
    DELETE /admin/providers/{id}            remove it (refused while a model uses it) config:write
    GET    /admin/models                    models: name -> deployments (prices, weights, limits)
    GET    /admin/models/{id}               one model
    POST   /admin/models                    add a model (one deployment, or `deployments`)
    PATCH  /admin/models/{id}               replace `deployments` and/or set keys on every deployment
    DELETE /admin/models/{id}               remove it
    PATCH  /admin/config                    merge patch of `routing` (groups), `pii`, `cache`
    POST   /admin/config/reload             read the config file again
    GET    /admin/config/versions           the change history; /versions/{version} one, with its overlay
    POST   /admin/config/rollback           {"version": N}: that version's overlay again, as a new version
    POST   /admin/config/reset              drop every runtime change: the file alone is in force
    GET    /admin/config/export             the configuration in force as a YAML file (secrets as ${VAR})

Every change is validated whole (as `bastion check-config`), stored as a new version and in force on
every worker and replica within a second; a refused change (422) applies nothing.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import yaml
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bastion.config.public import public_config
from bastion.config.schema import Config, ModelEntry, ProviderConfig, ProviderType, Timeouts
from bastion.context import Principal
from bastion.errors import Conflict, NotFound, Unavailable, Unprocessable
from bastion.liveconfig import LiveConfig
from bastion.liveconfig import overlay as ov
from bastion.liveconfig.store import ConfigVersion
from bastion.server.state import STATE
from bastion.services import RawBody

READ, WRITE = "config:read", "config:write"
SET: Literal["set"] = "set"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(None, max_length=500, description="why; kept in the version history")


# --- providers -----------------------------------------------------------------------------------------
class ProviderPatch(_Body):
    type: ProviderType | None = None
    base_url: str | None = None
    api_key: str | None = Field(None, description="write-only: never returned")
    api_key_file: str | None = Field(None, description="read the key from this file on every replica")
    region: str | None = None
    api_version: str | None = None
    headers: dict[str, str] | None = Field(None, description="write-only values (often credentials)")
    timeouts: Timeouts | None = None
    trusted: bool | None = None


class ProviderCreate(ProviderPatch):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    type: ProviderType


class ProviderOut(BaseModel):
    name: str
    type: str
    base_url: str | None = None
    api_key: Literal["set"] | None = Field(None, description='"set" when the provider has a key')
    api_key_file: str | None = None
    region: str | None = None
    api_version: str | None = None
    headers: dict[str, str] = Field(default_factory=dict, description='header names, values shown as "set"')
    timeouts: dict[str, float]
    trusted: bool
    source: Literal["file", "api", "file+api"]
    version: int = Field(description="the config version in force")


class ProviderList(BaseModel):
    data: list[ProviderOut]
    version: int


# --- models ----------------------------------------------------------------------------------------------
class Deployment(BaseModel):
    """One deployment of a model (a `models:` entry without its name)."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    model: str = Field(min_length=1)
    region: str | None = None
    weight: float | None = Field(None, ge=0)
    priority: int | None = None
    input_cost_per_mtok: float | None = Field(None, ge=0)
    output_cost_per_mtok: float | None = Field(None, ge=0)
    tags: list[str] | None = None
    context_window: int | None = Field(None, gt=0)
    max_output_tokens: int | None = Field(None, gt=0)
    timeouts: Timeouts | None = None
    modes: list[Literal["chat", "embeddings", "responses"]] | None = None


class ModelPatch(_Body):
    deployments: list[Deployment] | None = Field(None, min_length=1, description="replaces every deployment")
    provider: str | None = None
    model: str | None = Field(None, min_length=1)
    region: str | None = None
    weight: float | None = Field(None, ge=0)
    priority: int | None = None
    input_cost_per_mtok: float | None = Field(None, ge=0, description="USD per million input tokens")
    output_cost_per_mtok: float | None = Field(None, ge=0, description="USD per million output tokens")
    tags: list[str] | None = None
    context_window: int | None = Field(None, gt=0)
    max_output_tokens: int | None = Field(None, gt=0)
    timeouts: Timeouts | None = None
    modes: list[Literal["chat", "embeddings", "responses"]] | None = None


class ModelCreate(ModelPatch):
    name: str = Field(min_length=1, description="what clients send as model")


class ModelOut(BaseModel):
    name: str
    deployments: list[dict[str, Any]]
    source: Literal["file", "api", "file+api"]
    version: int


class ModelList(BaseModel):
    data: list[ModelOut]
    version: int


class Removed(BaseModel):
    id: str
    deleted: bool = True
    version: int


# --- config --------------------------------------------------------------------------------------------
class ConfigPatch(_Body):
    routing: dict[str, Any] | None = Field(None, description="merge patch of `routing:` (strategy, groups)")
    pii: dict[str, Any] | None = Field(None, description="merge patch of `pii:`")
    cache: dict[str, Any] | None = Field(None, description="merge patch of `cache:`")


class LiveView(BaseModel):
    config: dict[str, Any]
    version: int
    last_error: str | None = None


class ReloadOut(BaseModel):
    version: int = Field(description="the config version in force after the reload")
    changed: list[str] = Field(description="runtime sections the file changed")
    restart_required: list[str] = Field(
        description="other top-level keys the file changed: a restart applies them"
    )


class VersionOut(BaseModel):
    version: int
    action: str
    target: str | None = None
    author: str
    comment: str | None = None
    created_at: float
    overlay: dict[str, Any] | None = Field(None, description="the runtime changes in force (secrets: set)")


class VersionList(BaseModel):
    data: list[VersionOut]
    version: int = Field(description="the version in force on the worker that answered")
    last_error: str | None = None


class RollbackBody(_Body):
    version: int = Field(ge=1)


# --- helpers ---------------------------------------------------------------------------------------------
def _live(request: web.Request) -> LiveConfig:
    live = request.app[STATE].live
    if live is None:
        raise Unavailable("runtime configuration is not available")
    return live


def _author(p: Principal) -> str:
    return p.name if p.key_id == "admin" else f"{p.name} ({p.key_id})"


def _source(live: LiveConfig, kind: str, name: str) -> Literal["file", "api", "file+api"]:
    in_file = any(x.name == name for x in getattr(live.base, kind))
    if name not in live.overlay[kind]:
        return "file"
    return "file+api" if in_file else "api"


def _provider_out(live: LiveConfig, p: ProviderConfig) -> ProviderOut:
    return ProviderOut(
        name=p.name, type=p.type, base_url=p.base_url, api_key=SET if p.secret() else None,
        api_key_file=p.api_key_file, region=p.region,
        api_version=p.api_version, headers={k: SET for k in p.headers}, timeouts=p.timeouts.model_dump(),
        trusted=p.trusted, source=_source(live, "providers", p.name), version=live.version,
    )  # fmt: skip


def _deployment(entry: ModelEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json", exclude={"name"}, exclude_none=True)


def _model_out(live: LiveConfig, name: str) -> ModelOut:
    entries = [m for m in live.current.models if m.name == name]
    if not entries:
        raise NotFound(f"no model '{name}'", param="id", code="model_not_found")
    return ModelOut(
        name=name, deployments=[_deployment(e) for e in entries], source=_source(live, "models", name),
        version=live.version,
    )  # fmt: skip


def _provider(config: Config, name: str) -> ProviderConfig:
    found = next((p for p in config.providers if p.name == name), None)
    if found is None:
        raise NotFound(f"no provider '{name}'", param="id", code="provider_not_found")
    return found


def _changes(body: BaseModel, exclude: set[str]) -> dict[str, Any]:
    data = body.model_dump(mode="json", exclude_unset=True, exclude={"comment", *exclude})
    return data


# --- providers -----------------------------------------------------------------------------------------
async def list_providers(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    live = _live(request)
    data = [_provider_out(live, x) for x in live.current.providers]
    return 200, ProviderList(data=data, version=live.version)


async def get_provider(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    live = _live(request)
    return 200, _provider_out(live, _provider(live.current, request.match_info["id"]))


async def create_provider(request: web.Request, p: Principal, body: ProviderCreate) -> tuple[int, BaseModel]:
    live = _live(request)
    patch = _changes(body, {"name"})

    def mutate(overlay: ov.Overlay, current: Config) -> ov.Overlay:
        if any(x.name == body.name for x in current.providers):
            raise Conflict(f"provider '{body.name}' exists: PATCH it", param="name", code="provider_exists")
        overlay["providers"][body.name] = patch
        return overlay

    await live.change(mutate, action="providers.create", target=body.name, author=_author(p),
                      comment=body.comment)  # fmt: skip
    return 201, _provider_out(live, _provider(live.current, body.name))


async def update_provider(request: web.Request, p: Principal, body: ProviderPatch) -> tuple[int, BaseModel]:
    live, name = _live(request), request.match_info["id"]
    patch = _changes(body, set())
    if not patch:
        raise Unprocessable("send at least one provider key to change", param="body")

    def mutate(overlay: ov.Overlay, current: Config) -> ov.Overlay:
        _provider(current, name)
        merged = ov.compose(overlay["providers"].get(name) or {}, patch)
        # a key given one way replaces the other (the file's included): they are mutually exclusive
        for given, other in (("api_key", "api_key_file"), ("api_key_file", "api_key")):
            if patch.get(given) is not None:
                merged[other] = None  # stored null: removes the file's value when the layers combine
        overlay["providers"][name] = merged
        return overlay

    await live.change(mutate, action="providers.update", target=name, author=_author(p), comment=body.comment)
    return 200, _provider_out(live, _provider(live.current, name))


async def delete_provider(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    live, name = _live(request), request.match_info["id"]

    def mutate(overlay: ov.Overlay, current: Config) -> ov.Overlay:
        _provider(current, name)
        users = sorted({m.name for m in current.models if m.provider == name})
        if users:
            raise Conflict(
                f"provider '{name}' serves the models {', '.join(users)}: change or delete them first",
                param="id", code="provider_in_use",
            )  # fmt: skip
        in_file = any(x.name == name for x in live.base.providers)
        if in_file:
            overlay["providers"][name] = None
        else:
            overlay["providers"].pop(name, None)
        return overlay

    row = await live.change(mutate, action="providers.delete", target=name, author=_author(p))
    return 200, Removed(id=name, version=row.version)


# --- models ----------------------------------------------------------------------------------------------
def _deployments(body: ModelPatch, base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat = _changes(body, {"name", "deployments"})
    if body.deployments is not None:
        base = [d.model_dump(mode="json", exclude_none=True) for d in body.deployments]
    return [d | flat for d in base] if base else ([flat] if flat else [])


async def list_models(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    live = _live(request)
    names = list(dict.fromkeys(m.name for m in live.current.models))
    return 200, ModelList(data=[_model_out(live, n) for n in names], version=live.version)


async def get_model(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    return 200, _model_out(_live(request), request.match_info["id"])


async def create_model(request: web.Request, p: Principal, body: ModelCreate) -> tuple[int, BaseModel]:
    live = _live(request)
    entries = _deployments(body, [])
    if body.deployments is None and (body.provider is None or body.model is None):
        raise Unprocessable("a model needs `provider` and `model`, or `deployments`", param="provider")

    def mutate(overlay: ov.Overlay, current: Config) -> ov.Overlay:
        if any(m.name == body.name for m in current.models):
            raise Conflict(f"model '{body.name}' exists: PATCH it", param="name", code="model_exists")
        overlay["models"][body.name] = entries
        return overlay

    await live.change(mutate, action="models.create", target=body.name, author=_author(p),
                      comment=body.comment)  # fmt: skip
    return 201, _model_out(live, body.name)


async def update_model(request: web.Request, p: Principal, body: ModelPatch) -> tuple[int, BaseModel]:
    live, name = _live(request), request.match_info["id"]
    if not _changes(body, set()):
        raise Unprocessable("send `deployments` or at least one deployment key to change", param="body")

    def mutate(overlay: ov.Overlay, current: Config) -> ov.Overlay:
        entries = [_deployment(m) for m in current.models if m.name == name]
        if not entries:
            raise NotFound(f"no model '{name}'", param="id", code="model_not_found")
        overlay["models"][name] = _deployments(body, entries)
        return overlay

    await live.change(mutate, action="models.update", target=name, author=_author(p), comment=body.comment)
    return 200, _model_out(live, name)


async def delete_model(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    live, name = _live(request), request.match_info["id"]

    def mutate(overlay: ov.Overlay, current: Config) -> ov.Overlay:
        if not any(m.name == name for m in current.models):
            raise NotFound(f"no model '{name}'", param="id", code="model_not_found")
        if any(m.name == name for m in live.base.models):
            overlay["models"][name] = None
        else:
            overlay["models"].pop(name, None)
        return overlay

    row = await live.change(mutate, action="models.delete", target=name, author=_author(p))
    return 200, Removed(id=name, version=row.version)


# --- config ----------------------------------------------------------------------------------------------
def _view(live: LiveConfig) -> LiveView:
    return LiveView(config=public_config(live.current), version=live.version, last_error=live.last_error)


async def patch_config(request: web.Request, p: Principal, body: ConfigPatch) -> tuple[int, BaseModel]:
    live = _live(request)
    patches = {k: v for k, v in _changes(body, set()).items() if v is not None}
    if not patches:
        raise Unprocessable("send at least one of routing, pii, cache", param="body")

    def mutate(overlay: ov.Overlay, current: Config) -> ov.Overlay:
        for section, patch in patches.items():
            overlay["sections"][section] = ov.compose(overlay["sections"].get(section) or {}, patch)
        return overlay

    await live.change(mutate, action="config.update", target=",".join(sorted(patches)), author=_author(p),
                      comment=body.comment)  # fmt: skip
    return 200, _view(live)


async def reload_config(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    result = await _live(request).reload(_author(p))
    return 200, ReloadOut(
        version=result.version, changed=result.changed, restart_required=result.restart_required
    )


def _version_out(row: ConfigVersion, with_overlay: bool) -> VersionOut:
    return VersionOut(**row.summary(), overlay=ov.redacted(row.overlay) if with_overlay else None)


async def config_versions(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    live = _live(request)
    try:
        limit = max(1, min(1000, int(request.query.get("limit", "100"))))
    except ValueError:
        raise Unprocessable("limit: must be an integer from 1 to 1000", param="limit") from None
    rows = await live.store.history(limit)
    data = [_version_out(r, False) for r in rows]
    return 200, VersionList(data=data, version=live.version, last_error=live.last_error)


async def config_version(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    raw = request.match_info["version"]
    row = await _live(request).store.get(int(raw)) if raw.isdigit() else None
    if row is None:
        raise NotFound(f"no config version {raw}", param="version", code="config_version_not_found")
    return 200, _version_out(row, True)


async def rollback_config(request: web.Request, p: Principal, body: RollbackBody) -> tuple[int, BaseModel]:
    live = _live(request)
    row = await live.rollback(body.version, _author(p))
    return 200, _version_out(row, True)


async def reset_config(request: web.Request, p: Principal, body: _Body) -> tuple[int, BaseModel]:
    live = _live(request)
    why = body.comment or "every runtime change dropped: the file alone"
    row = await live.change(lambda _o, _c: ov.empty(), action="config.reset", author=_author(p), comment=why)
    return 200, _version_out(row, True)


async def export_config(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    live = _live(request)
    text = yaml.safe_dump(exported(live.current), sort_keys=False, allow_unicode=True)
    header = (
        f"# Bastion configuration in force (config version {live.version}); secrets are ${{VAR}} references\n"
    )
    return 200, RawBody(
        body=(header + text).encode(), content_type="application/yaml", filename="bastion.yaml"
    )


def exported(config: Config) -> dict[str, Any]:
    """The config as a file: defaults left out, every secret a `${VAR}` reference to set."""
    tree = config.model_dump(mode="json", exclude_defaults=True)
    for i, provider in enumerate(tree.get("providers") or []):
        var = "BASTION_PROVIDER_" + re.sub(r"[^A-Z0-9]", "_", provider["name"].upper())
        if config.providers[i].secret():
            provider["api_key"] = f"${{{var}_API_KEY}}"
        for header in provider.get("headers") or {}:
            hvar = re.sub(r"[^A-Z0-9]", "_", header.upper())
            provider["headers"][header] = f"${{{var}_HEADER_{hvar}}}"
    for key in ("admin_key", "metrics_token"):
        if key in tree:
            tree[key] = f"${{BASTION_{key.upper()}}}"
    if config.pii.hash_key:
        tree.setdefault("pii", {})["hash_key"] = "${BASTION_PII_HASH_KEY}"
    return tree


# (method, path, handler, permission, summary, response model[, body model[, status]])
LIVE_ROUTES: tuple[tuple[Any, ...], ...] = (
    ("GET", "/admin/providers", list_providers, READ, "Providers (secrets write-only)", ProviderList),
    ("GET", "/admin/providers/{id}", get_provider, READ, "One provider", ProviderOut),
    ("POST", "/admin/providers", create_provider, WRITE, "Add a provider", ProviderOut, ProviderCreate,
     201),
    ("PATCH", "/admin/providers/{id}", update_provider, WRITE, "Change a provider's keys", ProviderOut,
     ProviderPatch),
    ("DELETE", "/admin/providers/{id}", delete_provider, WRITE, "Remove a provider no model uses", Removed),
    ("GET", "/admin/models", list_models, READ, "Models and their deployments", ModelList),
    ("GET", "/admin/models/{id}", get_model, READ, "One model", ModelOut),
    ("POST", "/admin/models", create_model, WRITE, "Add a model", ModelOut, ModelCreate, 201),
    ("PATCH", "/admin/models/{id}", update_model, WRITE, "Change a model's deployments", ModelOut,
     ModelPatch),
    ("DELETE", "/admin/models/{id}", delete_model, WRITE, "Remove a model", Removed),
    ("PATCH", "/admin/config", patch_config, WRITE, "Merge-patch routing (groups), pii and cache", LiveView,
     ConfigPatch),
    ("POST", "/admin/config/reload", reload_config, WRITE, "Read the config file again", ReloadOut),
    ("GET", "/admin/config/versions", config_versions, READ, "Runtime config versions, newest first",
     VersionList),
    ("GET", "/admin/config/versions/{version}", config_version, READ, "One config version", VersionOut),
    ("POST", "/admin/config/rollback", rollback_config, WRITE, "Put an earlier version's changes in force",
     VersionOut, RollbackBody),
    ("POST", "/admin/config/reset", reset_config, WRITE, "Drop every runtime change (the file alone)",
     VersionOut, _Body),
    ("GET", "/admin/config/export", export_config, READ, "The config in force as a YAML file", RawBody),
)  # fmt: skip
