"""Restoring pseudonyms in client-format streams, and masking PII the model produced. One `StreamRestorer`
per text channel (a choice's content, a tool call's arguments, a content block) and, with
`response_scan: mask`, one `StreamMasker` after it on each text channel (not on tool-call arguments); a
channel's held-back tail is flushed just before the event that closes it, so nothing is lost and unrelated
text is delayed no more than the restorer's and the masker's bounded holdbacks."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from bastion.apis.base import Key
from bastion.context import RequestContext
from bastion.pii import PiiEngine, StreamRestorer, Vault, new_findings, placeholders
from bastion.pii.span import Span
from bastion.pii.stream_mask import StreamMasker
from bastion.pipeline.offload import scan
from bastion.sse import SseEvent

_SCAN_CAP = 200_000  # characters of streamed output kept for the end-of-stream PII scan (flag)


def request_values(ctx: RequestContext) -> frozenset[str]:
    """Every value the request's texts were found to hold, whatever its action (pseudonymized, masked,
    hashed, allowed): a response that repeats one holds no *new* PII."""
    spans = ctx.pii_spans or {}
    return frozenset(text[s.start : s.end] for text, found in spans.items() for s in found)


def new_in_response(scanner: PiiEngine, text: str, vault: Vault, known: frozenset[str]) -> list[Any]:
    """PII spans in response `text` that are neither placeholders nor values of the request."""
    return [s for s in new_findings(scanner, text, vault) if text[s.start : s.end] not in known]


def mask_spans(text: str, spans: list[Span]) -> str:
    """`text` with each of `spans` (sorted, non-overlapping) replaced by `<LABEL>`."""
    out: list[str] = []
    cursor = 0
    for span in spans:
        out += (text[cursor : span.start], placeholders.mask(span.label))
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


class _Channels:
    def __init__(self, vault: Vault, find: Callable[[str], list[Span]] | None = None) -> None:
        self.vault = vault
        self.find = find  # set when masking: PII in the output the request did not hold
        self.open: dict[Key, StreamRestorer] = {}
        self.masks: dict[Key, StreamMasker] = {}
        self.maskers: list[StreamMasker] = []  # every channel's, for the counts
        self.masked: Counter[str] = Counter()  # findings masked in whole texts (Responses `.done` events)

    def feed(self, key: Key, text: str, json_string: bool = False) -> str:
        r = self.open.get(key)
        if r is None:
            r = self.open[key] = StreamRestorer(self.vault, json_string=json_string)
            if self.find is not None and not json_string:
                self.masks[key] = StreamMasker(self.find)
                self.maskers.append(self.masks[key])
        out = r.feed(text)
        m = self.masks.get(key)
        return m.feed(out) if m is not None else out

    def flush(self, key: Key) -> str:
        r = self.open.pop(key, None)
        tail = r.flush() if r is not None else ""
        m = self.masks.pop(key, None)
        return m.feed(tail) + m.flush() if m is not None else tail

    def whole(self, text: str, json_string: bool = False) -> str:
        """A complete text (a `.done` event, a finished item): restored, and masked when masking."""
        text = self.vault.restore_json_string(text) if json_string else self.vault.restore(text)
        if self.find is None or json_string:
            return text
        found = self.find(text)
        self.masked.update(s.label for s in found)
        return mask_spans(text, found) if found else text

    def found(self) -> dict[str, int]:
        """Findings masked in streamed deltas (whole texts repeat them, so they are not added twice)."""
        total: Counter[str] = Counter()
        for m in self.maskers:
            total.update(m.found)
        return dict(total or self.masked)

    def open_keys(self) -> list[Key]:
        return list(self.open)


class _Collect:
    """A sink that changes nothing and keeps the answer text it is fed (for the end-of-stream scan)."""

    __slots__ = ("texts",)

    def __init__(self) -> None:
        self.texts: list[str] = []

    def feed(self, key: Key, text: str, json_string: bool = False) -> str:
        if not json_string:
            self.texts.append(text)
        return text

    def flush(self, key: Key) -> str:
        return ""

    def whole(self, text: str, json_string: bool = False) -> str:
        return text

    def open_keys(self) -> list[Key]:
        return []


async def restore_events(
    ctx: RequestContext,
    source: AsyncIterator[SseEvent],
    vault: Vault,
    restore: bool,
    scanner: PiiEngine | None,
    *,
    mask: bool = False,
) -> AsyncIterator[SseEvent]:
    """Wraps the client-format event stream. With a `scanner`, PII the model produced is masked as the
    stream flows (`mask`) or counted at the end of the stream (flag). An event carrying at least
    `offload.INLINE_CHARS` characters of text, and a long end-of-stream scan, are handled in a worker
    thread."""
    known = request_values(ctx) if scanner is not None else frozenset()

    def new_pii(text: str) -> list[Span]:
        assert scanner is not None
        return new_in_response(scanner, text, vault, known)

    find = new_pii if scanner is not None and mask else None
    ch = _Channels(vault if restore else Vault(), find)
    walker = ctx.api.walker(ch) if restore or find is not None else None
    flag = scanner is not None and not mask
    collect = _Collect()
    reader = ctx.api.walker(collect) if flag else None  # the answer text of each event sent, unchanged
    count = ctx.api.count_chars
    size = 0
    try:
        async for ev in source:
            if walker is None:
                outs = [ev]
            else:
                size_of = len(ev.raw) if ev.raw is not None else count(ev.data)
                outs = await scan(size_of, walker.event, ev)
            for out in outs:
                if reader is not None and size < _SCAN_CAP:
                    before = len(collect.texts)
                    reader.event(out)
                    size += sum(len(t) for t in collect.texts[before:])
                yield out
        if walker is not None:  # a stream that ended without closing its channels: what they still hold
            for out in walker.end():
                yield out
    finally:
        await source.aclose()  # type: ignore[attr-defined]
        found: dict[str, int] = {}
        if find is not None:
            found = ch.found()
        elif flag and collect.texts:
            text = "".join(collect.texts)
            assert scanner is not None
            spans = await scan(len(text), new_in_response, scanner, text, vault, known)
            found = dict(Counter(span.label for span in spans))
        if found:
            ctx.annotations["pii_response"] = {"action": "mask" if mask else "flag", "found": found}
