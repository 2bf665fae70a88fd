"""A fake Gemini API: generateContent, streamGenerateContent?alt=sse (CRLF-framed, no terminator, as
Google sends it) and batchEmbedContents. The model id is in the URL: /v1beta/models/{model}:{method}."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fakes.server import FakeServer, Json, Recorded, behaviour, sse, tool_arguments

USAGE = {"promptTokenCount": 17, "candidatesTokenCount": 3, "totalTokenCount": 20}
STATUS = {400: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}


def embedding(text: str) -> list[float]:
    return [len(text) / 2, 0.125, -0.75]


def error_body(status: int, message: str) -> Json:
    return {"error": {"code": status, "message": message, "status": STATUS.get(status, "INTERNAL")}}


def reply(body: Json) -> list[Json]:
    """The parts of the answer."""
    contents = [c for c in body.get("contents") or [] if isinstance(c, dict)]
    parts = [p for p in (contents[-1].get("parts") if contents else None) or [] if isinstance(p, dict)]
    answers = [p["functionResponse"] for p in parts if isinstance(p.get("functionResponse"), dict)]
    if answers:
        response: Any = answers[-1].get("response") or {}
        return [{"text": "Tool result: " + str(response.get("result", response))}]
    decls = [d for t in body.get("tools") or [] for d in t.get("functionDeclarations") or []]
    mode = ((body.get("toolConfig") or {}).get("functionCallingConfig") or {}).get("mode")
    if decls and mode != "NONE":
        return [
            {"functionCall": {"name": decls[0]["name"], "args": tool_arguments(decls[0].get("parameters"))}}
        ]
    return [{"text": "Echo: " + " ".join(p["text"] for p in parts if isinstance(p.get("text"), str))}]


def _candidate(parts: list[Json], finish: str | None = None) -> Json:
    cand: Json = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    return cand


def _ev(data: Json) -> bytes:
    return sse(data, sep=b"\r\n")


def stream_events(model: str, parts: list[Json]) -> list[bytes]:
    base = {"modelVersion": model, "responseId": "fake-gemini-1"}
    texts = [p["text"] for p in parts if "text" in p]
    calls = [p for p in parts if "functionCall" in p]
    words = " ".join(texts).split(" ") if texts else []
    pieces = [{"text": w if i == 0 else " " + w} for i, w in enumerate(words)]
    events = [
        _ev({**base, "candidates": [_candidate([p])], "usageMetadata": {"promptTokenCount": 17}})
        for p in pieces[:-1]
    ]
    last = pieces[-1:] + calls
    events.append(_ev({**base, "candidates": [_candidate(last, "STOP")], "usageMetadata": USAGE}))
    return events


class FakeGemini(FakeServer):
    name = "fake-gemini"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1beta/models/{spec}", self.models)

    async def models(self, request: web.Request) -> web.StreamResponse:
        rec = await self.record(request)
        model, _, method = request.match_info["spec"].partition(":")
        kind = behaviour(model)
        if (early := await self.prelude(kind, error_body, rec)) is not None:
            return early
        if method == "batchEmbedContents":
            return self._embed(rec)
        parts = reply(rec.json)
        if method == "generateContent":
            body = {"candidates": [_candidate(parts, "STOP")], "usageMetadata": USAGE, "modelVersion": model}
            return web.json_response(body)
        if method != "streamGenerateContent" or request.query.get("alt") != "sse":
            return web.json_response(error_body(404, f"unknown method {method}"), status=404)
        tick = _ev({"candidates": [_candidate([{"text": " tick"}])]})
        failure = _ev(error_body(503, "fake provider failed mid-stream"))
        return await self.stream(request, rec, kind, stream_events(model, parts), tick=tick, failure=failure)

    @staticmethod
    def _embed(rec: Recorded) -> web.Response:
        texts = [" ".join(p.get("text", "") for p in r["content"]["parts"]) for r in rec.json["requests"]]
        return web.json_response({"embeddings": [{"values": embedding(t)} for t in texts]})
