"""Per-provider PII maps: config validation (unknown keys, labels and providers rejected with their path,
through `bastion check-config` too) and the precedence table: provider over the caller's actions (global,
team, policy), `block` from the caller always wins, `trusted: true` is `default_action: allow`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bastion.apis.openai_chat import API as CHAT
from bastion.cli import main
from bastion.config import ConfigError, parse_config
from bastion.config.pii import PiiConfig
from bastion.config.pii_settings import PiiSettings
from bastion.config.schema import ModelEntry, ProviderConfig
from bastion.context import RequestContext, Target
from bastion.pipeline.pii import PiiStage
from bastion.pipeline.pii_variants import body_for, destination_maps, effective, sent_default, vault_for

BASE: dict[str, Any] = {
    "providers": [
        {"name": "cloud", "type": "demo"},
        {"name": "onprem", "type": "demo", "trusted": True},
    ],
    "models": [{"name": "m", "provider": "cloud", "model": "echo"}],
}


def _config(pii: dict[str, Any]) -> dict[str, Any]:
    return {**BASE, "pii": pii}


@pytest.mark.parametrize(
    ("pii", "error"),
    [
        ({"providers": {"cloud": {"actionz": {}}}}, "pii.providers.cloud.actionz: unknown key"),
        ({"providers": {"cloud": {"actions": {"EMAIL": "shred"}}}}, "pii.providers.cloud.actions.EMAIL"),
        ({"providers": {"cloud": {"actions": {"EMIAL": "allow"}}}}, "unknown PII entity labels"),
        ({"providers": {"clowd": {"default_action": "allow"}}}, "pii.providers.clowd: unknown provider"),
        ({"teams": {"t": {"actions": {"EMIAL": "allow"}}}}, "pii.teams.t.actions"),
    ],
)
def test_bad_provider_maps_are_rejected_with_their_path(pii: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_config(pii))
    assert any(error in line for line in err.value.errors), err.value.errors


def test_check_config_reports_a_bad_provider_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_config({"providers": {"cloud": {"action": {"EMAIL": "allow"}}}})))
    assert main(["check-config", str(path)]) == 2
    assert "pii.providers.cloud.action: unknown key" in capsys.readouterr().err
    path.write_text(yaml.safe_dump(_config({"providers": {"cloud": {"actions": {"EMAIL": "allow"}}}})))
    assert main(["check-config", str(path)]) == 0


def _maps(pii: dict[str, Any]) -> dict[str, dict[str, str]]:
    config = parse_config(_config(pii))
    return destination_maps(config.pii, config.providers)  # type: ignore[return-value]


def test_destination_maps() -> None:
    maps = _maps({"providers": {"cloud": {"actions": {"EMAIL": "allow"}}}})
    assert maps["cloud"] == {"EMAIL": "allow"}  # other types keep the caller's action
    assert set(maps["onprem"].values()) == {"allow"}  # trusted: default_action allow
    maps = _maps({"providers": {"onprem": {"actions": {"SECRET": "mask"}}}})
    assert maps["onprem"]["SECRET"] == "mask" and maps["onprem"]["PERSON"] == "allow"
    assert "cloud" not in maps  # no map of its own: it gets the caller's body
    maps = _maps({"providers": {"onprem": {"default_action": "pseudonymize"}}})
    assert set(maps["onprem"].values()) == {"pseudonymize"}  # an explicit default replaces trusted's


CALLER = PiiSettings(actions={"SSN": "block", "PHONE": "mask", "URL": "allow"}).action_map()


@pytest.mark.parametrize(
    ("destination", "label", "expected"),
    [
        ({}, "EMAIL", "pseudonymize"),  # no provider entry: the caller's action
        ({"EMAIL": "allow"}, "EMAIL", "allow"),  # provider overrides the caller
        ({"PHONE": "allow"}, "PHONE", "allow"),
        ({"URL": "mask"}, "URL", "mask"),  # also to be stricter
        ({"SSN": "allow"}, "SSN", "block"),  # the caller's block always wins
        ({"EMAIL": "block"}, "EMAIL", "block"),  # the provider's block: that provider is kept out
    ],
)
def test_precedence(destination: dict[str, Any], label: str, expected: str) -> None:
    assert effective(CALLER, destination)[label] == expected


def test_trusted_flag_alone_still_works() -> None:
    provider = ProviderConfig(name="p", type="demo", trusted=True)
    (only,) = destination_maps(parse_config(BASE).pii, [provider]).values()
    assert effective(CALLER, only) == {label: "block" if label == "SSN" else "allow" for label in CALLER}


async def test_each_provider_gets_its_own_body_and_vault() -> None:
    """The PII stage detects once; providers sharing a map share a body, the answer of each is restored
    with the pseudonyms it saw, and a provider's own block becomes a route exclusion."""
    providers = [
        ProviderConfig(name="cloud", type="demo"),
        ProviderConfig(name="cloud2", type="demo"),
        ProviderConfig(name="onprem", type="demo", trusted=True),
        ProviderConfig(name="emails", type="demo"),
        ProviderConfig(name="nocards", type="demo"),
    ]
    settings = PiiConfig(
        providers={
            "emails": {"actions": {"EMAIL": "allow"}},
            "nocards": {"actions": {"CREDIT_CARD": "block"}},
        }
    )
    text = "I am Maria Garcia, mail maria.garcia@example.com"
    ctx = RequestContext(
        request_id="r", api=CHAT, body={"messages": [{"role": "user", "content": text}]}, headers={}
    )
    await PiiStage(settings, providers).run(ctx)
    by_name = {p.name: p for p in providers}

    def content(name: str) -> str:
        return str(body_for(ctx, by_name[name])["messages"][0]["content"])

    assert content("cloud") == content("cloud2") == "I am <PERSON_1>, mail <EMAIL_1>"
    assert body_for(ctx, by_name["cloud"]) is ctx.body and sent_default(ctx, by_name["cloud2"])
    assert content("onprem") == text and not sent_default(ctx, by_name["onprem"])
    assert content("emails") == "I am <PERSON_1>, mail maria.garcia@example.com"
    assert ctx.annotations["pii"] == {"EMAIL": {"allow": 1}, "PERSON": {"pseudonymize": 1}}  # the last asked
    assert ctx.route_constraints is None  # no card in this request: nocards may serve it
    ctx.target = Target(ModelEntry(name="m", provider="onprem", model="x"), by_name["onprem"])
    vault = vault_for(ctx)
    assert (
        vault is not None and len(vault) == 0
    )  # the trusted provider saw no placeholder: nothing to restore
    ctx.target = Target(ModelEntry(name="m", provider="emails", model="x"), by_name["emails"])
    vault = vault_for(ctx)
    assert vault is not None and vault.restore("<PERSON_1> <EMAIL_1>") == "Maria Garcia <EMAIL_1>"

    carded = RequestContext(
        request_id="r2", api=CHAT, headers={},
        body={"messages": [{"role": "user", "content": "card 4111 1111 1111 1111"}]},
    )  # fmt: skip
    await PiiStage(settings, providers).run(carded)
    assert carded.route_constraints is not None and carded.route_constraints.exclude == {"nocards"}
    assert carded.route_constraints.reasons == ["pii.providers.nocards blocks CREDIT_CARD"]
