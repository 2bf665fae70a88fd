"""Stage 8: give the app its data back. Pseudonyms in the response become the original values again
(text, tool-call arguments with JSON escaping, streams split anywhere), and PII the model produced that
the request did not contain (under any action) is flagged or masked (`pii.response_scan`)."""

from __future__ import annotations

from bastion.config.pii import PiiConfig
from bastion.context import RequestContext
from bastion.pii import PiiEngine, Vault
from bastion.pipeline.restore_stream import new_in_response, request_values, restore_events
from bastion.textview import Segment, segments

_SCANNED_KINDS = frozenset({"assistant", "tool_arguments", "tool_input"})


def restore_segment(vault: Vault, seg: Segment) -> bool:
    text = seg.text
    new = vault.restore_json_string(text) if seg.kind == "tool_arguments" else vault.restore(text)
    if new != text:
        seg.set(new)
        return True
    return False


class RestoreStage:
    name = "restore"

    def __init__(self, settings: PiiConfig, engine: PiiEngine | None) -> None:
        self.scan = settings.response_scan if engine is not None else "off"
        self.engine = engine
        self.hash_key = settings.hash_key.encode() if settings.hash_key else None

    async def run(self, ctx: RequestContext) -> None:
        vault: Vault | None = ctx.vault
        trusted = ctx.target is not None and ctx.target.provider.trusted and ctx.original_body is not None
        restore = vault is not None and not trusted
        if not restore and self.scan == "off":
            return
        if vault is None:
            vault = Vault(self.hash_key)
        if ctx.events is not None:
            if restore or self.scan != "off":
                ctx.events = restore_events(
                    ctx, ctx.events, vault, restore, self.engine if self.scan != "off" else None
                )
            return
        if ctx.response is None:
            return
        changed = False
        segs = segments(ctx.response, ctx.api, response=True)
        if restore:
            for seg in segs:
                changed |= restore_segment(vault, seg)
        if self.scan != "off" and self.engine is not None:
            changed |= self._scan(ctx, vault, segs)
        if changed:
            ctx.response_raw = None

    def _scan(self, ctx: RequestContext, vault: Vault, segs: list[Segment]) -> bool:
        assert self.engine is not None
        counts: dict[str, int] = {}
        changed = False
        known = request_values(ctx)
        for seg in segs:
            if seg.kind not in _SCANNED_KINDS or seg.kind == "tool_arguments":
                continue
            found = new_in_response(self.engine, seg.text, vault, known)
            if not found:
                continue
            for span in found:
                counts[span.label] = counts.get(span.label, 0) + 1
            if self.scan == "mask":
                masked, _ = vault.apply(seg.text, found, {s.label: "mask" for s in found})
                seg.set(masked)
                changed = True
        if counts:
            ctx.annotations["pii_response"] = {"action": self.scan, "found": counts}
        return changed
