"""The relay's event source: per-event iteration (for stages that wrap a stream) and batch by batch (for
the response writer) see the same events in the same order, and closing it closes the producer."""

from __future__ import annotations

from collections.abc import AsyncIterator

from bastion.pipeline.relay import RelayEvents
from bastion.sse import SseEvent


def _ev(n: int) -> SseEvent:
    return SseEvent(None, {"n": n}, f'{{"n":{n}}}'.encode())


class _Batches:
    def __init__(self, batches: list[list[SseEvent]]) -> None:
        self.batches = batches
        self.closed = False

    async def run(self) -> AsyncIterator[list[SseEvent]]:
        try:
            for batch in self.batches:
                yield batch
        finally:
            self.closed = True


BATCHES = [[_ev(0), _ev(1), _ev(2)], [_ev(3)], [_ev(4), _ev(5)]]


async def test_event_by_event() -> None:
    src = _Batches(BATCHES)
    events = RelayEvents(src.run())
    assert await events.prime()
    assert [ev.data["n"] async for ev in events] == [0, 1, 2, 3, 4, 5]


async def test_batch_by_batch_after_some_events() -> None:
    src = _Batches(BATCHES)
    events = RelayEvents(src.run())
    assert await events.prime()
    assert (await anext(events)).data == {"n": 0}
    seen = []
    while (batch := await events.next_batch()) is not None:
        seen.append([ev.data["n"] for ev in batch])
    assert seen == [[1, 2], [3], [4, 5]]


async def test_empty_and_close() -> None:
    empty = RelayEvents(_Batches([]).run())
    assert not await empty.prime()
    assert await empty.next_batch() is None
    src = _Batches(BATCHES)
    events = RelayEvents(src.run())
    assert await events.prime()
    await events.aclose()
    assert src.closed
