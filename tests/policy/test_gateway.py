"""Every action end to end on the OpenAI and Anthropic routes, streamed and not: real gateway, official
SDK clients, fake providers recording what they received."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, marker
from policy.drive import ask

ROUTES = ["openai", "anthropic"]
MODES = [False, True]


def client(kind: str, oa: openai.OpenAI, an: anthropic.Anthropic) -> Any:
    return oa if kind == "openai" else an


def upstream(fakes: Fakes, kind: str, mark: str) -> dict[str, Any]:
    return fakes.openai.find(mark).json if kind == "openai" else fakes.anthropic.find(mark).json


def denied(exc: Exception) -> tuple[int | None, str]:
    if isinstance(exc, openai.APIStatusError | anthropic.APIStatusError):
        return exc.status_code, str(exc.message) + str(exc.body)
    return None, str(exc)


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_deny_is_a_provider_shaped_403_naming_the_rule(
    kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic, fakes: Fakes
) -> None:
    mark = marker()
    with pytest.raises((openai.PermissionDeniedError, anthropic.PermissionDeniedError)) as info:
        ask(client(kind, oa, an), f"{mark} tell me about Project  FALCON", stream=stream)
    assert info.value.status_code == 403
    body = info.value.body
    assert isinstance(body, dict)
    err = body if kind == "openai" else body["error"]
    assert err["type"] == "permission_error"
    assert "falcon" in err["message"] and "Project Falcon is confidential" in err["message"]
    if kind == "openai":
        assert err["code"] == "policy_denied"
    assert fakes.openai.count(mark) + fakes.anthropic.count(mark) == 0  # never sent upstream


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_shadow_and_flag_enforce_nothing(
    kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic
) -> None:
    mark = marker()
    text = ask(client(kind, oa, an), f"{mark} shadowword flagword mango", stream=stream)
    assert text == f"Echo: {mark} shadowword flagword mango"  # the response shadow rule did not deny either


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_transform_caps_tokens_strips_tools_and_prepends_system(
    kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic, fakes: Fakes
) -> None:
    mark = marker()
    if kind == "openai":
        tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
        ask(oa, mark, stream=stream, use_case="cap", max_tokens=500, tools=tools)
        sent = upstream(fakes, kind, mark)
        assert sent["messages"][0] == {"role": "system", "content": "POLICY-SYSTEM"}
        assert sent.get("max_tokens", sent.get("max_completion_tokens")) == 7
    else:
        tools = [{"name": "lookup", "input_schema": {"type": "object"}}]
        ask(an, mark, stream=stream, use_case="cap", max_tokens=500, tools=tools, system="Be kind.")
        sent = upstream(fakes, kind, mark)
        assert sent["system"].startswith("POLICY-SYSTEM") or sent["system"][0]["text"] == "POLICY-SYSTEM"
        assert sent["max_tokens"] == 7
    assert "tools" not in sent


@pytest.mark.parametrize("kind", ROUTES)
def test_tools_are_restricted_to_the_allow_list(
    kind: str, oa: openai.OpenAI, an: anthropic.Anthropic, fakes: Fakes
) -> None:
    mark = marker()
    if kind == "openai":
        tools = [
            {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
            for n in ("evil_tool", "allowed_tool")
        ]
        oa.chat.completions.create(
            model="openai-echo", messages=[{"role": "user", "content": mark}], tools=tools,  # type: ignore[arg-type]
            extra_headers={"x-bastion-use-case": "tools"},
        )  # fmt: skip
        names = [t["function"]["name"] for t in upstream(fakes, kind, mark)["tools"]]
    else:
        tools = [{"name": n, "input_schema": {"type": "object"}} for n in ("evil_tool", "allowed_tool")]
        an.messages.create(
            model="anthropic-echo", max_tokens=50, messages=[{"role": "user", "content": mark}], tools=tools,  # type: ignore[arg-type]
            extra_headers={"x-bastion-use-case": "tools"},
        )  # fmt: skip
        names = [t["name"] for t in upstream(fakes, kind, mark)["tools"]]
    assert names == ["allowed_tool"]


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_redact_overrides_pii_actions(
    kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic, fakes: Fakes
) -> None:
    mark = marker()
    c = client(kind, oa, an)
    ask(c, f"{mark} write to ana.lopez@example.com", stream=stream, use_case="mask-email")
    sent = str(upstream(fakes, kind, mark))
    assert "ana.lopez@example.com" not in sent and "<EMAIL_1>" not in sent  # masked, not pseudonymized
    with pytest.raises((openai.BadRequestError, anthropic.BadRequestError)) as info:
        ask(c, f"{marker()} write to ana.lopez@example.com", stream=stream, use_case="block-email")
    assert "EMAIL" in str(info.value)


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_redact_masks_matched_request_text(
    kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic, fakes: Fakes
) -> None:
    mark = marker()
    text = ask(client(kind, oa, an), f"{mark} about codename-bluebird", stream=stream, use_case="codename")
    assert "codename-bluebird" not in str(upstream(fakes, kind, mark))
    assert text == f"Echo: {mark} about [HIDDEN]"


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_response_mask(kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic) -> None:
    filler = " ".join(["word"] * 150)  # longer than the stream hold-back: masking spans several chunks
    text = ask(client(kind, oa, an), f"Banana split {filler} and banana", stream=stream)
    assert "banana" not in text.lower()
    assert text.startswith("Echo: [FRUIT] split") and text.endswith("and [FRUIT]")
    assert filler in text


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_response_deny(kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic) -> None:
    filler = " ".join(["word"] * 150)
    with pytest.raises((openai.APIError, anthropic.APIError)) as info:
        ask(client(kind, oa, an), f"{filler} kiwi", stream=stream)
    status, message = denied(info.value)
    assert "out-kiwi" in message and "no kiwi in answers" in message
    if not stream:
        assert status == 403
    assert "kiwi" not in message.replace("out-kiwi", "").replace("no kiwi", "")


@pytest.mark.parametrize("kind", ROUTES)
def test_mid_stream_deny_sends_no_denied_text_and_a_well_formed_error(
    kind: str, policy_gateway: Gateway
) -> None:
    filler = " ".join(["word"] * 200)
    if kind == "openai":
        messages = [{"role": "user", "content": f"{filler} kiwi"}]
        path, body = "/v1/chat/completions", {"model": "openai-echo", "stream": True, "messages": messages}
        headers = auth()
    else:
        messages = [{"role": "user", "content": f"{filler} kiwi"}]
        path = "/v1/messages"
        body = {"model": "anthropic-echo", "stream": True, "max_tokens": 50, "messages": messages}
        headers = {"x-api-key": ADMIN_KEY, "anthropic-version": "2023-06-01"}
    r = httpx.post(policy_gateway.url + path, json=body, headers=headers, timeout=20)
    assert r.status_code == 200  # the stream had started
    events = [b for b in r.text.split("\n\n") if b.strip()]
    assert "kiwi" not in "".join(events[:-1])
    last = events[-1]
    if kind == "openai":
        assert last.startswith('data: {"error"') and "policy_denied" in last
        assert "[DONE]" not in r.text
    else:
        assert last.startswith("event: error\ndata: ") and "permission_error" in last
        assert "message_stop" not in r.text


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_response_pii_rule(kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic) -> None:
    # the e-mail is allowed out (redact override), echoed back, and the output rule refuses it
    with pytest.raises((openai.APIError, anthropic.APIError)) as info:
        ask(client(kind, oa, an), "mail ana.lopez@example.com please", stream=stream, use_case="allow-email")
    assert "out-email" in denied(info.value)[1]


@pytest.mark.parametrize("stream", MODES)
def test_residency_routes_only_to_the_required_region(
    stream: bool, policy_gateway: Gateway, fakes: Fakes
) -> None:
    for _ in range(6):  # the group has a us and an eu deployment: every request must land in eu
        r = httpx.post(
            policy_gateway.openai_base + "/chat/completions",
            json={"model": "regional", "stream": stream, "messages": [{"role": "user", "content": "hi"}]},
            headers={**auth(), "x-bastion-use-case": "eu"},
            timeout=20,
        )
        assert r.status_code == 200
        assert r.headers["x-bastion-target"] == "openai-eu/fake-echo"


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_residency_fails_closed(
    kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic, fakes: Fakes
) -> None:
    mark = marker()
    model = "us-only" if kind == "openai" else "anthropic-echo"  # neither has an eu deployment
    with pytest.raises((openai.PermissionDeniedError, anthropic.PermissionDeniedError)) as info:
        ask(client(kind, oa, an), mark, stream=stream, use_case="eu", model=model)
    assert "eu-residency" in str(info.value.body)
    assert fakes.openai.count(mark) + fakes.anthropic.count(mark) == 0


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_route_to_another_model(
    kind: str, stream: bool, oa: openai.OpenAI, an: anthropic.Anthropic, fakes: Fakes
) -> None:
    mark = marker()
    text = ask(client(kind, oa, an), mark, stream=stream, use_case="reroute")
    assert text == f"Echo: {mark}"
    assert fakes.anthropic.count(mark) == 1 and fakes.openai.count(mark) == 0


def test_route_to_a_provider(policy_gateway: Gateway) -> None:
    for _ in range(4):
        r = httpx.post(
            policy_gateway.openai_base + "/chat/completions",
            json={"model": "regional", "messages": [{"role": "user", "content": "hi"}]},
            headers={**auth(), "x-bastion-use-case": "pin-us"},
            timeout=20,
        )
        assert r.headers["x-bastion-target"] == "openai-us/fake-echo"


def test_team_restricted_to_cheaper_models(policy_gateway: Gateway) -> None:
    base = policy_gateway.url
    team = httpx.post(base + "/admin/teams", json={"name": "interns"}, headers=auth(), timeout=10)
    assert team.status_code == 201, team.text
    key = httpx.post(
        base + "/admin/keys", json={"name": "intern-1", "team": "interns"}, headers=auth(), timeout=10
    )
    assert key.status_code == 201, key.text
    secret = key.json()["key"]
    with openai.OpenAI(base_url=policy_gateway.openai_base, api_key=secret, max_retries=0) as c:
        with pytest.raises(openai.PermissionDeniedError, match="interns-cheap"):
            ask(c, "hi", model="openai-echo")
        assert ask(c, "hi", model="demo-echo") == "Echo: hi"


def audit_record(gw: Gateway, rid: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 15
    while True:
        r = httpx.get(f"{gw.url}/admin/audit/{rid}", headers=auth(), timeout=10)
        if r.status_code == 200:
            return r.json()["data"][0]  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)


@pytest.mark.parametrize("stream", MODES)
def test_decisions_reach_the_audit_record(policy_gateway: Gateway, stream: bool) -> None:
    rid = "policy-audit-" + marker()
    r = httpx.post(
        policy_gateway.openai_base + "/chat/completions",
        json={"model": "openai-echo", "stream": stream,
              "messages": [{"role": "user", "content": "shadowword flagword banana"}]},
        headers={**auth(), "x-request-id": rid, "x-bastion-use-case": "cap"},
        timeout=20,
    )  # fmt: skip
    assert r.status_code == 200
    policy = audit_record(policy_gateway, rid)["policy"]
    assert policy["version"] >= 1 and policy["flagged"] is True
    assert {m["id"] for m in policy["matched"]} == {"flag-review", "cap"}
    assert [s["id"] for s in policy["shadow"]] == ["shadow-deny"]
    assert policy["shadow"][0]["action"] == "deny" and policy["shadow"][0]["mode"] == "shadow"
    assert policy["transformed"] == ["max_tokens", "system_prompt"]
    assert policy["response"]["matched"][0]["id"] == "out-fruit"

    denied = "policy-audit-" + marker()
    r = httpx.post(
        policy_gateway.openai_base + "/chat/completions",
        json={"model": "openai-echo", "messages": [{"role": "user", "content": "project falcon"}]},
        headers={**auth(), "x-request-id": denied},
        timeout=20,
    )
    assert r.status_code == 403
    record = audit_record(policy_gateway, denied)
    assert record["policy"]["denied_by"] == "falcon" and record["policy"]["action"] == "deny"
    assert "text matches" in record["policy"]["matched"][0]["reason"]


@pytest.fixture(scope="module")
def falcon_core_key(policy_gateway: Gateway) -> str:
    base = policy_gateway.url
    assert (
        httpx.post(
            base + "/admin/teams", json={"name": "falcon-core"}, headers=auth(), timeout=10
        ).status_code
        == 201
    )
    key = httpx.post(
        base + "/admin/keys", json={"name": "falcon-1", "team": "falcon-core"}, headers=auth(), timeout=10
    )
    assert key.status_code == 201, key.text
    return str(key.json()["key"])


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("kind", ROUTES)
def test_allow_exempts_a_team_from_a_global_deny(
    kind: str, stream: bool, policy_gateway: Gateway, falcon_core_key: str
) -> None:
    if kind == "openai":
        c: Any = openai.OpenAI(base_url=policy_gateway.openai_base, api_key=falcon_core_key, max_retries=0)
    else:
        c = anthropic.Anthropic(base_url=policy_gateway.url, api_key=falcon_core_key, max_retries=0)
    with c:
        assert ask(c, "status of project falcon", stream=stream) == "Echo: status of project falcon"
