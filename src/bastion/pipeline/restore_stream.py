"""Restoring pseudonyms in client-format streams. One `StreamRestorer` per text channel (a choice's
content, a tool call's arguments, a content block); a channel's held-back tail is flushed just before the
event that closes it, so nothing is lost and unrelated text is never delayed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable
from typing import Any

from bastion.context import RequestContext
from bastion.pii import PiiEngine, StreamRestorer, Vault, new_findings
from bastion.sse import SseEvent

_SCAN_CAP = 200_000  # characters of streamed output kept for the end-of-stream PII scan


def request_values(ctx: RequestContext) -> frozenset[str]:
    """Every value the request's texts were found to hold, whatever its action (pseudonymized, masked,
    hashed, allowed): a response that repeats one holds no *new* PII."""
    spans = ctx.pii_spans or {}
    return frozenset(text[s.start : s.end] for text, found in spans.items() for s in found)


def new_in_response(scanner: PiiEngine, text: str, vault: Vault, known: frozenset[str]) -> list[Any]:
    """PII spans in response `text` that are neither placeholders nor values of the request."""
    return [s for s in new_findings(scanner, text, vault) if text[s.start : s.end] not in known]


class _Channels:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.open: dict[Hashable, StreamRestorer] = {}
        self.meta: dict[str, Any] = {"object": "chat.completion.chunk"}  # id/model/created of the last chunk

    def feed(self, key: Hashable, text: str, json_string: bool = False) -> str:
        r = self.open.get(key)
        if r is None:
            r = self.open[key] = StreamRestorer(self.vault, json_string=json_string)
        return r.feed(text)

    def flush(self, key: Hashable) -> str:
        r = self.open.pop(key, None)
        return r.flush() if r is not None else ""

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


def _responses(ev: SseEvent, ch: _Channels, vault: Vault) -> list[SseEvent]:
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
                restore = vault.restore_json_string if field == "arguments" else vault.restore
                data[field] = restore(data[field])
    else:
        from bastion.textview import responses_response

        holder = data.get("response") if isinstance(data.get("response"), dict) else None
        item = data.get("item") if isinstance(data.get("item"), dict) else None
        part = data.get("part") if isinstance(data.get("part"), dict) else None
        body = holder or ({"output": [item]} if item else None)
        for seg in responses_response(body) if body else ():
            restore = vault.restore_json_string if seg.kind == "tool_arguments" else vault.restore
            seg.set(restore(seg.text))
        if part is not None and isinstance(part.get("text"), str):
            part["text"] = vault.restore(part["text"])
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


async def restore_events(
    ctx: RequestContext,
    source: AsyncIterator[SseEvent],
    vault: Vault,
    restore: bool,
    scanner: PiiEngine | None,
) -> AsyncIterator[SseEvent]:
    """Wraps the client-format event stream. Streams are scanned for new PII at the end and flagged
    (masking needs the whole text and is applied to non-streamed answers only)."""
    ch = _Channels(vault)
    seen: list[str] = []
    size = 0
    try:
        async for ev in source:
            if not restore:
                outs = [ev]
            elif ctx.api == "anthropic.messages":
                outs = _anthropic(ev, ch)
            elif ctx.api == "openai.responses":
                outs = _responses(ev, ch, vault)
            else:
                outs = _openai_chat(ev, ch)
            for out in outs:
                if scanner is not None and size < _SCAN_CAP:
                    text = _text_of(out)
                    seen.append(text)
                    size += len(text)
                yield out
        if restore and ctx.api == "openai.chat":
            for key, tail in ch.flush_where(lambda k: True):
                if tail:
                    yield _openai_tail(ch, key, tail)
    finally:
        await source.aclose()  # type: ignore[attr-defined]
        if scanner is not None and seen:
            found = new_in_response(scanner, "".join(seen), vault, request_values(ctx))
            if found:
                counts: dict[str, int] = {}
                for span in found:
                    counts[span.label] = counts.get(span.label, 0) + 1
                ctx.annotations["pii_response"] = {"action": "flag", "found": counts}
