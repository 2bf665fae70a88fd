"""The registry of inbound client APIs: name -> the one object that knows that API (`ClientApi`).

Adding an API is a module beside this one (a `ClientApi` subclass and its instance) and one line here;
its routes are served, and every stage handles it, through the object."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bastion.apis import anthropic_messages, gemini_generate, openai_chat, openai_embeddings, openai_responses
from bastion.apis.base import ClientApi

APIS: Mapping[str, ClientApi] = MappingProxyType({
    api.name: api
    for api in (
        openai_chat.API,
        openai_embeddings.API,
        openai_responses.API,
        anthropic_messages.API,
        gemini_generate.API,
    )
})  # fmt: skip

DEFAULT = openai_chat.API  # the shape of answers that belong to no API (unknown routes, health)

# the chat API of each provider wire format: how a translated upstream stream is read
_BY_WIRE: Mapping[str, ClientApi] = MappingProxyType(
    {api.wire: api for api in APIS.values() if api.operation == "chat"}
)


def get(name: str) -> ClientApi:
    """The API named `name` (KeyError when there is none)."""
    return APIS[name]


def names() -> tuple[str, ...]:
    return tuple(APIS)


def for_wire(wire: str) -> ClientApi:
    """The chat API whose body format is provider wire format `wire`."""
    return _BY_WIRE[wire]


def for_path(path: str) -> ClientApi:
    """The API whose routes `path` falls under (its error shape), else the default."""
    for api in APIS.values():
        if path.startswith(api.prefixes):
            return api
    return DEFAULT
