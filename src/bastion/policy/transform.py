"""Request rewrites that `transform` rules ask for: cap the output tokens, strip or restrict tools, prepend
a system instruction. How each is done in a client format is the inbound API's (`ClientApi.rewriter`)."""

from __future__ import annotations

from typing import Any

from bastion.apis.base import ClientApi

Json = dict[str, Any]


def apply(
    body: Json,
    api: ClientApi,
    *,
    max_tokens: int | None = None,
    tools: str | frozenset[str] | None = None,
    system_prompts: list[str] | None = None,
) -> list[str]:
    """Apply the transforms a decision asks for; returns the names of those that changed the body."""
    rw = api.rewriter
    if rw is None:
        return []
    done: list[str] = []
    if max_tokens is not None and rw.cap(body, max_tokens):
        done.append("max_tokens")
    if tools is not None and rw.tools(body, None if isinstance(tools, str) else tools):
        done.append("tools")
    if system_prompts:
        text = "\n\n".join(system_prompts)
        if rw.system(body, text):
            done.append("system_prompt")
    return done
