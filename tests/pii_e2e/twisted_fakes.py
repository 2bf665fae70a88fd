"""The shared fake providers (tests/fakes), with model behaviours a PII test needs on top of theirs. The
model id picks the twist; the answer is the fake's usual `echo` answer, rewritten on its way out:

    fake-toolecho   a tool call whose string arguments are the last user text (the fakes' own tool call
                    fills them with "Paris"; tools must have ONE string property named `q`)
    fake-mangle     every `<LABEL_n>` placeholder comes back lower-cased and wrapped in ** ** (as models do)
    fake-chars      streams: every text delta is split into one event per character
    fake-toolchars  toolecho, and streamed tool-argument fragments split into one event per character
    fake-leak       the answer also holds PII the request did not contain (for `pii.response_scan`)
    fake-leakchars  leak, and streamed text split into one event per character

Everything else is the shared fakes' behaviour. Requests are recorded by the base class as usual."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from aiohttp import web

from fakes import Fakes, FakeServer, Recorded
from fakes.anthropic import FakeAnthropic
from fakes.gemini import FakeGemini
from fakes.openai import FakeOpenAI
from fakes.server import TOOL_ARGUMENT, behaviour, sse

Json = dict[str, Any]
LEAK = " Also write to leaked.person@elsewhere.example or call +1 415 555 0199."
_PLACEHOLDER = re.compile(r"<([A-Z_]+_\d+)>")
_REC = web.RequestKey("pii_e2e.recorded", Recorded)


def last_user_text(body: Json) -> str:
    """The last user text of an OpenAI, Anthropic or Gemini request body."""
    if "contents" in body:
        parts = (body["contents"][-1] or {}).get("parts") or []
        return " ".join(p["text"] for p in parts if isinstance(p.get("text"), str))
    content = (body.get("messages") or [{}])[-1].get("content")
    if isinstance(content, str):
        return content
    return " ".join(
        b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"
    )


def _walk(node: Any, fn: Callable[[str, str], str], key: str = "") -> Any:
    """Every string leaf rewritten by fn(key, value) (key: the name of the field holding it)."""
    if isinstance(node, dict):
        return {k: _walk(v, fn, k) if not isinstance(v, str) else fn(k, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, fn, key) if not isinstance(v, str) else fn(key, v) for v in node]
    return node


def _rewrite(twist: str, rec: Recorded) -> Callable[[str, str], str]:
    user = last_user_text(rec.json)

    def fn(key: str, value: str) -> str:
        if twist in ("toolecho", "toolchars") and TOOL_ARGUMENT in value:
            # `arguments` / `partial_json` hold JSON text: the user text goes in JSON-escaped
            escaped = orjson.dumps(user).decode()[1:-1] if key in ("arguments", "partial_json") else user
            return value.replace(TOOL_ARGUMENT, escaped)
        if twist == "mangle":
            return _PLACEHOLDER.sub(lambda m: "**<" + m.group(1).lower() + ">**", value)
        if twist in ("leak", "leakchars") and value.startswith("Echo:"):  # streamed: the first word
            return value + LEAK
        return value

    return fn


def _split_chars(data: Json) -> list[Json]:
    """One copy of the event per character of its text delta (OpenAI chat, Anthropic, Gemini, responses)."""
    choices = data.get("choices")
    if isinstance(choices, list) and choices and "tool_calls" in choices[0].get("delta", {}):
        path: tuple[Any, ...] = ("choices", 0, "delta", "tool_calls", 0, "function", "arguments")
    elif isinstance(choices, list) and choices:
        path = ("choices", 0, "delta", "content")
    elif data.get("type") == "content_block_delta" and data.get("delta", {}).get("type") == "text_delta":
        path = ("delta", "text")
    elif isinstance(data.get("candidates"), list) and "text" in data["candidates"][0]["content"]["parts"][0]:
        path = ("candidates", 0, "content", "parts", 0, "text")
    elif data.get("type") == "response.output_text.delta":
        path = ("delta",)
    elif (
        data.get("type") == "content_block_delta" and data.get("delta", {}).get("type") == "input_json_delta"
    ):
        path = ("delta", "partial_json")
    else:
        return [data]
    holder: Any = data
    for step in path[:-1]:
        holder = holder[step]
    text = holder.get(path[-1]) if isinstance(holder, dict) else None
    if not isinstance(text, str) or len(text) < 2:
        return [data]
    out = []
    for n, ch in enumerate(text):
        piece = copy.deepcopy(data)
        h: Any = piece
        for step in path[:-1]:
            h = h[step]
        h[path[-1]] = ch
        if n < len(text) - 1 and "candidates" in piece:
            piece["candidates"][0].pop("finishReason", None)
        out.append(piece)
    return out


def _parse(event: bytes) -> tuple[str | None, Any, bytes]:
    sep = b"\r\n" if b"\r\n" in event else b"\n"
    name, data = None, b""
    for line in event.split(sep):
        if line.startswith(b"event: "):
            name = line[7:].decode()
        elif line.startswith(b"data: "):
            data = line[6:]
    return name, (orjson.loads(data) if data.startswith(b"{") else None), sep


def twist_events(twist: str, rec: Recorded, events: Sequence[bytes]) -> list[bytes]:
    fn = _rewrite(twist, rec)
    out: list[bytes] = []
    for event in events:
        name, data, sep = _parse(event)
        if not isinstance(data, dict):
            out.append(event)
            continue
        data = _walk(data, fn)
        pieces = _split_chars(data) if twist in ("chars", "toolchars", "leakchars") else [data]
        out += [sse(p, name, sep) for p in pieces]
    return out


class _Twist(FakeServer):
    """Mixin over a fake provider: rewrites JSON answers and SSE events as the model id asks."""

    async def record(self, request: web.Request) -> Recorded:
        rec = await super().record(request)
        request[_REC] = rec
        return rec

    async def stream(  # type: ignore[override]
        self,
        request: web.Request,
        rec: Recorded,
        kind: str,
        events: Sequence[bytes],
        *,
        tick: bytes,
        failure: bytes = b"",
        drip_head: int = 2,
    ) -> web.StreamResponse:
        return await FakeServer.stream(
            request,
            rec,
            kind,
            twist_events(kind, rec, events),
            tick=tick,
            failure=failure,
            drip_head=drip_head,
        )

    async def twisted(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        resp = await handler(request)
        rec: Recorded | None = request.get(_REC)
        if rec is None or not isinstance(resp, web.Response) or resp.status != 200 or resp.body is None:
            return resp
        twist = behaviour(
            str(rec.json.get("model", "")) or request.match_info.get("spec", "").partition(":")[0]
        )
        body = _walk(orjson.loads(resp.body), _rewrite(twist, rec))  # type: ignore[arg-type]
        return web.json_response(body)


class TwistedOpenAI(_Twist, FakeOpenAI):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", lambda r: self.twisted(r, self.chat))
        app.router.add_post("/v1/embeddings", self.embeddings)
        app.router.add_post("/v1/responses", lambda r: self.twisted(r, self.responses))


class TwistedAnthropic(_Twist, FakeAnthropic):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", lambda r: self.twisted(r, self.messages))


class TwistedGemini(_Twist, FakeGemini):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1beta/models/{spec}", lambda r: self.twisted(r, self.models))


def start_twisted() -> Fakes:
    return Fakes(TwistedOpenAI().start(), TwistedAnthropic().start(), TwistedGemini().start())
