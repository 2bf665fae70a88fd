"""Traces: a gateway started with only OTEL_EXPORTER_OTLP_ENDPOINT set exports one SERVER span per request
(parented on the client's W3C traceparent), a child per pipeline stage and a CLIENT span per upstream
attempt, whose context reaches the provider; GenAI attributes; no prompt text and no PII."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, marker
from observability.otlp import Receiver, Span
from observability.served import observed_config, serve

SERVER, CLIENT = 2, 3  # OTLP SpanKind values


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def gateway_url(fakes: Fakes, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("obs-traces")
    with serve(observed_config(fakes, tmp), tmp, workers=1, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
               OTEL_SERVICE_NAME="bastion-under-test") as served:  # fmt: skip
        yield served.url


def _ids() -> tuple[str, str, str]:
    trace_id, span_id = os.urandom(16).hex(), os.urandom(8).hex()
    return trace_id, span_id, f"00-{trace_id}-{span_id}-01"


def _chat(url: str, model: str, text: str, traceparent: str) -> Any:
    with openai.OpenAI(base_url=url + "/v1", api_key=ADMIN_KEY, max_retries=0, timeout=20,
                       default_headers={"traceparent": traceparent}) as client:  # fmt: skip
        return client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])


def _by_name(spans: list[Span]) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for s in spans:
        out.setdefault(s.name, []).append(s)
    return out


def test_request_stage_and_attempt_spans(gateway_url: str, receiver: Receiver, fakes: Fakes) -> None:
    trace_id, parent_id, traceparent = _ids()
    mk = marker()
    reply = _chat(gateway_url, "openai-echo", f"hello {mk}", traceparent)
    spans = receiver.trace(trace_id, 12)
    names = _by_name(spans)
    root = names["chat openai-echo"][0]
    assert root.kind == SERVER and root.parent_id == parent_id and root.service == "bastion-under-test"
    a = root.attributes
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.request.model"] == "openai-echo"
    assert a["gen_ai.system"] == "openai" and a["gen_ai.response.model"]
    assert a["gen_ai.usage.input_tokens"] == reply.usage.prompt_tokens
    assert a["gen_ai.usage.output_tokens"] == reply.usage.completion_tokens
    assert a["http.response.status_code"] == 200 and a["bastion.decision"] == "allowed"
    assert a["bastion.key"] == "admin" and a["bastion.target"] == "openai/fake-echo"
    for stage in ("authenticate", "decode", "policy", "pii", "route", "call"):
        (span,) = names[f"bastion.{stage}"]
        assert span.parent_id == root.span_id
    (call,) = names["bastion.call"]
    (attempt,) = names["upstream openai"]
    assert attempt.kind == CLIENT and attempt.parent_id == call.span_id
    assert attempt.attributes["http.response.status_code"] == 200
    seen = fakes.openai.wait_for(mk).headers["traceparent"]
    assert seen.split("-")[1:3] == [trace_id, attempt.span_id]
    assert mk not in b"".join(receiver.raw).decode("latin-1")  # no prompt text by default


def test_failover_has_one_span_per_attempt(gateway_url: str, receiver: Receiver) -> None:
    trace_id, _, traceparent = _ids()
    _chat(gateway_url, "group-5xx", "fail over", traceparent)
    spans = receiver.trace(trace_id, 13)
    attempts = [s for s in spans if s.kind == CLIENT]
    assert sorted(s.name for s in attempts) == ["upstream anthropic", "upstream openai"]
    failed = next(s for s in attempts if s.name == "upstream openai")
    assert failed.attributes["http.response.status_code"] == 503 and failed.status == 2
    root = next(s for s in spans if s.kind == SERVER)
    assert root.attributes["bastion.attempts"] == 2 and root.attributes["gen_ai.system"] == "anthropic"


def test_denied_and_pii_requests(gateway_url: str, receiver: Receiver) -> None:
    trace_id, _, traceparent = _ids()
    with pytest.raises(openai.PermissionDeniedError):
        _chat(gateway_url, "openai-echo", "about Project Falcon", traceparent)
    spans = receiver.trace(trace_id, 5)
    root = next(s for s in spans if s.kind == SERVER)
    assert root.attributes["bastion.decision"] == "denied" and root.attributes["error.type"] == "PolicyDenied"
    assert root.status == 2
    policy = next(s for s in spans if s.name == "bastion.policy")
    assert policy.attributes["error.type"] == "PolicyDenied"
    assert not any(s.kind == CLIENT for s in spans)

    trace_id, _, traceparent = _ids()
    _chat(gateway_url, "openai-echo", "mail jane.doe@example.com now", traceparent)
    spans = receiver.trace(trace_id, 12)
    root = next(s for s in spans if s.kind == SERVER)
    assert root.attributes["bastion.pii.types"] == ["EMAIL"] and root.attributes["bastion.pii.replaced"] == 1
    assert "jane.doe" not in b"".join(receiver.raw).decode("latin-1")


def test_without_traceparent_a_new_trace_starts(gateway_url: str, receiver: Receiver) -> None:
    body = {"model": "openai-echo", "messages": [{"role": "user", "content": "hi"}]}
    r = httpx.post(gateway_url + "/v1/chat/completions", timeout=20, json=body,
                   headers={"Authorization": f"Bearer {ADMIN_KEY}"})  # fmt: skip
    assert r.status_code == 200
    rid = r.headers["x-request-id"]
    found: list[Span] = []
    for _ in range(200):
        with receiver.lock:
            found = [s for s in receiver.spans if s.attributes.get("bastion.request_id") == rid]
        if found:
            break
        time.sleep(0.1)
    (root,) = found
    assert root.parent_id == "" and root.kind == SERVER
