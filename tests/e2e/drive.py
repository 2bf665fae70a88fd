"""One neutral chat request (`Ask`) sent through the official SDKs, sync or async, streaming or not, and the
answer read back the way an app would (`Reply`); streams go through the SDKs' own accumulators."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anthropic
import openai
from anthropic.types import Message
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletion

PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
TOOL_NAME = "get_weather"
TOOL_DESCRIPTION = "Current weather in a city"
TOOL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "City name"}},
    "required": ["city"],
}
MAX_TOKENS = 64


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    name: str
    args: dict[str, Any]


@dataclass(slots=True)
class Ask:
    model: str
    text: str
    system: str | None = None
    image: bool = False
    tools: bool = False
    answered: tuple[Call, str] | None = None  # a tool call the model made, and its result
    extra: dict[str, Any] = field(default_factory=dict)  # extra SDK arguments


@dataclass(slots=True)
class Reply:
    text: str
    calls: list[Call]
    stop: str  # "stop" or "tool_use", whatever the client format calls them
    input_tokens: int | None
    output_tokens: int | None


# ---- OpenAI chat completions ------------------------------------------------------------------------


def openai_params(ask: Ask, stream: bool) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": ask.system}] if ask.system else []
    content: Any = ask.text
    if ask.image:
        image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}}
        content = [{"type": "text", "text": ask.text}, image]
    messages.append({"role": "user", "content": content})
    if ask.answered:
        call, result = ask.answered
        fn = {"name": call.name, "arguments": json.dumps(call.args)}
        tool_call = {"id": call.id, "type": "function", "function": fn}
        messages.append({"role": "assistant", "content": None, "tool_calls": [tool_call]})
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    params: dict[str, Any] = {"model": ask.model, "messages": messages, "max_tokens": MAX_TOKENS, **ask.extra}
    if ask.tools:
        fn = {"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "parameters": TOOL_SCHEMA}
        params["tools"] = [{"type": "function", "function": fn}]
    if stream:
        params["stream"] = True
        params["stream_options"] = {"include_usage": True}
    return params


def openai_reply(done: ChatCompletion) -> Reply:
    message = done.choices[0].message
    calls = [
        Call(c.id, c.function.name, json.loads(c.function.arguments))
        for c in message.tool_calls or []
        if c.type == "function"
    ]
    finish = done.choices[0].finish_reason
    usage = done.usage
    return Reply(
        message.content or "",
        calls,
        "tool_use" if finish == "tool_calls" else str(finish),
        usage.prompt_tokens if usage else None,
        usage.completion_tokens if usage else None,
    )


def openai_sync(client: openai.OpenAI, ask: Ask, stream: bool) -> Reply:
    params = openai_params(ask, stream)
    if not stream:
        return openai_reply(client.chat.completions.create(**params))
    state: ChatCompletionStreamState = ChatCompletionStreamState()
    for chunk in client.chat.completions.create(**params):
        state.handle_chunk(chunk)
    return openai_reply(state.get_final_completion())


async def openai_async(client: openai.AsyncOpenAI, ask: Ask, stream: bool) -> Reply:
    params = openai_params(ask, stream)
    if not stream:
        return openai_reply(await client.chat.completions.create(**params))
    state: ChatCompletionStreamState = ChatCompletionStreamState()
    async for chunk in await client.chat.completions.create(**params):
        state.handle_chunk(chunk)
    return openai_reply(state.get_final_completion())


# ---- Anthropic messages -----------------------------------------------------------------------------


def anthropic_params(ask: Ask) -> dict[str, Any]:
    content: Any = ask.text
    if ask.image:
        source = {"type": "base64", "media_type": "image/png", "data": PNG_B64}
        content = [{"type": "image", "source": source}, {"type": "text", "text": ask.text}]
    messages: list[dict[str, Any]] = [{"role": "user", "content": content}]
    if ask.answered:
        call, result = ask.answered
        use = {"type": "tool_use", "id": call.id, "name": call.name, "input": call.args}
        messages.append({"role": "assistant", "content": [use]})
        answer = {"type": "tool_result", "tool_use_id": call.id, "content": result}
        messages.append({"role": "user", "content": [answer]})
    params: dict[str, Any] = {"model": ask.model, "max_tokens": MAX_TOKENS, "messages": messages, **ask.extra}
    if ask.system:
        params["system"] = ask.system
    if ask.tools:
        params["tools"] = [{"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "input_schema": TOOL_SCHEMA}]
    return params


def anthropic_reply(message: Message) -> Reply:
    text = "".join(b.text for b in message.content if b.type == "text")
    calls = [Call(b.id, b.name, dict(b.input)) for b in message.content if b.type == "tool_use"]  # type: ignore[arg-type]
    stop = "stop" if message.stop_reason == "end_turn" else str(message.stop_reason)
    return Reply(text, calls, stop, message.usage.input_tokens, message.usage.output_tokens)


def anthropic_sync(client: anthropic.Anthropic, ask: Ask, stream: bool) -> Reply:
    params = anthropic_params(ask)
    if not stream:
        return anthropic_reply(client.messages.create(**params))
    with client.messages.stream(**params) as events:
        return anthropic_reply(events.get_final_message())


async def anthropic_async(client: anthropic.AsyncAnthropic, ask: Ask, stream: bool) -> Reply:
    params = anthropic_params(ask)
    if not stream:
        return anthropic_reply(await client.messages.create(**params))
    async with client.messages.stream(**params) as events:
        return anthropic_reply(await events.get_final_message())
