"""Gemini `generateContent` <-> OpenAI chat completions (the hub). Streaming lives in `gemini_stream.py`.

The model id travels in Gemini's URL (`models/{model}:generateContent`), never in the body, so
`request_from_openai` ignores `model` and `request_to_openai` leaves it empty for the caller to set.

Lossy mappings, by design:
- OpenAI -> Gemini: `logprobs`, `top_logprobs`, `logit_bias`, `user`, `parallel_tool_calls`,
  `reasoning_effort`, `stream_options` and `service_tier` have no generateContent equivalent and are
  dropped; JSON schemas keep only the keys of Gemini's `Schema` (see `gemini_schema.py`: local `$ref`s
  are inlined, `oneOf` becomes `anyOf`, `const` a one-value enum, `["x", "null"]` types `nullable`).
- Gemini -> OpenAI: `topK`, `safetySettings`, `cachedContent` and built-in tools (search, code
  execution) have no OpenAI equivalent (`topK` and `safetySettings` are dropped; built-in tools are
  refused with BadRequest); thought summaries (`thought: true` parts) are not shown as content.
- Tool-call ids: Gemini's function calls usually carry none, so OpenAI ids are not sent upstream (tool
  results are matched to names through the request's own assistant `tool_calls`), and calls Gemini
  returns get a fresh `call_` id unless Gemini supplied one.
- Thought signatures: a `functionCall` part's `thoughtSignature` rides on the OpenAI tool call as
  `extra_content.google.thought_signature` (where Google's own OpenAI endpoint puts it) and goes back
  upstream from there; a replayed turn without one gets Google's documented `SKIP_SIGNATURE` on its
  first call, since Gemini 3 models refuse function calls with no signature. Signatures on text parts
  (optional for Gemini) are dropped.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, ClassVar

import orjson

from bastion.errors import BadRequest
from bastion.translate.base import Json
from bastion.translate.gemini_schema import clean_schema, json_schema
from bastion.translate.gemini_stream import (
    GeminiStreamDecoder,
    GeminiStreamEncoder,
    GeminiUsageTracker,
    chunk_id,
    error_of,
    finish_from_openai,
    finish_to_openai,
    function_call_parts,
    gemini_usage,
    part_from_tool_call,
    parts_text,
    tool_call_from_part,
    usage_from_openai,
    usage_to_openai,
)
from bastion.usage import Usage

# Documented by Google for function calls whose thought signature was lost (e.g. a client that did not
# replay `extra_content`); without a signature Gemini 3 models reject the call with a 400.
SKIP_SIGNATURE = "skip_thought_signature_validator"

_MIME_BY_EXT = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "heic": "image/heic", "heif": "image/heif", "pdf": "application/pdf",
    "mp3": "audio/mp3", "wav": "audio/wav", "mp4": "video/mp4", "txt": "text/plain",
}  # fmt: skip
_TOOL_MODES = {"auto": "AUTO", "required": "ANY", "none": "NONE"}
_GEN_CONFIG = (
    ("temperature", "temperature"),
    ("top_p", "topP"),
    ("n", "candidateCount"),
    ("seed", "seed"),
    ("presence_penalty", "presencePenalty"),
    ("frequency_penalty", "frequencyPenalty"),
)


# ---- OpenAI request -> Gemini ------------------------------------------------------------------------


def request_from_openai(body: Json) -> Json:
    system: list[Json] = []
    contents: list[Json] = []
    names: dict[str, str] = {}  # tool_call_id -> function name, from earlier assistant turns
    for msg in body.get("messages") or []:
        role = msg.get("role")
        if role in ("system", "developer"):
            system.extend({"text": t} for t in _texts(msg.get("content")))
            continue
        content = _content_from_message(msg, names)
        if not content["parts"]:
            continue
        if contents and contents[-1]["role"] == content["role"]:
            contents[-1]["parts"].extend(content["parts"])
        else:
            contents.append(content)
    out: Json = {"contents": contents}
    if system:
        out["systemInstruction"] = {"parts": system}
    if body.get("tools"):
        out["tools"] = [{"functionDeclarations": [_declaration(t) for t in body["tools"]]}]
    if body.get("tools") and body.get("tool_choice") is not None:
        out["toolConfig"] = {"functionCallingConfig": _calling_config(body["tool_choice"])}
    config = _generation_config(body)
    if config:
        out["generationConfig"] = config
    return out


def _content_from_message(msg: Json, names: dict[str, str]) -> Json:
    role = msg.get("role")
    if role == "user":
        return {"role": "user", "parts": _user_parts(msg.get("content"))}
    if role == "assistant":
        parts: list[Json] = [{"text": t} for t in _texts(msg.get("content"))]
        legacy = [{"function": msg["function_call"]}] if isinstance(msg.get("function_call"), dict) else []
        for i, call in enumerate(msg.get("tool_calls") or legacy):
            part = part_from_tool_call(call)
            part["functionCall"].pop("id", None)
            if i == 0:
                part.setdefault("thoughtSignature", SKIP_SIGNATURE)
            names[call.get("id") or ""] = part["functionCall"]["name"]
            parts.append(part)
        return {"role": "model", "parts": parts}
    if role in ("tool", "function"):
        name = msg.get("name") if role == "function" else names.get(msg.get("tool_call_id") or "")
        if not name:
            raise BadRequest(
                f"tool message with tool_call_id {msg.get('tool_call_id')!r} answers no earlier assistant "
                "tool call; Gemini needs the function name",
                param="messages",
            )
        response = {"name": name, "response": _tool_result(msg.get("content"))}
        return {"role": "user", "parts": [{"functionResponse": response}]}
    raise BadRequest(f"message role {role!r} is not supported for Gemini", param="messages")


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content] if content else []
    if not isinstance(content, list):
        return []
    return [t for p in content if isinstance(p, dict) and (t := p.get("text") or p.get("refusal"))]


def _tool_result(content: Any) -> Json:
    text = "".join(_texts(content))
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        value = None
    return value if isinstance(value, dict) else {"result": text}


def _user_parts(content: Any) -> list[Json]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    return [_user_part(p) for p in content or [] if isinstance(p, dict) and p.get("text") != ""]


def _user_part(part: Json) -> Json:
    kind = part.get("type")
    if kind == "text":
        return {"text": part.get("text") or ""}
    if kind == "image_url":
        url = (part.get("image_url") or {}).get("url") or ""
        return _data_url_part(url) if url.startswith("data:") else _file_part(url)
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        return {
            "inlineData": {"mimeType": f"audio/{audio.get('format') or 'wav'}", "data": audio.get("data")}
        }
    if kind == "file" and str((part.get("file") or {}).get("file_data", "")).startswith("data:"):
        return _data_url_part(part["file"]["file_data"])
    raise BadRequest(f"content part of type {kind!r} cannot be sent to Gemini", param="messages")


def _data_url_part(url: str) -> Json:
    header, _, data = url.partition(",")
    if not header.endswith(";base64"):
        raise BadRequest("data: URLs sent to Gemini must be base64-encoded", param="messages")
    return {"inlineData": {"mimeType": header[5:-7] or "application/octet-stream", "data": data}}


def _file_part(url: str) -> Json:
    ext = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1].rpartition(".")[2].lower()
    return {"fileData": {"mimeType": _MIME_BY_EXT.get(ext, "image/jpeg"), "fileUri": url}}


def _declaration(tool: Json) -> Json:
    if tool.get("type") != "function":
        raise BadRequest(f"tool type {tool.get('type')!r} cannot be sent to Gemini", param="tools")
    fn = tool.get("function") or {}
    decl: Json = {"name": fn.get("name") or ""}
    if fn.get("description"):
        decl["description"] = fn["description"]
    params = clean_schema(fn["parameters"]) if isinstance(fn.get("parameters"), dict) else {}
    if params.get("properties"):
        params.setdefault("type", "OBJECT")
    if params.get("properties") or params.get("type") not in (None, "OBJECT"):
        decl["parameters"] = params  # Gemini rejects an OBJECT with no properties: omit it instead
    return decl


def _calling_config(choice: Any) -> Json:
    if isinstance(choice, str):
        return {"mode": _TOOL_MODES.get(choice, "AUTO")}
    name = ((choice or {}).get("function") or {}).get("name")
    return {"mode": "ANY", "allowedFunctionNames": [name]} if name else {"mode": "ANY"}


def _generation_config(body: Json) -> Json:
    config = {dst: body[src] for src, dst in _GEN_CONFIG if body.get(src) is not None}
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens is not None:
        config["maxOutputTokens"] = max_tokens
    stop = body.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    fmt = body.get("response_format") or {}
    if fmt.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (fmt.get("json_schema") or {}).get("schema")
        if isinstance(schema, dict):
            config["responseSchema"] = clean_schema(schema)
    return config


# ---- Gemini request -> OpenAI ------------------------------------------------------------------------


def request_to_openai(body: Json) -> Json:
    """Reads camelCase fields (what Google's SDKs send); snake_case aliases are not read."""
    messages: list[Json] = []
    system_parts = (body.get("systemInstruction") or {}).get("parts") or []
    system = "\n".join(
        p["text"] for p in system_parts if isinstance(p, dict) and isinstance(p.get("text"), str)
    )
    if system:
        messages.append({"role": "system", "content": system})
    calls = _CallIds()
    for content in body.get("contents") or []:
        parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
        if content.get("role") == "model":
            messages.append(_assistant_message(parts, calls))
        else:
            messages.extend(_user_messages(parts, calls))
    out: Json = {"model": "", "messages": messages}
    tools = [_openai_tool(d) for t in body.get("tools") or [] for d in _declarations(t)]
    if tools:
        out["tools"] = tools
    mode = ((body.get("toolConfig") or {}).get("functionCallingConfig")) or {}
    if mode.get("mode"):
        out["tool_choice"] = _openai_tool_choice(mode)
    out.update(_openai_sampling(body.get("generationConfig") or {}))
    return out


class _CallIds:
    """Tool-call ids for a Gemini history: Gemini's own `id` when present, else `call_<n>`; each function
    response takes the oldest unanswered call of its name."""

    __slots__ = ("_n", "_open")

    def __init__(self) -> None:
        self._n = 0
        self._open: dict[str, deque[str]] = {}

    def call(self, fc: Json) -> str:
        self._n += 1
        call_id = fc.get("id") or f"call_{self._n}"
        self._open.setdefault(fc.get("name") or "", deque()).append(call_id)
        return call_id

    def answer(self, fr: Json) -> str:
        waiting = self._open.get(fr.get("name") or "") or deque()
        own = fr.get("id")
        if own:
            if own in waiting:
                waiting.remove(own)
            return str(own)
        if not waiting:
            raise BadRequest(
                f"functionResponse {fr.get('name')!r} answers no earlier functionCall", param="contents"
            )
        return waiting.popleft()


def _assistant_message(parts: list[Json], calls: _CallIds) -> Json:
    text = parts_text(parts)
    msg: Json = {"role": "assistant", "content": text or None}
    tool_calls = []
    for part in function_call_parts(parts):
        call = tool_call_from_part(part)
        call["id"] = calls.call(part["functionCall"])
        if call.get("extra_content", {}).get("google", {}).get("thought_signature") == SKIP_SIGNATURE:
            del call["extra_content"]
        tool_calls.append(call)
    if tool_calls:
        msg["tool_calls"] = tool_calls
    elif text == "":
        msg["content"] = ""
    return msg


def _user_messages(parts: list[Json], calls: _CallIds) -> list[Json]:
    out: list[Json] = []
    content: list[Json] = []
    for part in parts:
        fr = part.get("functionResponse")
        if isinstance(fr, dict):
            out.append({"role": "tool", "tool_call_id": calls.answer(fr), "content": _tool_content(fr)})
        elif isinstance(part.get("text"), str) and not part.get("thought"):
            content.append({"type": "text", "text": part["text"]})
        elif isinstance(part.get("inlineData"), dict) or isinstance(part.get("fileData"), dict):
            content.append(_openai_media(part))
    if content:
        only_text = all(p["type"] == "text" for p in content)
        text = "".join(p["text"] for p in content) if only_text else None
        out.append({"role": "user", "content": text if only_text else content})
    return out


def _tool_content(fr: Json) -> str:
    response = fr.get("response")
    if isinstance(response, dict) and list(response) == ["result"] and isinstance(response["result"], str):
        return response["result"]
    return orjson.dumps(response if response is not None else {}).decode()


def _openai_media(part: Json) -> Json:
    if isinstance(part.get("fileData"), dict):
        return {"type": "image_url", "image_url": {"url": part["fileData"].get("fileUri") or ""}}
    blob = part["inlineData"]
    mime, data = blob.get("mimeType") or "application/octet-stream", blob.get("data") or ""
    if mime.startswith("audio/") and mime[6:] in ("wav", "mp3"):
        return {"type": "input_audio", "input_audio": {"data": data, "format": mime[6:]}}
    url = f"data:{mime};base64,{data}"
    if mime.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": url}}
    return {"type": "file", "file": {"file_data": url}}


def _declarations(tool: Json) -> list[Json]:
    if "functionDeclarations" not in tool:
        kinds = ", ".join(tool) or "empty"
        raise BadRequest(f"Gemini built-in tools ({kinds}) cannot be sent to this provider", param="tools")
    return [d for d in tool["functionDeclarations"] if isinstance(d, dict)]


def _openai_tool(decl: Json) -> Json:
    fn: Json = {"name": decl.get("name") or ""}
    if decl.get("description"):
        fn["description"] = decl["description"]
    if isinstance(decl.get("parametersJsonSchema"), dict):
        fn["parameters"] = decl["parametersJsonSchema"]
    elif isinstance(decl.get("parameters"), dict):
        fn["parameters"] = json_schema(decl["parameters"])
    else:
        fn["parameters"] = {"type": "object", "properties": {}}
    return {"type": "function", "function": fn}


def _openai_tool_choice(config: Json) -> Any:
    mode = config.get("mode")
    allowed = config.get("allowedFunctionNames") or []
    if mode in ("ANY", "VALIDATED") and len(allowed) == 1:
        return {"type": "function", "function": {"name": allowed[0]}}
    return {"ANY": "required", "NONE": "none"}.get(str(mode), "auto")


def _openai_sampling(config: Json) -> Json:
    out = {src: config[dst] for src, dst in _GEN_CONFIG if config.get(dst) is not None}
    if config.get("maxOutputTokens") is not None:
        out["max_tokens"] = config["maxOutputTokens"]
    if config.get("stopSequences"):
        out["stop"] = list(config["stopSequences"])
    if config.get("responseMimeType") == "application/json":
        schema = config.get("responseJsonSchema") or json_schema(config.get("responseSchema"))
        out["response_format"] = (
            {"type": "json_schema", "json_schema": {"name": "response", "schema": schema}}
            if isinstance(schema, dict)
            else {"type": "json_object"}
        )
    return out


# ---- responses ---------------------------------------------------------------------------------------


def response_to_openai(body: Json, model: str) -> Json:
    candidates = [c for c in body.get("candidates") or [] if isinstance(c, dict)]
    choices = [_choice(i, c) for i, c in enumerate(candidates)]
    if not choices and (body.get("promptFeedback") or {}).get("blockReason"):
        message = {"role": "assistant", "content": ""}
        choices = [{"index": 0, "message": message, "logprobs": None, "finish_reason": "content_filter"}]
    out: Json = {
        "id": chunk_id(body.get("responseId")),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
    }
    usage = usage_to_openai(body.get("usageMetadata"))
    if usage is not None:
        out["usage"] = usage
    return out


def _choice(position: int, cand: Json) -> Json:
    parts = (cand.get("content") or {}).get("parts") or []
    tool_calls = [tool_call_from_part(p) for p in function_call_parts(parts)]
    text = parts_text(parts)
    message: Json = {"role": "assistant", "content": text or (None if tool_calls else "")}
    if tool_calls:
        message["tool_calls"] = tool_calls
    finish = finish_to_openai(cand.get("finishReason") or "STOP", bool(tool_calls))
    return {
        "index": cand.get("index", position),
        "message": message,
        "logprobs": None,
        "finish_reason": finish,
    }


def response_from_openai(body: Json, model: str) -> Json:
    candidates = [_candidate(c) for c in body.get("choices") or [] if isinstance(c, dict)]
    out: Json = {"candidates": candidates}
    usage = usage_from_openai(body.get("usage"))
    if usage is not None:
        out["usageMetadata"] = usage
    out["modelVersion"] = model
    if isinstance(body.get("id"), str):
        out["responseId"] = body["id"].removeprefix("chatcmpl-")
    return out


def _candidate(choice: Json) -> Json:
    message = choice.get("message") or {}
    parts: list[Json] = [{"text": t} for t in _texts(message.get("content"))]
    parts.extend(part_from_tool_call(c) for c in message.get("tool_calls") or [])
    cand: Json = {"content": {"role": "model", "parts": parts or [{"text": ""}]}}
    cand["finishReason"] = finish_from_openai(choice.get("finish_reason") or "stop")
    cand["index"] = choice.get("index", 0)
    return cand


# ---- the codec ---------------------------------------------------------------------------------------


class GeminiCodec:
    name: ClassVar[str] = "gemini"

    def request_to_openai(self, body: Json) -> Json:
        return request_to_openai(body)

    def request_from_openai(self, body: Json, model: str) -> Json:
        return request_from_openai(body)

    def response_to_openai(self, body: Json, model: str) -> Json:
        return response_to_openai(body, model)

    def response_from_openai(self, body: Json, model: str) -> Json:
        return response_from_openai(body, model)

    def stream_decoder(self, model: str) -> GeminiStreamDecoder:
        return GeminiStreamDecoder(model)

    def stream_encoder(self, model: str, include_usage: bool) -> GeminiStreamEncoder:
        return GeminiStreamEncoder(model, include_usage)

    def usage(self, body: Json) -> Usage | None:
        return gemini_usage(body.get("usageMetadata"))

    def usage_tracker(self) -> GeminiUsageTracker:
        return GeminiUsageTracker()

    def error_message(self, body: bytes) -> str:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body[:500].decode("utf-8", "replace").strip() or "upstream error"
        err = error_of(data)
        if err is not None and isinstance(err.get("message"), str) and err["message"]:
            return err["message"]
        return "upstream error"
