"""The catalogue of AI services (`catalogue.yaml`, plus `shadow.catalogue_extra`) and the domain index
that tells which service a host (and URL path) belongs to.

Matching is a walk down a tree of reversed domain labels (``com`` -> ``openai`` -> ``api``): the cost is
the number of labels in the host, whatever the size of the catalogue, and the deepest match wins, so
``sora.chatgpt.com`` is Sora while ``chatgpt.com`` is ChatGPT."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

TRAINS = ("yes", "no", "opt-out", "depends", "unknown")
NOT_REVIEWED = "Not reviewed: check the vendor's current terms."
_CACHE_LIMIT = 65_536  # hosts remembered per index; cleared when full, so memory stays bounded
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # safe either way; in C when built with libyaml


class CatalogueError(ValueError):
    """A catalogue file that cannot be used (names the file and the entry)."""


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    vendor: str
    category: str
    hq: str = "unknown"
    trains: str = "unknown"
    data_use: str = NOT_REVIEWED
    domains: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    provider_types: tuple[str, ...] = ()

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "vendor": self.vendor, "category": self.category,
            "hq": self.hq, "trains_on_inputs": self.trains, "data_use": self.data_use,
            "domains": list(self.domains), "paths": list(self.paths),
        }  # fmt: skip


def _service(raw: Any, where: str) -> Service:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: each service is a mapping")
    missing = [k for k in ("id", "name", "vendor", "category") if not raw.get(k)]
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(missing)}")
    known = {"id", "name", "vendor", "category", "hq", "trains", "data_use", "domains", "paths"}
    unknown = set(raw) - known - {"provider_types", "disabled"}
    if unknown:
        raise CatalogueError(f"{where} ({raw['id']}): unknown field(s) {', '.join(sorted(unknown))}")
    trains = raw.get("trains", "unknown")
    trains = {True: "yes", False: "no"}.get(trains, trains) if isinstance(trains, bool) else str(trains)
    if trains not in TRAINS:
        raise CatalogueError(f"{where} ({raw['id']}): trains must be one of {', '.join(TRAINS)}")
    domains = tuple(str(d).lower().strip(".") for d in raw.get("domains") or ())
    paths = tuple(str(p).lower() for p in raw.get("paths") or ())
    if not domains and not paths:
        raise CatalogueError(f"{where} ({raw['id']}): give at least one domain or path")
    for p in paths:
        if "/" not in p:
            raise CatalogueError(f"{where} ({raw['id']}): path {p!r} must be host/prefix")
    return Service(
        id=str(raw["id"]), name=str(raw["name"]), vendor=str(raw["vendor"]), category=str(raw["category"]),
        hq=str(raw.get("hq") or "unknown"), trains=trains, data_use=str(raw.get("data_use") or NOT_REVIEWED),
        domains=domains, paths=paths, provider_types=tuple(raw.get("provider_types") or ()),
    )  # fmt: skip


def _entries(text: str, where: str) -> list[Any]:
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{where}: not valid YAML/JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("services")
    if not isinstance(data, list):
        raise CatalogueError(f"{where}: expected a list of services (or a mapping with `services:`)")
    return data


def load_services(extra: Iterable[str | Path] = ()) -> list[Service]:
    """The shipped services, then each extra file's: an entry with an existing id replaces it, one with
    `disabled: true` removes it."""
    shipped = resources.files("bastion.shadow").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    by_id: dict[str, Service] = {}
    for i, raw in enumerate(_entries(shipped, "catalogue.yaml")):
        by_id[raw.get("id", "")] = _service(raw, f"catalogue.yaml services[{i}]")
    for path in extra:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogueError(f"{path}: cannot read the catalogue file: {exc.strerror}") from None
        for i, raw in enumerate(_entries(text, str(path))):
            if isinstance(raw, dict) and raw.get("disabled"):
                by_id.pop(str(raw.get("id")), None)
                continue
            service = _service(raw, f"{path} services[{i}]")
            by_id[service.id] = service
    return list(by_id.values())


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    globs: list[tuple[str, _Node]] = field(default_factory=list)  # first-label patterns ("*-aiplatform")
    service: Service | None = None
    paths: list[tuple[str, Service]] = field(default_factory=list)  # (path prefix, service), longest first


class DomainIndex:
    """Host (+ path) -> Service, by suffix over reversed labels; results cached per host."""

    def __init__(self, services: Iterable[Service]) -> None:
        self.root = _Node()
        self._cache: dict[str, _Node | None] = {}
        for service in services:
            for domain in service.domains:
                self._node(domain).service = service
            for rule in service.paths:
                host, _, prefix = rule.partition("/")
                node = self._node(host)
                node.paths.append(("/" + prefix, service))
                node.paths.sort(key=lambda p: -len(p[0]))

    def _node(self, domain: str) -> _Node:
        node = self.root
        for label in reversed(domain.split(".")):
            if "*" in label and label != "*":
                child = next((n for g, n in node.globs if g == label), None)
                if child is None:
                    child = _Node()
                    node.globs.append((label, child))
                node = child
            else:
                node = node.children.setdefault(label, _Node())
        return node

    def match(self, host: str, path: str = "") -> Service | None:
        if host in self._cache:
            node = self._cache[host]
        else:
            node = self._deepest(host)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[host] = node
        if node is None:
            return None
        if node.paths and path:
            low = path.lower()
            for prefix, service in node.paths:
                if low.startswith(prefix):
                    return service
        return node.service

    def _deepest(self, host: str) -> _Node | None:
        """The deepest node on the host's label path holding a service or path rules."""
        labels = host.split(".")
        labels.reverse()
        best: _Node | None = None
        stack: list[tuple[_Node, int]] = [(self.root, 0)]
        best_depth = -1
        while stack:
            node, depth = stack.pop()
            if depth > best_depth and (node.service is not None or node.paths) and depth > 0:
                best, best_depth = node, depth
            if depth == len(labels):
                continue
            label = labels[depth]
            child = node.children.get(label)
            if child is not None:
                stack.append((child, depth + 1))
            star = node.children.get("*")
            if star is not None:
                stack.append((star, depth + 1))
            for pattern, glob_child in node.globs:
                if fnmatch.fnmatchcase(label, pattern):
                    stack.append((glob_child, depth + 1))
        return best


class Catalogue:
    """The services, their index, and which of them are sanctioned."""

    def __init__(self, services: list[Service], sanctioned: Iterable[str] = ()) -> None:
        self.services = {s.id: s for s in services}
        self.index = DomainIndex(services)
        self.sanctioned = frozenset(sanctioned)

    @classmethod
    def build(
        cls,
        extra: Iterable[str | Path] = (),
        providers: Iterable[tuple[str, str]] = (),
        sanctioned: Iterable[str] = (),
    ) -> Catalogue:
        """`providers`: (provider type, base URL) of what the gateway fronts; `sanctioned`: more service
        ids or domains approved by configuration."""
        catalogue = cls(load_services(extra))
        approved: set[str] = set()
        for ptype, url in providers:
            approved |= {s.id for s in catalogue.services.values() if ptype in s.provider_types}
            host, path = split_url(url)
            service = catalogue.index.match(host, path) if host else None
            if service is not None:
                approved.add(service.id)
        for entry in sanctioned:
            if entry in catalogue.services:
                approved.add(entry)
                continue
            host, path = split_url(entry)
            service = catalogue.index.match(host, path)
            if service is None:
                raise CatalogueError(
                    f"shadow.sanctioned: {entry!r} is neither a service id nor a catalogued domain"
                )
            approved.add(service.id)
        catalogue.sanctioned = frozenset(approved)
        return catalogue

    def match(self, host: str, path: str = "") -> Service | None:
        return self.index.match(host, path)

    def is_sanctioned(self, service_id: str) -> bool:
        return service_id in self.sanctioned

    def describe(self, service_id: str) -> Mapping[str, Any]:
        s = self.services.get(service_id)
        if s is None:  # a service since removed from the catalogue, still in stored history
            return {"vendor": "unknown", "category": "unknown", "name": service_id}
        return {"vendor": s.vendor, "category": s.category, "name": s.name}


def split_url(url: str) -> tuple[str, str]:
    """`https://user@Host.example:443/p?q` -> ("host.example", "/p?q"); a bare `host:port` -> ("host", "")."""
    rest = url
    scheme = rest.find("://")
    if scheme != -1:
        rest = rest[scheme + 3 :]
    slash = rest.find("/")
    if slash == -1:
        host, path = rest, ""
    else:
        host, path = rest[:slash], rest[slash:]
    at = host.rfind("@")
    if at != -1:
        host = host[at + 1 :]
    if host.startswith("["):  # an IPv6 literal
        return host[1 : host.find("]")].lower() if "]" in host else host.lower(), path
    colon = host.find(":")
    if colon != -1:
        host = host[:colon]
    return host.rstrip(".").lower(), path
