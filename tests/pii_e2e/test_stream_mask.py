"""`response_scan: mask` on streams: PII the model produced (not from the request) is masked before it
reaches the client, whole or split one character per event, for OpenAI, Anthropic and Gemini providers
and the OpenAI chat, Anthropic messages and OpenAI Responses stream formats (real SDK clients). The
request's own values still come back restored, and the answer's "Echo:" speaker label is not a name."""

from __future__ import annotations

import anthropic
import openai
import pytest

from harness import PROVIDERS, Gateway, marker
from pii_e2e.common import EMAIL, NAME
from pii_e2e.conftest import OPTIONS
from pii_e2e.test_actions import _audit
from pii_e2e.test_roundtrip import anthropic_text, openai_text
from pii_e2e.twisted_fakes import LEAK

LEAKED = ("leaked.person@elsewhere.example", "+1 415 555 0199")
MASKED = " Also write to <EMAIL> or call <PHONE>."
TWISTS = ("leak", "leakchars")  # the leak in one event, or one character per event


def _check(got: str, text: str) -> None:
    for value in LEAKED:
        assert value not in got, got
    assert MASKED in got, got
    # the model's own prefix and the request's values come back as they were
    assert got.replace(MASKED, "") == "Echo: " + text, got


@pytest.mark.parametrize("twist", TWISTS)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_openai_chat_stream_masks_new_pii(mask_gateway: Gateway, provider: str, twist: str) -> None:
    text = f"{marker()} I am {NAME}, mail {EMAIL}"
    with openai.OpenAI(base_url=mask_gateway.openai_base, **OPTIONS) as client:
        got = openai_text(client, f"{provider}-{twist}", [{"role": "user", "content": text}], True)
    _check(got, text)


@pytest.mark.parametrize("twist", TWISTS)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_anthropic_stream_masks_new_pii(mask_gateway: Gateway, provider: str, twist: str) -> None:
    text = f"{marker()} I am {NAME}, mail {EMAIL}"
    with anthropic.Anthropic(base_url=mask_gateway.url, **OPTIONS) as client:
        messages = [{"role": "user", "content": text}]
        got = anthropic_text(client, f"{provider}-{twist}", True, messages=messages)
    _check(got, text)


@pytest.mark.parametrize("twist", TWISTS)
def test_responses_stream_masks_new_pii(mask_gateway: Gateway, twist: str) -> None:
    text = f"{marker()} I am {NAME}"
    with (
        openai.OpenAI(base_url=mask_gateway.openai_base, **OPTIONS) as client,
        client.responses.stream(model=f"openai-{twist}", input=text) as s,
    ):
        deltas = "".join(ev.delta for ev in s if ev.type == "response.output_text.delta")
        final = s.get_final_response().output_text
    _check(deltas, text)
    _check(final, text)  # the completed response (whole texts) is masked too


def test_masked_stream_is_recorded(mask_gateway: Gateway) -> None:
    rid = "pii-smask-" + marker()
    text = f"{marker()} I am {NAME}"
    with openai.OpenAI(base_url=mask_gateway.openai_base, **OPTIONS) as client:
        chunks = client.chat.completions.create(
            model="gemini-leakchars", messages=[{"role": "user", "content": text}], stream=True,
            extra_headers={"x-request-id": rid},
        )  # fmt: skip
        got = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    _check(got, text)
    rec = _audit(mask_gateway, rid)
    assert rec["pii_response"] == {"action": "mask", "found": {"EMAIL": 1, "PHONE": 1}}
    assert "leaked.person" not in str(rec) and LEAK not in str(rec)
