"""Builders and constants shared by the Gemini translation test modules."""

from __future__ import annotations

from typing import Any

from bastion.translate.gemini import GeminiCodec

Json = dict[str, Any]


def user(text: str) -> Json:
    return {"role": "user", "parts": [{"text": text}]}


def model_turn(*parts: Json) -> Json:
    return {"role": "model", "parts": list(parts)}


def call(call_id: str, name: str, arguments: str, signature: str | None = None) -> Json:
    out: Json = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    if signature:
        out["extra_content"] = {"google": {"thought_signature": signature}}
    return out


def fcall(name: str, args: Json, signature: str | None = None) -> Json:
    part: Json = {"functionCall": {"name": name, "args": args}}
    if signature:
        part["thoughtSignature"] = signature
    return part


def gemini_error(code: int, message: str, status: str) -> Json:
    return {"error": {"code": code, "message": message, "status": status}}


def fresp(name: str, response: Json) -> Json:
    return {"functionResponse": {"name": name, "response": response}}


CODEC = GeminiCodec()


def gemini_response(parts: list[Json] | None, finish: str | None = "STOP", **extra: Any) -> Json:
    cand: Json = {"index": 0}
    if parts is not None:
        cand["content"] = {"role": "model", "parts": parts}
    if finish:
        cand["finishReason"] = finish
    return {"candidates": [cand], "modelVersion": "gemini-2.5-flash", "responseId": "r1", **extra}
