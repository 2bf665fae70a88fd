"""Two leaks found in end-to-end testing, checked through the gateway with the openai SDK: an IPv4 address
right after the word "server" (the version-number check matched the end of the word), and a well-known
sample SSN in an SSN context while `SSN: block` is configured (it went out raw)."""

from __future__ import annotations

import openai
import pytest

from fakes import Fakes
from harness import marker
from pii_e2e.common import Watch

SERVER_IP = "203.0.113.77"
SAMPLE_SSN = "123-45-6789"


def test_ipv4_after_server_never_reaches_the_provider(oai: openai.OpenAI, twisted: Fakes) -> None:
    text = f"{marker()} our server {SERVER_IP} refuses connections; the observer {SERVER_IP} agrees"
    watch = Watch(twisted)
    msg = oai.chat.completions.create(model="openai-echo", messages=[{"role": "user", "content": text}])
    (raw,) = watch.assert_clean((SERVER_IP,))
    assert raw.count(b"<IP_ADDRESS:") == 2  # IP_ADDRESS: hash in this gateway's config
    assert "<IP_ADDRESS:" in (msg.choices[0].message.content or "")


@pytest.mark.parametrize("context", ["my SSN is", "Social Security number:", "ssn#"])
def test_sample_ssn_in_context_is_blocked(oai: openai.OpenAI, twisted: Fakes, context: str) -> None:
    watch = Watch(twisted)
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(
            model="openai-echo",
            messages=[{"role": "user", "content": f"{marker()} {context} {SAMPLE_SSN}"}],
        )
    body = err.value.response.json()
    assert body["error"]["code"] == "pii_blocked" and "SSN" in body["error"]["message"]
    assert SAMPLE_SSN not in err.value.response.text
    watch.assert_clean((SAMPLE_SSN,), expect=0)
