"""Every inbound API (OpenAI chat via the openai SDK, Anthropic messages via the anthropic SDK) against every
provider (OpenAI, Anthropic, Gemini fakes and the built-in demo), sync and async, streaming and not."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from e2e.conftest import Chat
from e2e.drive import Ask
from e2e.upstream import check_route, check_tools, has_image, system_text, tool_result
from fakes import Fakes
from fakes.server import TOOL_ARGUMENT
from harness import marker

INBOUND = ("openai", "anthropic")
PROVIDERS = ("openai", "anthropic", "gemini", "demo")

# (input tokens, output tokens) each fake reports, as each client format counts them
USAGE = {"openai": (11, 7), "anthropic": (13, 5), "gemini": (17, 3)}


@dataclass(frozen=True, slots=True)
class Case:
    inbound: str
    provider: str
    mode: str
    stream: bool

    @property
    def model(self) -> str:
        return model(self.provider)

    def __str__(self) -> str:
        return f"{self.inbound}>{self.provider}-{self.mode}-{'stream' if self.stream else 'json'}"


def model(provider: str) -> str:
    return "demo-echo" if provider == "demo" else f"{provider}-echo"


MATRIX = [
    Case(i, p, m, s) for i in INBOUND for p in PROVIDERS for m in ("sync", "async") for s in (False, True)
]
matrix = pytest.mark.parametrize("case", MATRIX, ids=str)


@matrix
async def test_text_and_usage(chat: Chat, fakes: Fakes, case: Case) -> None:
    mk = marker()
    reply = await chat(case.inbound, case.mode, case.stream, Ask(case.model, f"hello {mk}"))
    assert reply.text == f"Echo: hello {mk}"
    assert reply.calls == []
    assert reply.stop == "stop"
    if case.provider == "demo":
        assert reply.input_tokens and reply.input_tokens > 0
        assert reply.output_tokens and reply.output_tokens > 0
        return
    assert (reply.input_tokens, reply.output_tokens) == USAGE[case.provider]
    check_route(case.provider, fakes.by_name(case.provider).find(mk), "fake-echo", case.stream)


@matrix
async def test_system_prompt_and_image(chat: Chat, fakes: Fakes, case: Case) -> None:
    mk = marker()
    ask = Ask(case.model, f"describe {mk}", system=f"You are terse {mk}", image=True)
    reply = await chat(case.inbound, case.mode, case.stream, ask)
    assert reply.text == f"Echo: describe {mk}"
    if case.provider != "demo":
        rec = fakes.by_name(case.provider).find(mk)
        assert system_text(case.provider, rec) == f"You are terse {mk}"
        assert has_image(case.provider, rec)


@matrix
async def test_tool_call(chat: Chat, fakes: Fakes, case: Case) -> None:
    mk = marker()
    reply = await chat(case.inbound, case.mode, case.stream, Ask(case.model, f"weather {mk}", tools=True))
    (call,) = reply.calls
    assert call.name == "get_weather"
    assert call.args == {"city": f"weather {mk}" if case.provider == "demo" else TOOL_ARGUMENT}
    assert call.id
    assert reply.stop == "tool_use"
    if case.provider != "demo":
        check_tools(case.provider, fakes.by_name(case.provider).find(mk))


@pytest.mark.parametrize("inbound", INBOUND)
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_tool_round_trip(chat: Chat, fakes: Fakes, inbound: str, provider: str, stream: bool) -> None:
    """The tool call the SDK got back is usable: sent back with its result, the model answers."""
    mk = marker()
    first = await chat(inbound, "sync", stream, Ask(model(provider), f"weather {mk}", tools=True))
    (call,) = first.calls
    ask = Ask(model(provider), f"weather {mk}", tools=True, answered=(call, f"sunny {mk}"))
    second = await chat(inbound, "async", stream, ask)
    assert second.text == f"Tool result: sunny {mk}"
    assert second.calls == []
    if provider != "demo":
        assert tool_result(provider, fakes.by_name(provider).find(f"sunny {mk}")) == f"sunny {mk}"
