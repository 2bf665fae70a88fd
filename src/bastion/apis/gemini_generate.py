"""Gemini's native API: `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`
(and the same under `/v1/`, where the google-genai SDK sends them by default). The model is in the path,
the stream flag is the method; streamed as whole `GenerateContentResponse`
objects, the last carrying `finishReason`; errors as `{"error": {"code", "message", "status"}}`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bastion.apis.base import ClientApi, Key, Rewriter, StreamWalker, TextSink, open_indexes
from bastion.apis.text import Json, Segment, gemini_parts, string_leaves
from bastion.errors import BadRequest, GatewayError, gemini_body, gemini_error
from bastion.sse import SseEvent
from bastion.translate.base import StreamEncoder

GENERATE = "generateContent"
STREAM = "streamGenerateContent"


# --- text segments -----------------------------------------------------------------------------------
def _system_key(body: Json) -> str:
    return "system_instruction" if "system_instruction" in body else "systemInstruction"


def _request_segments(body: Json) -> Iterator[Segment]:
    yield from gemini_parts(body.get(_system_key(body)), "system")
    for content in body.get("contents") or ():
        kind = "assistant" if isinstance(content, dict) and content.get("role") == "model" else "user"
        yield from gemini_parts(content, kind)


def _response_segments(body: Json) -> Iterator[Segment]:
    for cand in body.get("candidates") or ():
        if isinstance(cand, dict):
            yield from gemini_parts(cand.get("content"), "assistant")


# --- request rewrites --------------------------------------------------------------------------------
def _cap(body: Json, limit: int) -> bool:
    config = body.get("generationConfig")
    if not isinstance(config, dict):
        config = body["generationConfig"] = {}
    current = config.get("maxOutputTokens")
    if isinstance(current, int) and current <= limit:
        return False
    config["maxOutputTokens"] = limit
    return True


def _tools(body: Json, allowed: frozenset[str] | None) -> bool:
    """Keeps only the function declarations named in `allowed` (None: strips every tool); tools that
    are not function declarations (search, code execution) have no name and go too."""
    tools = body.get("tools")
    if not isinstance(tools, list) or not tools:
        return False
    kept: list[Json] = []
    changed = False
    for tool in tools:
        decls = tool.get("functionDeclarations") if isinstance(tool, dict) else None
        if allowed is None or not isinstance(decls, list):
            changed = True
            continue
        keep = [d for d in decls if isinstance(d, dict) and d.get("name") in allowed]
        changed |= len(keep) != len(decls) or len(tool) > 1
        if keep:
            kept.append({"functionDeclarations": keep})
    if not changed:
        return False
    if kept:
        body["tools"] = kept
        calling = (body.get("toolConfig") or {}).get("functionCallingConfig")
        names = calling.get("allowedFunctionNames") if isinstance(calling, dict) else None
        if isinstance(names, list) and allowed is not None:
            calling["allowedFunctionNames"] = [n for n in names if n in allowed]  # type: ignore[index]
    else:
        body.pop("tools", None)
        body.pop("toolConfig", None)
    return True


def _system(body: Json, text: str) -> bool:
    key = _system_key(body)
    system = body.get(key)
    parts = system.get("parts") if isinstance(system, dict) else None
    if isinstance(parts, list):
        parts.insert(0, {"text": text})
    else:
        body[key] = {"parts": [{"text": text}]}
    return True


# --- the stream walker -------------------------------------------------------------------------------
class _Walker:
    """Channels: a candidate's answer text `(index, "text")` (thought summaries `(index, "thought")`);
    a tail is added to the chunk that carries the candidate's finishReason. Function calls arrive whole:
    each of their strings goes through `sink.whole`."""

    __slots__ = ("sink",)

    def __init__(self, sink: TextSink) -> None:
        self.sink = sink

    def event(self, ev: SseEvent) -> list[SseEvent]:
        data = ev.data
        if not isinstance(data, dict):
            return [ev]
        sink = self.sink
        changed = False
        for cand in data.get("candidates") or ():
            if not isinstance(cand, dict):
                continue
            i = cand.get("index", 0)
            content = cand.get("content")
            parts = content.get("parts") if isinstance(content, dict) else None
            last_text: dict[str, Any] = {}
            for part in parts if isinstance(parts, list) else ():
                if not isinstance(part, dict):
                    continue
                text = part.get("text")
                if isinstance(text, str):
                    kind = "thought" if part.get("thought") else "text"
                    new = sink.feed((i, kind), text)
                    if new != text:
                        part["text"] = new
                        changed = True
                    last_text[kind] = part
                elif isinstance(part.get("functionCall"), dict):
                    for seg in string_leaves(part["functionCall"].get("args"), "tool_input"):
                        value = seg.text
                        new = sink.whole(value)
                        if new != value:
                            seg.set(new)
                            changed = True
            if cand.get("finishReason"):
                for key in [k for k in sink.open_keys() if k[0] == i]:
                    tail = sink.flush(key)
                    if not tail:
                        continue
                    part = last_text.get(key[1])
                    if part is not None:
                        part["text"] += tail
                    else:
                        if not isinstance(content, dict):
                            content = cand["content"] = {"role": "model", "parts": []}
                        tail_part = {"text": tail, "thought": True} if key[1] == "thought" else {"text": tail}
                        content.setdefault("parts", []).insert(0, tail_part)
                    changed = True
        if changed:
            ev.raw = None
        return [ev]

    def end(self) -> list[SseEvent]:
        cands: dict[int, list[Json]] = {}
        for key in self.sink.open_keys():
            tail = self.sink.flush(key)
            if tail:
                part = {"text": tail, "thought": True} if key[1] == "thought" else {"text": tail}
                cands.setdefault(key[0], []).append(part)
        if not cands:
            return []
        candidates = [{"content": {"role": "model", "parts": p}, "index": i} for i, p in cands.items()]
        return [SseEvent.of({"candidates": candidates})]


class GeminiGenerate(ClientApi):
    name = "gemini.generate"
    wire = "gemini"
    flavor = "gemini"
    operation = "chat"
    routes = tuple(f"/{v}/models/{{model:[^/]+}}:{{method:{GENERATE}|{STREAM}}}" for v in ("v1beta", "v1"))
    query_params = ("alt", "key")  # `?alt=sse` streams as SSE; `?key=` carries the API key
    models_route = "/v1beta/models"  # and `/v1/models` when the request carries `x-goog-api-key`
    prefixes = ("/v1beta/", "/v1/models/")
    rewriter = Rewriter(_cap, _tools, _system)

    def check(self, body: Json) -> None:
        contents = body.get("contents")
        if contents is None:
            raise BadRequest("'contents' is required", param="contents", code="missing_required_parameter")
        if not isinstance(contents, list) or not contents:
            raise BadRequest("'contents' must be a non-empty array of contents", param="contents")
        for i, content in enumerate(contents):
            if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
                raise BadRequest(f"contents[{i}] must be an object with 'parts'", param=f"contents[{i}]")

    def call(self, body: Json, params: Mapping[str, str]) -> tuple[str, bool]:
        model = params.get("model", "").removeprefix("models/")
        if not model:
            raise BadRequest("the model is missing from the path", param="model")
        return model, params.get("method") == STREAM

    def array_stream(self, params: Mapping[str, str]) -> bool:
        return params.get("method") == STREAM and params.get("alt") != "sse"

    def request_segments(self, body: Json) -> list[Segment]:
        return list(_request_segments(body))

    def response_segments(self, body: Json) -> list[Segment]:
        return list(_response_segments(body))

    def max_output_tokens(self, body: Json) -> int | None:
        config = body.get("generationConfig")
        value = config.get("maxOutputTokens") if isinstance(config, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    def walker(self, sink: TextSink) -> StreamWalker:
        return _Walker(sink)

    def finished(self, ev: SseEvent) -> bool:
        data = ev.data
        if not isinstance(data, dict):
            return False
        feedback = data.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason"):
            return True  # the prompt itself was blocked: a complete (content-filtered) answer
        return any(isinstance(c, dict) and c.get("finishReason") for c in data.get("candidates") or ())

    def error_body(self, err: GatewayError) -> bytes:
        return gemini_body(err)

    def stream_error(self, err: GatewayError, encoder: StreamEncoder) -> list[SseEvent]:
        return [SseEvent.of({"error": gemini_error(err)})]

    def error_event(self, err: GatewayError) -> SseEvent:
        return SseEvent.of({"error": gemini_error(err)})

    def deny_event(self, message: str) -> SseEvent:
        return SseEvent.of({"error": {"code": 403, "message": message, "status": "PERMISSION_DENIED"}})

    def blocked_body(self, body: Json) -> None:
        for cand in body.get("candidates") or ():
            if isinstance(cand, dict):
                cand["content"] = {"role": "model", "parts": []}
                cand["finishReason"] = "SAFETY"

    def blocked_stream(self, meta: Json, open_channels: Iterable[Key]) -> list[SseEvent]:
        indexes = open_indexes(open_channels) or [0]
        cands = [
            {"content": {"role": "model", "parts": []}, "finishReason": "SAFETY", "index": i} for i in indexes
        ]
        return [SseEvent.of({"candidates": cands})]

    def model_list(self, names: list[str], owners: Mapping[str, str]) -> Json:
        methods = [GENERATE, STREAM]
        models = [
            {"name": f"models/{n}", "displayName": n, "supportedGenerationMethods": methods} for n in names
        ]
        return {"models": models}


API = GeminiGenerate()
