"""GDPR Art. 9 special categories end to end: the openai SDK talks to a gateway whose `pii.actions` block
HEALTH, mask RELIGION and pseudonymize the rest; the fake provider's received bodies show what left."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, marker
from pii_e2e.common import Watch
from pii_e2e.conftest import OPTIONS, pii_config


@pytest.fixture(scope="module")
def art9_gateway(twisted: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    cfg = pii_config(twisted, tmp_path_factory.mktemp("pii-art9") / "b.db", "off")
    cfg["pii"]["actions"] = {"HEALTH": "block", "RELIGION": "mask", "URL": "allow"}
    gw = Gateway.start(cfg)
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def client(art9_gateway: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=art9_gateway.openai_base, **OPTIONS) as c:
        yield c


def _chat(client: openai.OpenAI, text: str, request_id: str | None = None) -> str:
    headers = {"x-request-id": request_id} if request_id else None
    msg = client.chat.completions.create(
        model="openai-echo", messages=[{"role": "user", "content": text}], extra_headers=headers
    )
    return msg.choices[0].message.content or ""


def _audit(gw: Gateway, request_id: str) -> dict:
    deadline = time.monotonic() + 15
    while True:
        r = httpx.get(f"{gw.url}/admin/audit/{request_id}", headers=auth(ADMIN_KEY), timeout=5)
        if r.status_code == 200:
            return dict(r.json()["data"][0])
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)


def test_health_statement_about_a_person_is_blocked(
    client: openai.OpenAI, art9_gateway: Gateway, twisted: Fakes
) -> None:
    rid = "art9-block-" + marker()
    watch = Watch(twisted)
    with pytest.raises(openai.BadRequestError) as err:
        _chat(client, f"{marker()} Jana has been on sick leave for depression since March.", rid)
    body = err.value.response.json()
    assert body["error"]["code"] == "pii_blocked" and "HEALTH" in body["error"]["message"]
    assert "depression" not in err.value.response.text
    watch.assert_clean(("depression",), expect=0)
    rec = _audit(art9_gateway, rid)
    assert rec["decision"] == "blocked" and rec["pii"]["HEALTH"] == {"block": 2}  # sick leave, depression


def test_religion_is_masked_and_the_name_pseudonymized(client: openai.OpenAI, twisted: Fakes) -> None:
    text = f"{marker()} Please seat Priya Raman away from the bar: she is a practising Muslim."
    watch = Watch(twisted)
    got = _chat(client, text)
    (raw,) = watch.assert_clean(("Muslim", "Priya Raman"))
    assert b"<RELIGION>" in raw and b"<PERSON_1>" in raw
    assert got == "Echo: " + text.replace("Muslim", "<RELIGION>")  # mask is one-way; the name comes back


def test_orientation_is_pseudonymized_and_restored(client: openai.OpenAI, twisted: Fakes) -> None:
    text = f"{marker()} My brother told me he is gay; how do I support him?"
    watch = Watch(twisted)
    assert _chat(client, text) == "Echo: " + text
    (raw,) = watch.assert_clean(("gay",))
    assert b"<SEXUAL_ORIENTATION_1>" in raw


@pytest.mark.parametrize(
    "text",
    [
        "What are the common symptoms of depression?",
        "The union called a strike at the port over pay.",
        "The Catholic church in the village is 800 years old.",
    ],
)
def test_no_person_no_special_category(client: openai.OpenAI, twisted: Fakes, text: str) -> None:
    sent = f"{marker()} {text}"
    watch = Watch(twisted)
    assert _chat(client, sent) == "Echo: " + sent
    (raw,) = [r for _, r, _ in watch.new()]
    assert text.encode() in raw
