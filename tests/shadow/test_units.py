"""Tables: catalogue matching (deepest suffix, wildcards, path rules), extra catalogues, URL splitting,
time formats, syslog headers, key classes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.shadow.catalogue import Catalogue, CatalogueError, split_url
from bastion.shadow.events import BadLine, parse_time
from bastion.shadow.lines import strip_syslog
from bastion.shadow.signals import classify

CATALOGUE = Catalogue.build()


@pytest.mark.parametrize(("host", "path", "service"), [
    ("chatgpt.com", "", "chatgpt"),
    ("ab.chatgpt.com", "/", "chatgpt"),
    ("sora.chatgpt.com", "", "sora"),  # the deepest match wins
    ("chatgpt.com", "/codex/tasks", "codex-cloud"),  # a path rule under a domain rule
    ("bedrock-runtime.ap-south-1.amazonaws.com", "", "aws-bedrock"),  # "*" label
    ("s3.ap-south-1.amazonaws.com", "", None),
    ("europe-west4-aiplatform.googleapis.com", "", "vertex-ai"),  # "*-x" first label
    ("storage.googleapis.com", "", None),
    ("contoso.openai.azure.com", "", "azure-openai"),
    ("github.com", "/copilot", "github-copilot"),
    ("github.com", "/features", None),  # a shared domain: only the path rule matches
    ("www.bing.com", "/images/create?q=x", "bing-image-creator"),
    ("notchatgpt.com", "", None),  # labels, not substrings
    ("com", "", None),
    ("10.0.0.1", "", None),
    ("", "", None),
])  # fmt: skip
def test_matching(host: str, path: str, service: str | None) -> None:
    found = CATALOGUE.match(host, path)
    assert (found.id if found else None) == service


@pytest.mark.parametrize(("url", "expected"), [
    ("https://user:pw@API.OpenAI.com:443/v1/chat?x=1", ("api.openai.com", "/v1/chat?x=1")),
    ("chatgpt.com:443", ("chatgpt.com", "")),
    ("chatgpt.com./backend", ("chatgpt.com", "/backend")),
    ("http://[2001:db8::1]:8080/x", ("2001:db8::1", "/x")),
])  # fmt: skip
def test_split_url(url: str, expected: tuple[str, str]) -> None:
    assert split_url(url) == expected


def test_extra_catalogue_adds_replaces_and_disables(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "services:\n"
        "- {id: internal-llm, name: Internal LLM, vendor: ACME, category: chat,"
        " domains: [llm.acme.internal]}\n"
        "- {id: poe, name: Poe, vendor: Quora, category: chat, trains: no, domains: [poe.com, poe.example]}\n"
        "- {id: character-ai, disabled: true}\n"
    )
    cat = Catalogue.build([extra], sanctioned=["internal-llm", "https://api.mistral.ai/v1"])
    assert cat.match("llm.acme.internal").id == "internal-llm"  # type: ignore[union-attr]
    assert cat.match("poe.example").id == "poe" and cat.services["poe"].trains == "no"  # type: ignore[union-attr]
    assert cat.match("character.ai") is None
    assert cat.sanctioned == {"internal-llm", "mistral-api"}
    with pytest.raises(CatalogueError, match="neither a service id"):
        Catalogue.build(sanctioned=["intranet.example"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: x, name: X, vendor: V, category: c, trains: maybe, domains: [x.example]}\n")
    with pytest.raises(CatalogueError, match="trains must be one of"):
        Catalogue.build([bad])
    with pytest.raises(CatalogueError, match="cannot read"):
        Catalogue.build([tmp_path / "missing.yaml"])


@pytest.mark.parametrize(("text", "epoch"), [
    ("1796115600", 1796115600.0),
    ("1796115600123", 1796115600.123),  # ms
    ("1796115600123456789", 1796115600.1234567),  # ns
    ("2026-12-01T09:00:00Z", 1796115600.0),
    ("2026-12-01 10:00:00+01:00", 1796115600.0),
    ("2026-12-01T09:00:00", 1796115600.0),  # naive = UTC
    ("01-Dec-2026 09:00:00.000", 1796115600.0),  # BIND
    ("Tue Dec 01 09:00:00 2026", 1796115600.0),  # Zscaler
    ("01/Dec/2026:10:00:00 +0100", 1796115600.0),  # Apache
])  # fmt: skip
def test_times(text: str, epoch: float) -> None:
    assert parse_time(text) == pytest.approx(epoch, abs=1e-3)


@pytest.mark.parametrize("text", ["", "-", "soon", "-5", "nan", "2026-13-45"])
def test_bad_times(text: str) -> None:
    with pytest.raises(BadLine):
        parse_time(text)


@pytest.mark.parametrize(("line", "message"), [
    ("<134>Dec  5 09:15:02 proxy squid[42]: 1796115600.1 5 x", "1796115600.1 5 x"),
    ("<134>Dec 15 09:15:02 squid: msg", "msg"),
    ("<134>1 2026-12-05T09:15:02Z host app 42 ID47 - msg here", "msg here"),
    ('<134>1 2026-12-05T09:15:02Z host app - - [ex@1 a="b\\]"][x@2 c="d"] msg', "msg"),
    ("57 <134>Dec  5 09:15:02 proxy squid: framed", "framed"),
    ("no header at all", "no header at all"),
])  # fmt: skip
def test_syslog_headers(line: str, message: str) -> None:
    assert strip_syslog(line) == message


@pytest.mark.parametrize(("key", "expected"), [
    ("sk-ant-api03-" + "a" * 40, ("anthropic", "anthropic-api")),
    ("sk-proj-" + "a" * 40, ("openai-project", "openai-api")),
    ("sk-" + "a" * 40, ("openai-style", "openai-api")),
    ("sk-or-v1-" + "a" * 40, ("openrouter", "openrouter")),
    ("AIza" + "a" * 35, ("google-api", "gemini-api")),
    ("gsk_" + "a" * 40, ("groq", "groq")),
    ("sk-short", None),
    ("bk-" + "a" * 40, None),  # a Bastion key
    ("hello", None),
])  # fmt: skip
def test_key_classes(key: str, expected: tuple[str, str] | None) -> None:
    assert classify(key) == expected


def test_config_errors_name_the_catalogue_problem(tmp_path: Path) -> None:
    from bastion.config import ConfigError, parse_config

    for shadow, message in [
        ({"catalogue_extra": str(tmp_path / "none.yaml")}, "cannot read the catalogue file"),
        ({"sanctioned": ["intranet.example"]}, "neither a service id"),
        ({"syslog": {"format": "csv"}}, "format csv needs columns"),
        ({"pseudonymize_users": True, "pseudonym_key": "short"}, "pseudonym_key"),
    ]:
        with pytest.raises(ConfigError) as err:
            parse_config({"admin_key": "test-admin-key-0123456789", "shadow": shadow}, env={})
        assert message in " ".join(err.value.errors)
