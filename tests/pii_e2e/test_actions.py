"""Actions (mask, hash, block, allow), per-team overrides, trusted providers and response scanning,
end to end through the gateway with PII on."""

from __future__ import annotations

import time

import anthropic
import httpx
import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, marker
from pii_e2e.common import EMAIL, NAME, ORIGINALS, Watch, prompt
from pii_e2e.conftest import OPTIONS, STRICT_HEADER, TEAM
from pii_e2e.twisted_fakes import LEAK

PHONE = "+1 415 555 0100"
IP = "10.1.2.3"
URL = "https://corp.example.com/x"
SSN = "536-22-1987"


def chat(client: openai.OpenAI, model: str, text: str) -> str:
    msg = client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
    return msg.choices[0].message.content or ""


def test_mask_hash_allow(oai: openai.OpenAI, twisted: Fakes) -> None:
    mk = marker()
    text = f"{mk} phone {PHONE}, host {IP}, see {URL}"
    watch = Watch(twisted)
    got = chat(oai, "openai-echo", text)
    (raw,) = watch.assert_clean((PHONE, IP))
    assert b"<PHONE>" in raw  # mask: irreversible, the client gets the mask back
    assert b"<IP_ADDRESS:" in raw  # hash: keyed HMAC, stable for one hash_key
    assert URL.encode() in raw  # allow: untouched
    assert got.startswith(f"Echo: {mk} phone <PHONE>, host <IP_ADDRESS:") and got.endswith(f", see {URL}")
    again = chat(oai, "openai-echo", f"{marker()} host {IP}")
    assert got.split("host ")[1].split(",")[0] == again.split("host ")[1]


def test_block_openai_shape_names_types_not_values(
    oai: openai.OpenAI, pii_gateway: Gateway, twisted: Fakes
) -> None:
    watch = Watch(twisted)
    rid = "pii-block-" + marker()
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(
            model="openai-echo",
            messages=[{"role": "user", "content": f"{marker()} my SSN is {SSN}, I am {NAME}"}],
            extra_headers={"x-request-id": rid},
        )
    body = err.value.response.json()
    assert body["error"]["code"] == "pii_blocked" and "SSN" in body["error"]["message"]
    assert SSN not in err.value.response.text and NAME not in err.value.response.text
    watch.assert_clean(expect=0)  # nothing reached any provider
    rec = _audit(pii_gateway, rid)
    assert rec["decision"] == "blocked" and rec["error_code"] == "pii_blocked"
    assert rec["pii"] == {"PERSON": {"pseudonymize": 1}, "SSN": {"block": 1}}
    assert rec["attempts"] is None and SSN not in str(rec)


@pytest.mark.parametrize("stream", [False, True])
def test_block_anthropic_shape(ant: anthropic.Anthropic, twisted: Fakes, stream: bool) -> None:
    watch = Watch(twisted)
    with pytest.raises(anthropic.BadRequestError) as err:
        kw = {"model": "anthropic-echo", "max_tokens": 50,
              "messages": [{"role": "user", "content": f"{marker()} SSN {SSN}"}]}  # fmt: skip
        if stream:
            with ant.messages.stream(**kw) as s:  # type: ignore[arg-type]
                s.get_final_message()
        else:
            ant.messages.create(**kw)  # type: ignore[call-overload]
    body = err.value.response.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert "SSN" in body["error"]["message"] and SSN not in err.value.response.text
    watch.assert_clean(expect=0)


def test_block_in_embeddings_and_responses(oai: openai.OpenAI, twisted: Fakes) -> None:
    watch = Watch(twisted)
    with pytest.raises(openai.BadRequestError):
        oai.embeddings.create(model="openai-embed", input=[f"{marker()} ok", f"SSN {SSN}"])
    with pytest.raises(openai.BadRequestError):
        oai.responses.create(model="openai-echo", input=f"{marker()} SSN {SSN}")
    watch.assert_clean(expect=0)


@pytest.fixture(scope="module")
def team_key(pii_gateway: Gateway) -> str:
    with httpx.Client(base_url=pii_gateway.url, headers=auth(ADMIN_KEY), timeout=10) as http:
        r = http.post("/admin/teams", json={"name": TEAM})
        assert r.status_code in (201, 409), r.text
        r = http.post("/admin/keys", json={"name": "pii-e2e-app", "team": TEAM})
        assert r.status_code == 201, r.text
        return str(r.json()["key"])


def test_team_override(pii_gateway: Gateway, team_key: str, twisted: Fakes) -> None:
    """The team blocks EMAIL (globally pseudonymized) and pseudonymizes PHONE (globally masked)."""
    client = openai.OpenAI(base_url=pii_gateway.openai_base, **{**OPTIONS, "api_key": team_key})
    watch = Watch(twisted)
    with pytest.raises(openai.BadRequestError) as err:
        chat(client, "openai-echo", f"{marker()} mail {EMAIL}")
    assert "EMAIL" in err.value.response.json()["error"]["message"]
    watch.assert_clean(expect=0)
    text = f"{marker()} I am {NAME}, phone {PHONE}"
    watch = Watch(twisted)
    assert chat(client, "openai-echo", text) == "Echo: " + text  # PHONE comes back: pseudonymized
    (raw,) = watch.assert_clean((NAME, PHONE))
    assert b"<PHONE_1>" in raw
    # the admin key (no team) keeps the global actions
    assert chat(openai.OpenAI(base_url=pii_gateway.openai_base, **OPTIONS), "openai-echo", text).endswith(
        "phone <PHONE>"
    )


def test_policy_rule_overrides_actions_for_one_request(oai: openai.OpenAI, twisted: Fakes) -> None:
    text = f"{marker()} mail {EMAIL}"
    watch = Watch(twisted)
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(
            model="openai-echo",
            messages=[{"role": "user", "content": text}],
            extra_headers={STRICT_HEADER: "yes"},
        )
    assert err.value.response.json()["error"]["code"] == "pii_blocked"
    watch.assert_clean(expect=0)
    assert chat(oai, "openai-echo", text) == "Echo: " + text  # without the header: pseudonymized


@pytest.mark.parametrize("stream", [False, True])
def test_trusted_provider_receives_originals(oai: openai.OpenAI, twisted: Fakes, stream: bool) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    messages = [{"role": "user", "content": text}]
    if stream:
        chunks = oai.chat.completions.create(model="trusted-echo", messages=messages, stream=True)  # type: ignore[arg-type]
        got = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        got = chat(oai, "trusted-echo", text)
    assert got == "Echo: " + text
    (raw,) = [r for _, r, _ in watch.new()]
    for value in ORIGINALS[:5]:
        assert value.encode() in raw
    assert b"<PERSON_1>" not in raw


def test_trusted_provider_still_blocks(oai: openai.OpenAI, twisted: Fakes) -> None:
    watch = Watch(twisted)
    with pytest.raises(openai.BadRequestError):
        chat(oai, "trusted-echo", f"{marker()} SSN {SSN}")
    watch.assert_clean(expect=0)


# ---- response scanning -----------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_response_scan_mask(mask_gateway: Gateway, twisted: Fakes, provider: str) -> None:
    client = openai.OpenAI(base_url=mask_gateway.openai_base, **OPTIONS)
    text = f"{marker()} I am {NAME}, mail {EMAIL}"
    got = chat(client, f"{provider}-leak", text)
    assert text in got  # the request's own values come back restored, not masked
    assert "leaked.person@elsewhere.example" not in got and "555 0199" not in got
    assert "<EMAIL>" in got and "<PHONE>" in got


@pytest.mark.parametrize("provider", ["openai", "gemini"])
def test_response_scan_mask_anthropic_client(mask_gateway: Gateway, provider: str) -> None:
    with anthropic.Anthropic(base_url=mask_gateway.url, **OPTIONS) as client:
        text = f"{marker()} I am {NAME}"
        msg = client.messages.create(
            model=f"{provider}-leak", max_tokens=50, messages=[{"role": "user", "content": text}]
        )
    got = "".join(b.text for b in msg.content if b.type == "text")
    assert text in got and "leaked.person@elsewhere.example" not in got and "<EMAIL>" in got


def test_response_scan_mask_keeps_what_the_request_itself_held(mask_gateway: Gateway) -> None:
    """Values the request contained under allow / mask / hash are not "new" PII when echoed back."""
    client = openai.OpenAI(base_url=mask_gateway.openai_base, **OPTIONS)
    text = f"{marker()} see {URL} from {IP}"
    got = chat(client, "openai-echo", text)
    assert URL in got, got


def _audit(gw: Gateway, request_id: str) -> dict:
    deadline = time.monotonic() + 15
    while True:
        r = httpx.get(f"{gw.url}/admin/audit/{request_id}", headers=auth(ADMIN_KEY), timeout=5)
        if r.status_code == 200:
            return dict(r.json()["data"][0])
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)


def test_response_scan_flag_anthropic_stream(flag_gateway: Gateway) -> None:
    rid = "pii-flag-" + marker()
    text = f"{marker()} I am {NAME}"
    with (
        anthropic.Anthropic(base_url=flag_gateway.url, **OPTIONS) as client,
        client.messages.stream(
            model="gemini-leak", max_tokens=50, messages=[{"role": "user", "content": text}],
            extra_headers={"x-request-id": rid},
        ) as s,
    ):  # fmt: skip
        got = s.get_final_text()
    assert LEAK in got and text in got
    rec = _audit(flag_gateway, rid)
    assert rec["pii_response"]["action"] == "flag"
    assert rec["pii_response"]["found"]["EMAIL"] == 1 and rec["pii_response"]["found"]["PHONE"] == 1


@pytest.mark.parametrize("stream", [False, True])
def test_response_scan_flag_in_audit(flag_gateway: Gateway, stream: bool) -> None:
    client = openai.OpenAI(base_url=flag_gateway.openai_base, **OPTIONS)
    rid = "pii-flag-" + marker()
    text = f"{marker()} I am {NAME}"
    raw = client.chat.completions.with_raw_response.create(
        model="anthropic-leak", messages=[{"role": "user", "content": text}], stream=stream,
        extra_headers={"x-request-id": rid},
    )  # fmt: skip
    parsed = raw.parse()
    got = (
        "".join(c.choices[0].delta.content or "" for c in parsed if c.choices)  # type: ignore[union-attr]
        if stream
        else parsed.choices[0].message.content  # type: ignore[union-attr]
    )
    assert LEAK in got and text in got  # flag: delivered as is
    rec = _audit(flag_gateway, rid)
    assert rec["pii_response"]["action"] == "flag"
    assert {"EMAIL", "PHONE"} <= set(rec["pii_response"]["found"])
    assert rec["pii"] == {"PERSON": {"pseudonymize": 1}}
    assert NAME not in str(rec) and "leaked.person" not in str(rec)
