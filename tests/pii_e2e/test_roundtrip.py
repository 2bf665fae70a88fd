"""Issue 4 item 9: through the gateway with PII on, no original value reaches a provider (every recorded
body and header is checked) and the client gets the originals back, streamed and not, for the OpenAI and
Anthropic SDKs against OpenAI, Anthropic and Gemini providers."""

from __future__ import annotations

import asyncio

import anthropic
import openai
import orjson
import pytest

from fakes import Fakes
from harness import PROVIDERS, marker
from pii_e2e.common import API_KEY, EMAIL, NAME, ORIGINALS, Watch, prompt
from pii_e2e.conftest import OPTIONS

TOOL = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
STREAM = (False, True)


def openai_text(client: openai.OpenAI, model: str, messages: list[dict], stream: bool, **kw: object) -> str:
    if not stream:
        return (
            client.chat.completions.create(model=model, messages=messages, **kw).choices[0].message.content
            or ""
        )  # type: ignore[arg-type]
    chunks = client.chat.completions.create(model=model, messages=messages, stream=True, **kw)  # type: ignore[arg-type]
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def anthropic_text(client: anthropic.Anthropic, model: str, stream: bool, **kw: object) -> str:
    if not stream:
        msg = client.messages.create(model=model, max_tokens=100, **kw)  # type: ignore[call-overload]
    else:
        with client.messages.stream(model=model, max_tokens=100, **kw) as s:  # type: ignore[arg-type]
            msg = s.get_final_message()
    return "".join(b.text for b in msg.content if b.type == "text")


@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_openai_client_gets_originals_back(
    oai: openai.OpenAI, twisted: Fakes, provider: str, stream: bool
) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    got = openai_text(oai, f"{provider}-echo", [{"role": "user", "content": text}], stream)
    assert got == "Echo: " + text
    (raw,) = watch.assert_clean()
    assert b"<PERSON_1>" in raw and b"<EMAIL_1>" in raw and b"<CREDIT_CARD_1>" in raw


@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_anthropic_client_gets_originals_back(
    ant: anthropic.Anthropic, twisted: Fakes, provider: str, stream: bool
) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    got = anthropic_text(ant, f"{provider}-echo", stream, messages=[{"role": "user", "content": text}])
    assert got == "Echo: " + text
    watch.assert_clean()


async def test_async_openai_stream(pii_gateway: object, twisted: Fakes) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    async with openai.AsyncOpenAI(base_url=pii_gateway.openai_base, **OPTIONS) as client:  # type: ignore[attr-defined]
        chunks = await client.chat.completions.create(
            model="anthropic-echo", messages=[{"role": "user", "content": text}], stream=True
        )
        got = "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])
    assert got == "Echo: " + text
    watch.assert_clean()


async def test_concurrent_requests_get_their_own_values(pii_gateway: object, twisted: Fakes) -> None:
    """Every request has its own vault: twelve at once, each `<PERSON_1>` restored to its own name."""
    names = ["Ana Lopez", "John Smith", "Maria Garcia", "Peter Brown", "Laura Martin", "David Miller"]

    async def one(client: openai.AsyncOpenAI, name: str, provider: str) -> tuple[str, str]:
        text = f"{marker()} I am {name}, mail {name.split(maxsplit=1)[0].lower()}@corp.example"
        chunks = await client.chat.completions.create(
            model=f"{provider}-echo", messages=[{"role": "user", "content": text}], stream=True
        )
        return text, "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])

    async with openai.AsyncOpenAI(base_url=pii_gateway.openai_base, **OPTIONS) as client:  # type: ignore[attr-defined]
        results = await asyncio.gather(
            *(one(client, name, p) for name in names for p in ("openai", "anthropic"))
        )
    for text, got in results:
        assert got == "Echo: " + text


# ---- tool calls: arguments restored, valid JSON, originals JSON-escaped ------------------------------------


@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_openai_tool_call_arguments_restored(
    oai: openai.OpenAI, twisted: Fakes, provider: str, stream: bool
) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": TOOL}}]
    kw = {"model": f"{provider}-toolecho", "messages": [{"role": "user", "content": text}], "tools": tools}
    if not stream:
        calls = oai.chat.completions.create(**kw).choices[0].message.tool_calls or []  # type: ignore[call-overload]
        args = calls[0].function.arguments
    else:
        args = ""
        for c in oai.chat.completions.create(**kw, stream=True):  # type: ignore[call-overload]
            for call in (c.choices[0].delta.tool_calls or []) if c.choices else []:
                args += call.function.arguments or "" if call.function else ""
    assert orjson.loads(args) == {"q": text}
    watch.assert_clean()


@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_anthropic_tool_use_input_restored(
    ant: anthropic.Anthropic, twisted: Fakes, provider: str, stream: bool
) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    kw = {
        "model": f"{provider}-toolecho",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": text}],
        "tools": [{"name": "lookup", "input_schema": TOOL}],
    }
    if not stream:
        msg = ant.messages.create(**kw)  # type: ignore[call-overload]
    else:
        with ant.messages.stream(**kw) as s:  # type: ignore[arg-type]
            msg = s.get_final_message()
    (use,) = [b for b in msg.content if b.type == "tool_use"]
    assert use.input == {"q": text}
    watch.assert_clean()


# ---- system prompts, history, tool results, content blocks -----------------------------------------------


@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_openai_history_system_and_tool_results(
    oai: openai.OpenAI, twisted: Fakes, provider: str, stream: bool
) -> None:
    mk = marker()
    result = f"{mk} the account of {NAME} is {API_KEY}"
    messages = [
        {"role": "system", "content": f"You help {NAME} ({EMAIL})."},
        {"role": "user", "content": [{"type": "text", "text": prompt(mk)}]},
        {"role": "assistant", "content": f"Hello {NAME}."},
        {"role": "user", "content": "look it up"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": orjson.dumps({"q": prompt(mk)}).decode()},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]
    watch = Watch(twisted)
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": TOOL}}]
    got = openai_text(oai, f"{provider}-echo", messages, stream, tools=tools)
    assert got == "Tool result: " + result
    (raw,) = watch.assert_clean()
    assert raw.count(b"PERSON_1") >= 4  # one placeholder for one value, in every message


@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_anthropic_blocks_system_history_and_tool_results(
    ant: anthropic.Anthropic, twisted: Fakes, provider: str, stream: bool
) -> None:
    mk = marker()
    result = f"{mk} the account of {NAME} is {API_KEY}"
    messages = [
        {"role": "user", "content": [{"type": "text", "text": prompt(mk)}, {"type": "text", "text": EMAIL}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": f"Let me check {NAME}."},
            {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": prompt(mk)}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": result}]},
        ]},
    ]  # fmt: skip
    watch = Watch(twisted)
    got = anthropic_text(
        ant,
        f"{provider}-echo",
        stream,
        system=[{"type": "text", "text": f"You help {NAME} ({EMAIL})."}],
        messages=messages,
        tools=[{"name": "lookup", "input_schema": TOOL}],
    )
    assert got == "Tool result: " + result
    watch.assert_clean()


# ---- embeddings and /v1/responses ------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["openai-embed", "gemini-embed"])
def test_embeddings_input_is_protected(oai: openai.OpenAI, twisted: Fakes, model: str) -> None:
    texts = [prompt(marker()), f"{NAME} {EMAIL}"]
    watch = Watch(twisted)
    out = oai.embeddings.create(model=model, input=texts)
    assert len(out.data) == 2
    (raw,) = watch.assert_clean()
    assert b"<PERSON_1>" in raw


@pytest.mark.parametrize("stream", STREAM)
def test_responses_api(oai: openai.OpenAI, twisted: Fakes, stream: bool) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    kw = {"model": "openai-echo", "input": text, "instructions": f"You help {NAME} at {EMAIL}."}
    if not stream:
        got = oai.responses.create(**kw).output_text  # type: ignore[call-overload]
    else:
        with oai.responses.stream(**kw) as s:  # type: ignore[call-overload]
            deltas = "".join(ev.delta for ev in s if ev.type == "response.output_text.delta")
            final = s.get_final_response().output_text
        assert deltas == final
        got = final
    assert got == "Echo: " + text
    watch.assert_clean()


def test_every_original_listed_is_detected() -> None:
    """Guards the test data: if a recognizer stops finding one of these, the tests above must say so."""
    from bastion.pii import PiiEngine, PiiSettings

    text = prompt("mk0")
    found = {text[s.start : s.end] for s in PiiEngine(PiiSettings()).detect(text)}
    assert set(ORIGINALS) <= found


def test_responses_api_input_items(oai: openai.OpenAI, twisted: Fakes) -> None:
    """Input items: messages with input_text parts, a function call and its output, all protected."""
    mk = marker()
    text = prompt(mk)
    items = [
        {"role": "system", "content": f"You help {NAME}."},
        {"role": "user", "content": [{"type": "input_text", "text": f"{mk} {EMAIL}"}]},
        {
            "type": "function_call",
            "call_id": "c1",
            "name": "lookup",
            "arguments": orjson.dumps({"q": text}).decode(),
        },
        {"type": "function_call_output", "call_id": "c1", "output": f"{NAME} owns {API_KEY}"},
        {"role": "user", "content": [{"type": "input_text", "text": text}]},
    ]
    watch = Watch(twisted)
    assert oai.responses.create(model="openai-echo", input=items).output_text == "Echo: " + text  # type: ignore[arg-type]
    watch.assert_clean()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_anthropic_plain_string_system(ant: anthropic.Anthropic, twisted: Fakes, provider: str) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    got = anthropic_text(
        ant,
        f"{provider}-echo",
        False,
        system=f"You help {NAME} <{EMAIL}>.",
        messages=[{"role": "user", "content": text}],
    )
    assert got == "Echo: " + text
    watch.assert_clean()
