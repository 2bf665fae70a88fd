"""Relays a provider's SSE stream to the client as it arrives: passed through when the formats match
(usage captured on the way), translated event by event when they differ. A stream that breaks or ends
without its terminator ends with a well-formed error event in the client's format, never silently."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Generator, Iterable
from typing import Any

from bastion.apis import registry
from bastion.apis.text import delta_chars, text_chars
from bastion.context import RequestContext, Target
from bastion.errors import BadGateway, GatewayError
from bastion.sse import SseEvent, SseParser
from bastion.translate import Codec, StreamEncoder
from bastion.translate.openai import openai_usage
from bastion.translate.responses import ResponsesUsageTracker
from bastion.usage import Usage

# what one upstream read becomes: client-format events, and runs of complete events kept as their bytes
Batch = list[SseEvent | bytes]

# passed-on stream bytes held for a late text count (`StreamRelay._keep_passed`), per stream
_KEEP_PASSED = 256 << 10

def _upstream_error(wire: str, ev: SseEvent) -> str | None:
    data = ev.data
    err = data.get("error") if isinstance(data, dict) else None
    if ev.event == "error" or isinstance(err, (dict, str)):
        if isinstance(err, dict):
            return str(err.get("message") or "the provider reported an error mid-stream")
        return str(err or "the provider reported an error mid-stream")
    return None


class StreamRelay:
    def __init__(self, codecs: dict[str, Codec], ctx: RequestContext, wire: str, target: Target) -> None:
        api = ctx.api
        self.ctx = ctx
        self.wire = wire
        self.same = wire == api.wire or api.operation == "responses"
        # the API whose format the upstream events are in: what ends them (`ClientApi.finished`)
        self.upstream = api if self.same else registry.for_wire(wire)
        opts = ctx.body.get("stream_options")
        self.include_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
        self.encoder: StreamEncoder = codecs[api.wire].stream_encoder(ctx.model, self.include_usage)
        self.decoder = None if self.same else codecs[wire].stream_decoder(ctx.model)
        if api.operation == "responses":
            self.tracker: Any = ResponsesUsageTracker()
        else:
            self.tracker = codecs[wire].usage_tracker() if self.same else None
        # same-format OpenAI chat: chunks are decided and counted in one look (`_keep_chat_chunk`), and
        # the usage-only chunk (asked for by the gateway) is dropped unless the client asked for it
        self.fast_chat = self.same and api.fast_chat
        self.drop_usage_chunk = self.fast_chat and not self.include_usage
        self.finished = False
        self.terminated = False
        self.upstream_error: str | None = None
        # answer text counted as it passes (the API's meter, `ClientApi.count_chars`), for streams that
        # end without usage
        ticket = ctx.admission
        self.ticket = ticket if ticket is not None and ticket.count_text else None
        self.count = api.count_chars
        # same format: the events the relay has no use for pass on as the bytes received (the API's
        # `scanner`); their text is counted only if the stream ends without usage (`_count_passed`)
        self.scan = api.scanner if self.same else None
        self.passed: list[bytes] = []
        self.passed_size = 0

    def run(self, chunks: AsyncIterator[bytes]) -> RelayEvents:
        """The client-format events, batch by batch (see `RelayEvents`)."""
        return RelayEvents(self.batches(chunks))

    async def batches(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[Batch]:
        """Client-format events, one non-empty list per upstream read (what arrived together goes out
        together); a `bytes` item is a run of complete events relayed as received (`ClientApi.scanner`). A
        failure before the first event is raised (the client still gets a proper HTTP error and the call
        stage may fall back); after it, it becomes an error event."""
        ctx = self.ctx
        parser = SseParser()
        sent = False
        failure: GatewayError | None = None
        try:
            try:
                scan = self.scan
                async for chunk in chunks:
                    if scan is not None:
                        passed, parsed = parser.feed_split(chunk, scan)
                        batch: Batch = [passed] if passed else []
                        if passed and self.ticket is not None:
                            self._keep_passed(passed)
                    else:
                        parsed, batch = parser.feed(chunk), []
                    if parsed:
                        batch.extend(self._relayed(parsed))
                    if batch:
                        sent = True
                        yield batch
                tail: Batch = [out for ev in parser.close() for out in self._on_event(ev)]
                tail.extend(self._end())
            except GatewayError as err:
                failure = err
                tail = []
            if failure is None and ctx.error is not None and not sent:
                failure = ctx.error
            if failure is not None:
                ctx.error = failure
                if not sent:
                    raise failure
                if not tail:
                    tail = self._fail(failure)
            if tail:
                self._count(tail)
                yield tail
        finally:
            if self.tracker is not None and self.tracker.usage is not None:
                ctx.usage = self.tracker.usage
            elif self.passed:
                self._count_passed()
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()

    def _relayed(self, events: list[SseEvent]) -> Batch:
        """The client-format events for these parsed upstream events, their answer text counted."""
        if self.fast_chat:  # decides and counts in one look at each chunk
            keep = self._keep_chat_chunk
            return [ev for ev in events if keep(ev)]
        out: Batch = [o for ev in events for o in self._on_event(ev)]
        self._count(out)
        return out

    def _count(self, events: Iterable[SseEvent | bytes]) -> None:
        """Adds the answer text of client-format events to the limits ticket (when something costs it)."""
        ticket, count = self.ticket, self.count
        if ticket is not None:
            for ev in events:
                if type(ev) is SseEvent and ev.data is not None:
                    ticket.streamed_chars += count(ev.data)

    def _keep_passed(self, run: bytes) -> None:
        """Holds a run of passed-on events (by reference) until the stream ends: its text is only needed
        if the provider reports no usage. Past `_KEEP_PASSED` bytes they are counted at once instead."""
        self.passed.append(run)
        self.passed_size += len(run)
        if self.passed_size > _KEEP_PASSED:
            self._count_passed()

    def _count_passed(self) -> None:
        """Counts the answer text of the passed-on events held so far into the limits ticket."""
        for run in self.passed:
            self._count(SseParser().feed(run))
        self.passed.clear()
        self.passed_size = 0

    def _fail(self, err: GatewayError) -> Batch:
        return list(self.ctx.api.stream_error(err, self.encoder))

    def _keep_chat_chunk(self, ev: SseEvent) -> bool:
        """`_on_event` for an OpenAI chat stream relayed to an OpenAI client, and the answer-text count:
        the same decisions in one look at each chunk (the hot path of streaming). False: drop it."""
        data = ev.data
        if type(data) is not dict:
            if ev.raw == b"[DONE]":
                self.finished = self.terminated = True
            elif ev.event == "error":
                self.upstream_error = "the provider reported an error mid-stream"
            return True
        if "error" in data or ev.event == "error":
            err = _upstream_error(self.wire, ev)
            if err is not None:
                self.upstream_error = err
            if self.ticket is not None:
                self.ticket.streamed_chars += text_chars(data)
        choices = data.get("choices")
        if choices:
            chars = 0
            for c in choices:
                if type(c) is not dict:
                    continue
                if c.get("finish_reason"):
                    self.finished = True
                delta = c.get("delta")
                if delta:
                    chars += delta_chars(delta)
            if chars and self.ticket is not None:
                self.ticket.streamed_chars += chars
            if data.get("usage"):
                self.tracker.track(ev)
            return True
        if data.get("usage"):
            self.tracker.track(ev)
            return not self.drop_usage_chunk
        return True

    def _on_event(self, ev: SseEvent) -> Iterable[SseEvent]:
        if not self.finished and self.upstream.finished(ev):
            self.finished = True
        err = _upstream_error(self.wire, ev)
        if err is not None:
            self.upstream_error = err
        if self.same:
            self.tracker.track(ev)
            if ev.raw == b"[DONE]" or ev.event == "message_stop":
                self.terminated = True
            if self.drop_usage_chunk:
                data = ev.data
                if isinstance(data, dict) and not data.get("choices") and data.get("usage"):
                    return ()
            return (ev,)
        assert self.decoder is not None
        out: list[SseEvent] = []
        for chunk in self.decoder.feed(ev):
            self._track_hub(chunk)
            out.extend(self.encoder.encode(chunk))
        return out

    def _track_hub(self, chunk: dict[str, Any]) -> None:
        usage = chunk.get("usage")
        if usage:
            found = openai_usage(usage)
            if found is not None:
                if self.ctx.usage is None:
                    self.ctx.usage = Usage()
                self.ctx.usage.merge(found)

    def _end(self) -> Batch:
        ctx = self.ctx
        out: Batch = []
        if self.decoder is not None:
            for chunk in self.decoder.close():
                self._track_hub(chunk)
                out.extend(self.encoder.encode(chunk))
            derr = getattr(self.decoder, "error", None)
            if derr:
                self.upstream_error = str(derr[0])
        if self.upstream_error is not None and not self.finished:
            err = BadGateway(f"the provider failed mid-stream: {self.upstream_error}")
            ctx.error = err
            if not self.same:
                out.extend(self._fail(err))
            return out
        if not self.finished:
            err = BadGateway("the provider's stream ended before the answer was complete")
            ctx.error = err
            out.extend(self._fail(err))
            return out
        if not self.same:
            out.extend(self.encoder.close())
        elif not self.terminated and ctx.api.terminator is not None:
            out.append(ctx.api.terminator)
        ctx.stream_completed = True
        return out


class _Ready:
    """An awaitable that is already done: `await _Ready(v)` is `v`, without a coroutine frame."""

    __slots__ = ("value",)

    def __init__(self, value: SseEvent) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, SseEvent]:
        return self.value
        yield  # unreachable: makes this a generator that finishes at once


class RelayEvents:
    """The relay's events: an async iterator of events for the stages that wrap a stream event by event,
    and `next_batch()` for the response writer when nothing wrapped it (`bastion.server.respond`): one
    resumption of the relay per upstream read instead of one per event, and the runs of events the relay
    passed on as bytes written as they are. Use one way or the other."""

    __slots__ = ("_batches", "_buf", "_i")

    def __init__(self, batches: AsyncIterator[Batch]) -> None:
        self._batches = batches
        self._buf: Batch = []
        self._i = 0

    async def prime(self) -> bool:
        """Waits for the first batch (failures before the first event surface here); False: no events."""
        batch = await anext(self._batches, None)
        if batch is None:
            return False
        self._buf, self._i = batch, 0
        return True

    async def next_batch(self) -> Batch | None:
        """The events not yet taken, as they arrive; None at the end."""
        buf, i = self._buf, self._i
        if i < len(buf):
            self._buf, self._i = [], 0
            return buf[i:] if i else buf
        return await anext(self._batches, None)

    def __aiter__(self) -> RelayEvents:
        return self

    def __anext__(self) -> Awaitable[SseEvent]:
        buf, i = self._buf, self._i
        if i < len(buf):
            item = buf[i]
            if type(item) is SseEvent:
                self._i = i + 1
                return _Ready(item)
            self._buf, self._i = _parsed(buf[i:]), 0  # a wrapping stage reads every event
            return self.__anext__()
        return self._refill()

    async def _refill(self) -> SseEvent:
        while True:
            batch = await self._batches.__anext__()  # StopAsyncIteration at the end
            batch = _parsed(batch)
            if batch:
                self._buf, self._i = batch, 1
                return batch[0]  # type: ignore[return-value]  # parsed: events only

    async def aclose(self) -> None:
        self._buf, self._i = [], 0
        await self._batches.aclose()  # type: ignore[attr-defined]


def _parsed(batch: Batch) -> Batch:
    """The batch with its runs of passed-on bytes parsed into events."""
    if all(type(item) is SseEvent for item in batch):
        return batch
    out: Batch = []
    for item in batch:
        if type(item) is bytes:
            out.extend(SseParser().feed(item))
        else:
            out.append(item)
    return out
