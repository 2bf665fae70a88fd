"""Per-provider PII maps (`pii.providers.<name>`, `trusted: true`) end to end: each provider receives the
body its own map allows, also on failover inside a group (a request pseudonymised for one provider never
goes raw to another, and the reverse), the answer is restored with the serving provider's own pseudonyms,
and a provider's own `block` keeps requests holding that type away from it."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import openai
import pytest

from fakes import Fakes
from harness import Gateway, marker
from pii_e2e.common import API_KEY, CARD, DB_PASSWORD, EMAIL, IBAN, NAME, ORIGINALS, Watch, prompt
from pii_e2e.conftest import OPTIONS, pii_config
from pii_e2e.test_actions import _audit
from pii_e2e.test_roundtrip import STREAM, anthropic_text, openai_text

TRUSTED_KEY = "sk-trusted-copy-PROVIDER-SECRET"
EMAILS_KEY = "sk-ant-emails-copy-PROVIDER-SECRET"
NOCARDS_KEY = "AIza-nocards-copy-PROVIDER-SECRET"


@pytest.fixture(scope="module")
def maps_gateway(twisted: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    cfg = pii_config(twisted, tmp_path_factory.mktemp("pii-maps") / "b.db", "off")
    timeouts = next(p for p in cfg["providers"] if p["name"] == "openai")["timeouts"]
    cfg["providers"] += [
        {"name": "vault-trusted", "type": "openai", "base_url": twisted.openai.url + "/v1",
         "api_key": TRUSTED_KEY, "trusted": True, "timeouts": timeouts},
        {"name": "emails-ok", "type": "anthropic", "base_url": twisted.anthropic.url, "api_key": EMAILS_KEY,
         "timeouts": timeouts},
        {"name": "no-cards", "type": "gemini", "base_url": twisted.gemini.url + "/v1beta",
         "api_key": NOCARDS_KEY, "timeouts": timeouts},
    ]  # fmt: skip
    cfg["pii"]["providers"] = {
        "vault-trusted": {"actions": {"SECRET": "pseudonymize"}},  # trusted, except with secrets
        "emails-ok": {"actions": {"EMAIL": "allow", "PERSON": "mask"}},
        "no-cards": {"actions": {"CREDIT_CARD": "block"}},
    }
    cfg["models"] += [
        {"name": "t2u", "provider": "vault-trusted", "model": "fake-fail-503"},
        {"name": "t2u", "provider": "openai", "model": "fake-echo"},
        {"name": "u2t", "provider": "openai", "model": "fake-fail-503"},
        {"name": "u2t", "provider": "vault-trusted", "model": "fake-echo"},
        {"name": "emails-echo", "provider": "emails-ok", "model": "fake-echo"},
        {"name": "nocards", "provider": "no-cards", "model": "fake-echo"},
        {"name": "nocards", "provider": "anthropic", "model": "fake-echo"},
        {"name": "nocards-only", "provider": "no-cards", "model": "fake-echo"},
    ]
    gw = Gateway.start(cfg)
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def client(maps_gateway: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=maps_gateway.openai_base, **OPTIONS) as c:
        yield c


def _by_key(received: list[tuple[str, bytes, dict[str, str]]], key: str) -> list[bytes]:
    return [raw for _, raw, headers in received if any(key in v for v in headers.values())]


def _assert_trusted_copy(raw: bytes) -> None:
    """What `vault-trusted` may receive: every original but the secrets, which are pseudonymised."""
    for value in (NAME, EMAIL, CARD, IBAN):
        assert value.encode() in raw
    assert API_KEY.encode() not in raw and DB_PASSWORD.encode() not in raw and b"<SECRET_1>" in raw


def _assert_pseudonymised(raw: bytes) -> None:
    for value in ORIGINALS:
        assert value.encode() not in raw
    assert b"<PERSON_1>" in raw and b"<SECRET_1>" in raw


@pytest.mark.parametrize("stream", STREAM)
def test_failover_trusted_to_untrusted(client: openai.OpenAI, twisted: Fakes, stream: bool) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    assert openai_text(client, "t2u", [{"role": "user", "content": text}], stream) == "Echo: " + text
    received = watch.new()
    (trusted,) = _by_key(received, TRUSTED_KEY)  # tried first, failed with 503
    _assert_trusted_copy(trusted)
    (untrusted,) = _by_key(received, "sk-fake-openai")
    _assert_pseudonymised(untrusted)


@pytest.mark.parametrize("stream", STREAM)
def test_failover_untrusted_to_trusted(client: openai.OpenAI, twisted: Fakes, stream: bool) -> None:
    """The trusted provider's answer holds originals and its own `<SECRET_n>`: both come back right."""
    text = prompt(marker())
    watch = Watch(twisted)
    assert openai_text(client, "u2t", [{"role": "user", "content": text}], stream) == "Echo: " + text
    received = watch.new()
    (untrusted,) = _by_key(received, "sk-fake-openai")
    _assert_pseudonymised(untrusted)
    (trusted,) = _by_key(received, TRUSTED_KEY)
    _assert_trusted_copy(trusted)


def test_audit_records_what_the_serving_provider_received(
    client: openai.OpenAI, maps_gateway: Gateway
) -> None:
    rid = "pii-maps-" + marker()
    client.chat.completions.create(
        model="u2t", messages=[{"role": "user", "content": prompt(marker())}],
        extra_headers={"x-request-id": rid},
    )  # fmt: skip
    rec = _audit(maps_gateway, rid)
    assert rec["pii"]["PERSON"] == {"allow": 1} and rec["pii"]["SECRET"] == {"pseudonymize": 2}
    assert NAME not in str(rec)


@pytest.mark.parametrize("stream", STREAM)
def test_provider_map_allows_one_type_and_masks_another(
    maps_gateway: Gateway, twisted: Fakes, stream: bool
) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    with anthropic.Anthropic(base_url=maps_gateway.url, **OPTIONS) as ant:
        got = anthropic_text(ant, "emails-echo", stream, messages=[{"role": "user", "content": text}])
    assert got == "Echo: " + text.replace(NAME, "<PERSON>")  # mask is irreversible; the rest comes back
    (raw,) = _by_key(watch.new(), EMAILS_KEY)
    assert EMAIL.encode() in raw and NAME.encode() not in raw and b"<PERSON>" in raw
    assert CARD.encode() not in raw and b"<CREDIT_CARD_1>" in raw


def test_provider_block_routes_around_it(client: openai.OpenAI, twisted: Fakes) -> None:
    text = f"{marker()} card {CARD}"
    watch = Watch(twisted)
    assert openai_text(client, "nocards", [{"role": "user", "content": text}], False) == "Echo: " + text
    received = watch.new()
    assert _by_key(received, NOCARDS_KEY) == [] and [name for name, _, _ in received] == ["fake-anthropic"]
    assert CARD.encode() not in received[0][1]
    # without a card the request may go to the first entry
    watch = Watch(twisted)
    text = f"{marker()} I am {NAME}"
    assert openai_text(client, "nocards", [{"role": "user", "content": text}], True) == "Echo: " + text
    (raw,) = _by_key(watch.new(), NOCARDS_KEY)
    assert NAME.encode() not in raw


def test_provider_block_with_no_other_target(client: openai.OpenAI, twisted: Fakes) -> None:
    watch = Watch(twisted)
    with pytest.raises(openai.PermissionDeniedError) as err:
        openai_text(client, "nocards-only", [{"role": "user", "content": f"{marker()} card {CARD}"}], False)
    message = err.value.response.json()["error"]["message"]
    assert "CREDIT_CARD" in message and "no-cards" in message and CARD not in err.value.response.text
    watch.assert_clean(expect=0)
