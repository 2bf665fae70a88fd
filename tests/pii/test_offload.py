"""Response and end-of-stream scans run in the worker thread pool from `offload.INLINE_CHARS` characters
on, like the request scan; shorter texts are scanned inline on the event loop."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import pytest

from bastion.apis.openai_chat import API as CHAT
from bastion.config.pii import PiiConfig
from bastion.context import RequestContext
from bastion.pii import PiiEngine, Span
from bastion.pipeline.offload import INLINE_CHARS
from bastion.pipeline.restore import RestoreStage
from bastion.sse import SseEvent

LEAK = "write to leaked.person@elsewhere.example now. "


class ThreadNotingEngine(PiiEngine):
    """The real engine, noting the thread each detection ran on."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[int] = []

    def detect(self, text: str) -> list[Span]:
        self.threads.append(threading.get_ident())
        return super().detect(text)


def _ctx() -> RequestContext:
    return RequestContext(request_id="r", api=CHAT, body={"messages": []}, headers={})


async def _events(texts: list[str]) -> AsyncIterator[SseEvent]:
    for text in texts:
        yield SseEvent.of({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]})
    yield SseEvent.of({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})


@pytest.mark.parametrize("size", [len(LEAK), INLINE_CHARS])
async def test_response_scan_runs_off_the_loop_for_long_answers(size: int) -> None:
    engine = ThreadNotingEngine()
    text = LEAK * (size // len(LEAK) + 1)
    ctx = _ctx()
    ctx.response = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
    await RestoreStage(PiiConfig(response_scan="mask"), engine).run(ctx)
    assert "leaked.person" not in ctx.response["choices"][0]["message"]["content"]
    inline = len(text) < INLINE_CHARS
    assert engine.threads and all((t == threading.get_ident()) is inline for t in engine.threads)


@pytest.mark.parametrize("scan", ["flag", "mask"])
@pytest.mark.parametrize("size", [len(LEAK), INLINE_CHARS])
async def test_stream_scans_run_off_the_loop_for_long_texts(size: int, scan: str) -> None:
    """flag: the end-of-stream scan of the whole answer; mask: an event carrying a long text."""
    engine = ThreadNotingEngine()
    text = LEAK * (size // len(LEAK) + 1)
    ctx = _ctx()
    ctx.events = _events([text])
    await RestoreStage(PiiConfig(response_scan=scan), engine).run(ctx)  # type: ignore[arg-type]
    got = "".join([(ev.data["choices"][0]["delta"].get("content") or "") async for ev in ctx.events])
    assert ctx.annotations["pii_response"]["found"]["EMAIL"] >= 1
    assert ("leaked.person" in got) is (scan == "flag")
    inline = len(text) < INLINE_CHARS
    if scan == "flag":
        assert len(engine.threads) == 1 and (engine.threads[0] == threading.get_ident()) is inline
    else:
        assert (engine.threads[0] == threading.get_ident()) is inline
