"""Stage 8: give the app its data back. Pseudonyms in the response become the original values again
(text, tool-call arguments with JSON escaping, streams split anywhere), with the vault of the body the
serving provider received (`pipeline.pii_variants`), and PII the model produced that the request did not
contain (under any action) is flagged or masked (`pii.response_scan`), streams included."""

from __future__ import annotations

from bastion.apis.text import Segment
from bastion.config.pii import PiiConfig
from bastion.context import RequestContext
from bastion.pii import PiiEngine, Span, Vault
from bastion.pipeline.offload import scan
from bastion.pipeline.pii_variants import vault_for
from bastion.pipeline.restore_stream import mask_spans, new_in_response, request_values, restore_events

_SCANNED_KINDS = frozenset({"assistant", "tool_input"})  # tool_arguments are JSON text: not scanned


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
        self.active = engine is not None  # no detection: no pseudonyms to restore, nothing to scan with
        self.hash_key = settings.hash_key.encode() if settings.hash_key else None

    async def run(self, ctx: RequestContext) -> None:
        vault = vault_for(ctx)
        restore = vault is not None and len(vault) > 0  # a body with no pseudonyms has nothing to restore
        if not restore and self.scan == "off":
            return
        if vault is None:
            vault = Vault(self.hash_key)
        if ctx.events is not None:
            scanner = self.engine if self.scan != "off" else None
            ctx.events = restore_events(ctx, ctx.events, vault, restore, scanner, mask=self.scan == "mask")
            return
        if ctx.response is None:
            return
        changed = False
        segs = ctx.api.response_segments(ctx.response)
        if restore:
            for seg in segs:
                changed |= restore_segment(vault, seg)
        if self.scan != "off" and self.engine is not None:
            changed |= await self._scan(ctx, vault, segs)
        if changed:
            ctx.response_raw = None

    async def _scan(self, ctx: RequestContext, vault: Vault, segs: list[Segment]) -> bool:
        """Response PII the request did not hold: counted, and masked with `mask`. A long answer is
        scanned in a worker thread (`offload.INLINE_CHARS`)."""
        scanned = [seg for seg in segs if seg.kind in _SCANNED_KINDS and seg.text]
        if not scanned:
            return False
        texts = [seg.text for seg in scanned]
        found = await scan(sum(map(len, texts)), self._find, texts, vault, request_values(ctx))
        counts: dict[str, int] = {}
        changed = False
        for seg, spans in zip(scanned, found, strict=True):
            if not spans:
                continue
            for span in spans:
                counts[span.label] = counts.get(span.label, 0) + 1
            if self.scan == "mask":
                seg.set(mask_spans(seg.text, spans))
                changed = True
        if counts:
            ctx.annotations["pii_response"] = {"action": self.scan, "found": counts}
        return changed

    def _find(self, texts: list[str], vault: Vault, known: frozenset[str]) -> list[list[Span]]:
        assert self.engine is not None
        return [new_in_response(self.engine, text, vault, known) for text in texts]
