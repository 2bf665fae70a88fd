"""Stage 6: call the provider. Tries the route's candidates in order with retries, backoff, circuit breakers
and a retry budget (`bastion.routing.resilience`), only before anything reached the client. Translates
the body to the provider's wire format and the answer back to the client's, or passes both through when
they match."""

from __future__ import annotations

import time
from typing import Any

import orjson

from bastion.config.schema import ProviderConfig
from bastion.context import Attempt, RequestContext, Target
from bastion.errors import BadGateway, GatewayError, UpstreamError, retryable
from bastion.pipeline.embeddings import embeddings_body, embeddings_result
from bastion.pipeline.pii_variants import body_for
from bastion.pipeline.relay import StreamRelay
from bastion.providers import Adapter
from bastion.routing.resilience import Resilience
from bastion.translate import Codec, translate_request, translate_response
from bastion.translate.responses import responses_usage
from bastion.upstream import Upstream, UpstreamResponse


def _redact(text: str, provider: ProviderConfig) -> str:
    """Providers quote the credentials they refuse ("Incorrect API key provided: sk-..."): the gateway's
    own key must never reach a client."""
    secret = provider.secret()
    return text.replace(secret, "[redacted]") if secret else text


class CallStage:
    name = "call"

    def __init__(
        self,
        adapters: dict[str, Adapter],
        codecs: dict[str, Codec],
        upstream: Upstream,
        resilience: Resilience | None = None,
    ) -> None:
        self.adapters = adapters
        self.codecs = codecs
        self.upstream = upstream
        self.resilience = resilience  # retries, backoff, breakers, retry budget (bastion.routing)

    async def run(self, ctx: RequestContext) -> None:
        if self.resilience is not None and ctx.route is not None:
            await self.resilience.run(ctx, self._attempt)
            return
        last: GatewayError | None = None
        for target in ctx.candidates:
            try:
                await self._attempt(ctx, target)
            except GatewayError as err:
                ctx.attempts.append(Attempt(target.label, err.error_class, err.status_code, err.message))
                last = err
                if not retryable(err):
                    raise
                continue
            ctx.target = target
            ctx.attempts.append(Attempt(target.label, "ok", ctx.status))
            return
        assert last is not None
        raise last

    def _body(self, ctx: RequestContext, target: Target, adapter: Adapter) -> dict[str, Any]:
        model = target.entry.model
        # PII: the body this provider may receive (its own map, `trusted: true`, or the caller's actions)
        source = body_for(ctx, target.provider)
        if ctx.api.operation == "embeddings":
            return embeddings_body(source, adapter.wire, model)
        if ctx.api.operation == "responses":
            return {**source, "model": model}
        body = translate_request(self.codecs, source, ctx.api.wire, adapter.wire, model, stream=ctx.stream)
        return adapter.prepare(ctx.api.operation, body, model)

    async def _attempt(self, ctx: RequestContext, target: Target) -> None:
        provider = target.provider
        adapter = self.adapters[provider.type]
        raw = orjson.dumps(self._body(ctx, target, adapter))
        model = target.entry.model
        if ctx.api.operation == "chat":
            req = adapter.chat(provider, model, raw, ctx.stream)
        elif ctx.api.operation == "embeddings":
            req = adapter.embeddings(provider, model, raw)
        else:
            req = adapter.responses(provider, model, raw, ctx.stream)
        t0 = time.perf_counter_ns()
        try:
            resp = await self.upstream.send(provider, req, ctx.stream)
        finally:
            ctx.upstream_ns += time.perf_counter_ns() - t0
        if resp.status >= 400:
            raise self._error(resp, adapter.wire, provider)
        if resp.chunks is not None:
            events = StreamRelay(self.codecs, ctx, adapter.wire, target).run(resp.chunks)
            t0 = time.perf_counter_ns()
            try:
                await events.prime()  # fails here (and may fall back) before the client sees a byte
            except BaseException:
                await events.aclose()
                raise
            finally:
                ctx.upstream_ns += time.perf_counter_ns() - t0
            ctx.events = events
            return
        self._full(ctx, resp, adapter.wire)

    def _full(self, ctx: RequestContext, resp: UpstreamResponse, wire: str) -> None:
        try:
            data = orjson.loads(resp.body)
        except orjson.JSONDecodeError:
            raise BadGateway("the provider answered with a body that is not JSON") from None
        if not isinstance(data, dict):
            raise BadGateway("the provider answered with an unexpected JSON body")
        if ctx.stream:
            raise BadGateway("the provider answered a streaming request with a non-stream body")
        ctx.status = resp.status
        if ctx.api.operation == "embeddings":
            ctx.response, ctx.usage = embeddings_result(self.codecs, ctx.body, data, wire)
            if ctx.response is data:
                ctx.response_raw = resp.body
            return
        if ctx.api.operation == "responses":
            ctx.usage = responses_usage(data)
            ctx.response, ctx.response_raw = data, resp.body
            return
        ctx.usage = self.codecs[wire].usage(data)
        if wire == ctx.api.wire:
            ctx.response, ctx.response_raw = data, resp.body
        else:
            ctx.response = translate_response(self.codecs, data, wire, ctx.api.wire, ctx.model)

    def _error(self, resp: UpstreamResponse, wire: str, provider: ProviderConfig) -> GatewayError:
        name, ptype = provider.name, provider.type
        message = _redact(self.codecs[wire].error_message(resp.body), provider)[:2000]
        if resp.status >= 500:
            return BadGateway(f"provider {name} failed with {resp.status}: {message}")
        if resp.status in (401, 403):
            # the gateway's own provider credentials were refused: a configuration fault, not the client's
            return BadGateway(f"provider {name} refused the gateway's credentials ({resp.status}): {message}")
        headers = (
            {"retry-after": resp.headers["retry-after"]}
            if resp.headers and "retry-after" in resp.headers
            else None
        )
        return UpstreamError(resp.status, message, provider_type=ptype, headers=headers)
