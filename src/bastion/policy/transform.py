"""Request rewrites that `transform` rules ask for, per inbound API (one explicit table, no string
dispatch elsewhere): cap the output tokens, strip or restrict tools, prepend a system instruction.
Each function changes the client-format body in place and returns what it changed (for the record)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


# --- max tokens --------------------------------------------------------------------------------------
def _cap(body: Json, keys: tuple[str, ...], default_key: str, cap: int) -> bool:
    present = [k for k in keys if isinstance(body.get(k), int)]
    if not present:
        body[default_key] = cap
        return True
    changed = False
    for k in present:
        if body[k] > cap:
            body[k] = cap
            changed = True
    return changed


def cap_openai_chat(body: Json, cap: int) -> bool:
    return _cap(body, ("max_completion_tokens", "max_tokens"), "max_completion_tokens", cap)


def cap_anthropic(body: Json, cap: int) -> bool:
    return _cap(body, ("max_tokens",), "max_tokens", cap)


def cap_responses(body: Json, cap: int) -> bool:
    return _cap(body, ("max_output_tokens",), "max_output_tokens", cap)


# --- tools -------------------------------------------------------------------------------------------
def _openai_chat_tool_name(tool: Any) -> str | None:
    fn = tool.get("function") if isinstance(tool, dict) else None
    return fn.get("name") if isinstance(fn, dict) else None


def _flat_tool_name(tool: Any) -> str | None:
    return tool.get("name") if isinstance(tool, dict) else None


def _choice_name(choice: Any) -> str | None:
    """The tool a tool_choice forces, in any of the three shapes."""
    if not isinstance(choice, dict):
        return None
    fn = choice.get("function")
    if isinstance(fn, dict):
        return fn.get("name")
    return choice.get("name")


def _restrict(
    body: Json, allowed: frozenset[str] | None, name_of: Callable[[Any], str | None], extra: tuple[str, ...]
) -> bool:
    """Keep only `allowed` tools (None: strip all). Drops tool_choice when it names a removed tool."""
    tools = body.get("tools")
    if not isinstance(tools, list) or not tools:
        return False
    kept = [] if allowed is None else [t for t in tools if name_of(t) in allowed]
    if len(kept) == len(tools):
        return False
    if kept:
        body["tools"] = kept
        forced = _choice_name(body.get("tool_choice"))
        if forced is not None and forced not in allowed:  # type: ignore[operator]
            body.pop("tool_choice", None)
    else:
        for key in ("tools", "tool_choice", *extra):
            body.pop(key, None)
    return True


def tools_openai_chat(body: Json, allowed: frozenset[str] | None) -> bool:
    changed = _restrict(body, allowed, _openai_chat_tool_name, ("parallel_tool_calls",))
    if allowed is None and ("functions" in body or "function_call" in body):  # the legacy shape
        body.pop("functions", None)
        body.pop("function_call", None)
        changed = True
    return changed


def tools_anthropic(body: Json, allowed: frozenset[str] | None) -> bool:
    return _restrict(body, allowed, _flat_tool_name, ())


def tools_responses(body: Json, allowed: frozenset[str] | None) -> bool:
    return _restrict(body, allowed, _flat_tool_name, ("parallel_tool_calls",))


# --- system instruction ------------------------------------------------------------------------------
def system_openai_chat(body: Json, text: str) -> bool:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return False
    messages.insert(0, {"role": "system", "content": text})
    return True


def system_anthropic(body: Json, text: str) -> bool:
    system = body.get("system")
    if isinstance(system, list):
        system.insert(0, {"type": "text", "text": text})
    elif isinstance(system, str) and system:
        body["system"] = f"{text}\n\n{system}"
    else:
        body["system"] = text
    return True


def system_responses(body: Json, text: str) -> bool:
    current = body.get("instructions")
    body["instructions"] = f"{text}\n\n{current}" if isinstance(current, str) and current else text
    return True


@dataclass(frozen=True, slots=True)
class Rewriter:
    cap: Callable[[Json, int], bool]
    tools: Callable[[Json, frozenset[str] | None], bool]
    system: Callable[[Json, str], bool]


REWRITERS: dict[str, Rewriter] = {
    "openai.chat": Rewriter(cap_openai_chat, tools_openai_chat, system_openai_chat),
    "anthropic.messages": Rewriter(cap_anthropic, tools_anthropic, system_anthropic),
    "openai.responses": Rewriter(cap_responses, tools_responses, system_responses),
}


def apply(
    body: Json,
    api: str,
    *,
    max_tokens: int | None = None,
    tools: str | frozenset[str] | None = None,
    system_prompts: list[str] | None = None,
) -> list[str]:
    """Apply the transforms a decision asks for; returns the names of those that changed the body."""
    rw = REWRITERS.get(api)
    if rw is None:
        return []
    done: list[str] = []
    if max_tokens is not None and rw.cap(body, max_tokens):
        done.append("max_tokens")
    if tools is not None and rw.tools(body, None if tools == "strip" else tools):  # type: ignore[arg-type]
        done.append("tools")
    if system_prompts:
        text = "\n\n".join(system_prompts)
        if rw.system(body, text):
            done.append("system_prompt")
    return done
