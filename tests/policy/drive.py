"""One call through the official SDKs, streamed or not, on the OpenAI or the Anthropic route."""

from __future__ import annotations

from typing import Any

import anthropic
import openai

MODELS = {"openai": "openai-echo", "anthropic": "anthropic-echo"}


def ask(
    client: openai.OpenAI | anthropic.Anthropic,
    text: str,
    *,
    stream: bool = False,
    use_case: str | None = None,
    model: str | None = None,
    **kw: Any,
) -> str:
    headers = {"x-bastion-use-case": use_case} if use_case else {}
    if isinstance(client, openai.OpenAI):
        model = model or MODELS["openai"]
        messages = [{"role": "user", "content": text}]
        if not stream:
            r = client.chat.completions.create(model=model, messages=messages, extra_headers=headers, **kw)
            return r.choices[0].message.content or ""
        chunks = client.chat.completions.create(
            model=model, messages=messages, stream=True, extra_headers=headers, **kw
        )
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    model = model or MODELS["anthropic"]
    kw.setdefault("max_tokens", 200)
    messages = [{"role": "user", "content": text}]
    if not stream:
        m = client.messages.create(model=model, messages=messages, extra_headers=headers, **kw)  # type: ignore[arg-type]
        return "".join(b.text for b in m.content if b.type == "text")
    with client.messages.stream(model=model, messages=messages, extra_headers=headers, **kw) as s:  # type: ignore[arg-type]
        return "".join(s.text_stream)
