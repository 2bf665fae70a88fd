"""A mock OpenAI upstream for the in-process profiles (`stages.py`, `soak.py`): the same answers as the
shared harness's nginx mock (a 60-token JSON completion; a stream of 20 chunks, usage and ``[DONE]``, each
chunk written separately). Runs in its own process so its CPU time is not counted as the gateway's.

    python bench/profile/mock.py --port 18101
"""

from __future__ import annotations

import argparse
import asyncio

import orjson
from aiohttp import web

PIECES = [f"tok{i} " for i in range(1, 19)]
CREATED = 1700000000


def _chunk(delta: dict[str, object], finish: str | None) -> bytes:
    body = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": CREATED, "model": "mock-gpt",
            "system_fingerprint": "fp_mock",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}  # fmt: skip
    return b"data: " + orjson.dumps(body) + b"\n\n"


JSON_BODY = orjson.dumps(
    {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": CREATED,
        "model": "mock-gpt",
        "system_fingerprint": "fp_mock",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "".join(PIECES), "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 42, "completion_tokens": 18, "total_tokens": 60},
    }
)
SSE_CHUNKS = [
    _chunk({"role": "assistant", "content": ""}, None),
    *(_chunk({"content": p}, None) for p in PIECES),
    _chunk({}, "stop"),
    b"data: "
    + orjson.dumps(
        {
            "id": "chatcmpl-mock",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": "mock-gpt",
            "choices": [],
            "usage": {"prompt_tokens": 42, "completion_tokens": 18, "total_tokens": 60},
        }
    )
    + b"\n\n",
    b"data: [DONE]\n\n",
]


async def chat(request: web.Request) -> web.StreamResponse:
    body = await request.read()
    if b'"stream":true' not in body.replace(b" ", b""):
        return web.Response(body=JSON_BODY, content_type="application/json")
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await resp.prepare(request)
    for chunk in SSE_CHUNKS:
        await resp.write(chunk)
    await resp.write_eof()
    return resp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover
        pass
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
