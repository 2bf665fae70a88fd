"""Restoring pseudonyms in client-format streams, and masking PII the model produced. One `StreamRestorer`
per text channel (a choice's content, a tool call's arguments, a content block) and, with
`response_scan: mask`, one `StreamMasker` after it on each text channel (not on tool-call arguments); a
channel's held-back tail is flushed just before the event that closes it, so nothing is lost and unrelated
text is delayed no more than the restorer's and the masker's bounded holdbacks."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Any

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
        self.open: dict[Hashable, StreamRestorer] = {}
        self.masks: dict[Hashable, StreamMasker] = {}
        self.maskers: list[StreamMasker] = []  # every channel's, for the counts
        self.masked: Counter[str] = Counter()  # findings masked in whole texts (Responses `.done` events)
        self.meta: dict[str, Any] = {"object": "chat.completion.chunk"}  # id/model/created of the last chunk

    def feed(self, key: Hashable, text: str, json_string: bool = False) -> str:
        r = self.open.get(key)
        if r is None:
            r = self.open[key] = StreamRestorer(self.vault, json_string=json_string)
            if self.find is not None and not json_string:
                self.masks[key] = StreamMasker(self.find)
                self.maskers.append(self.masks[key])
        out = r.feed(text)
        m = self.masks.get(key)
        return m.feed(out) if m is not None else out

    def flush(self, key: Hashable) -> str:
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

    def flush_where(self, pred: Any) -> list[tuple[Hashable, str]]:
        keys = [k for k in self.open if pred(k)]
        return [(k, self.flush(k)) for k in keys]


def _openai_chat(ev: SseEvent, ch: _Channels) -> list[SseEvent]:
    data = ev.data
    if ev.raw == b"[DONE]" or not isinstance(data, dict):
        tails = ch.flush_where(lambda k: True)
        extra = [_openai_tail(ch, k, t) for k, t in tails if t]
        return [*extra, ev]
    for field in ("id", "created", "model"):
        if field in data:
            ch.meta[field] = data[field]
    changed = False
    for choice in data.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        i = choice.get("index", 0)
        delta = choice.get("delta")
        if isinstance(delta, dict):
            if isinstance(delta.get("content"), str):
                delta["content"] = ch.feed((i, "c"), delta["content"])
                changed = True
            for call in delta.get("tool_calls") or ():
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                    fn["arguments"] = ch.feed((i, "t", call.get("index", 0)), fn["arguments"], True)
                    changed = True
        if choice.get("finish_reason"):
            for key, tail in ch.flush_where(lambda k, i=i: k[0] == i):
                if not tail:
                    continue
                delta = choice.setdefault("delta", {})
                if key[1] == "c":
                    delta["content"] = (delta.get("content") or "") + tail
                else:
                    delta.setdefault("tool_calls", []).append(
                        {"index": key[2], "function": {"arguments": tail}}
                    )
                changed = True
    if changed:
        ev.raw = None
    return [ev]


def _openai_tail(ch: _Channels, key: Hashable, tail: str) -> SseEvent:
    i, kind = key[0], key[1]  # type: ignore[index]
    delta: dict[str, Any] = {"content": tail}
    if kind != "c":
        delta = {"tool_calls": [{"index": key[2], "function": {"arguments": tail}}]}  # type: ignore[index]
    return SseEvent.of({**ch.meta, "choices": [{"index": i, "delta": delta, "finish_reason": None}]})


def _anthropic(ev: SseEvent, ch: _Channels) -> list[SseEvent]:
    data = ev.data
    if not isinstance(data, dict):
        return [ev]
    etype = data.get("type")
    if etype == "content_block_delta":
        delta = data.get("delta") or {}
        idx = data.get("index", 0)
        if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
            delta["text"] = ch.feed((idx, "text"), delta["text"])
            ev.raw = None
        elif delta.get("type") == "input_json_delta" and isinstance(delta.get("partial_json"), str):
            delta["partial_json"] = ch.feed((idx, "json"), delta["partial_json"], True)
            ev.raw = None
        return [ev]
    if etype in ("content_block_stop", "message_delta", "message_stop"):
        idx = data.get("index")
        out = []
        for key, tail in ch.flush_where(lambda k: idx is None or k[0] == idx):
            if tail:
                field = "text" if key[1] == "text" else "partial_json"  # type: ignore[index]
                dtype = "text_delta" if field == "text" else "input_json_delta"
                out.append(
                    SseEvent.of(
                        {
                            "type": "content_block_delta",
                            "index": key[0],  # type: ignore[index]
                            "delta": {"type": dtype, field: tail},
                        },
                        "content_block_delta",
                    )
                )
        return [*out, ev]
    return [ev]


def _responses(ev: SseEvent, ch: _Channels) -> list[SseEvent]:
    data = ev.data
    if not isinstance(data, dict):
        return [ev]
    etype = data.get("type", ev.event)
    key = (data.get("item_id"), data.get("content_index"))
    out: list[SseEvent] = []
    if etype == "response.output_text.delta" and isinstance(data.get("delta"), str):
        data["delta"] = ch.feed(key, data["delta"])
    elif etype == "response.function_call_arguments.delta" and isinstance(data.get("delta"), str):
        data["delta"] = ch.feed(key, data["delta"], True)
    elif etype in ("response.output_text.done", "response.function_call_arguments.done"):
        tail = ch.flush(key)
        if tail:
            delta_type = etype.replace(".done", ".delta")
            out.append(
                SseEvent.of(
                    {
                        **{k: v for k, v in data.items() if k not in ("text", "arguments")},
                        "type": delta_type,
                        "delta": tail,
                    },
                    delta_type,
                )
            )
        for field in ("text", "arguments"):
            if isinstance(data.get(field), str):
                data[field] = ch.whole(data[field], json_string=field == "arguments")
    else:
        from bastion.textview import responses_response

        holder = data.get("response") if isinstance(data.get("response"), dict) else None
        item = data.get("item") if isinstance(data.get("item"), dict) else None
        part = data.get("part") if isinstance(data.get("part"), dict) else None
        body = holder or ({"output": [item]} if item else None)
        for seg in responses_response(body) if body else ():
            seg.set(ch.whole(seg.text, json_string=seg.kind == "tool_arguments"))
        if part is not None and isinstance(part.get("text"), str):
            part["text"] = ch.whole(part["text"])
    ev.raw = None
    return [*out, ev]


def _text_of(ev: SseEvent) -> str:
    """Assistant text carried by a client-format event (for the end-of-stream scan)."""
    data = ev.data
    if not isinstance(data, dict):
        return ""
    if "choices" in data:
        return "".join(
            c.get("delta", {}).get("content") or "" for c in data["choices"] if isinstance(c, dict)
        )
    delta = data.get("delta")
    if isinstance(delta, dict) and isinstance(delta.get("text"), str):
        return delta["text"]
    if data.get("type") == "response.output_text.delta" and isinstance(delta, str):
        return delta
    return ""


_VIEWS: dict[str, Callable[[SseEvent, _Channels], list[SseEvent]]] = {
    "anthropic.messages": _anthropic,
    "openai.responses": _responses,
    "openai.chat": _openai_chat,
}


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
    view = _VIEWS.get(ctx.api) if restore or find is not None else None
    flag = scanner is not None and not mask
    seen: list[str] = []
    size = 0
    try:
        async for ev in source:
            if view is None:
                outs = [ev]
            else:
                size_of = len(ev.raw) if ev.raw is not None else len(_text_of(ev))
                outs = await scan(size_of, view, ev, ch)
            for out in outs:
                if flag and size < _SCAN_CAP:
                    text = _text_of(out)
                    seen.append(text)
                    size += len(text)
                yield out
        if view is not None and ctx.api == "openai.chat":
            for key, tail in ch.flush_where(lambda k: True):
                if tail:
                    yield _openai_tail(ch, key, tail)
    finally:
        await source.aclose()  # type: ignore[attr-defined]
        found: dict[str, int] = {}
        if find is not None:
            found = ch.found()
        elif flag and seen:
            text = "".join(seen)
            assert scanner is not None
            spans = await scan(len(text), new_in_response, scanner, text, vault, known)
            found = dict(Counter(span.label for span in spans))
        if found:
            ctx.annotations["pii_response"] = {"action": "mask" if mask else "flag", "found": found}
