"""`unknown_use_case: deny` answers 400 in the client's own error shape (OpenAI and Anthropic SDKs), and
`bastion check-config` warns about retention shorter than six months or longer than a purpose allows."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import orjson
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, free_port, gateway_config

BASTION = str(Path(sys.executable).with_name("bastion"))
USE_CASE = {"name": "support", "owner": "cx", "risk": "limited", "purpose": "help customers"}


@pytest.fixture(scope="module")
def gw(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    home = tmp_path_factory.mktemp("use-case-deny")
    cfg = gateway_config(fakes, free_port(), home / "gw.db")
    cfg |= {"audit": {"dir": str(home / "audit")}, "use_cases": [USE_CASE], "unknown_use_case": "deny"}
    g = Gateway.start(cfg)
    yield g
    g.stop()


def test_deny_unknown_and_missing_use_case_in_each_shape(gw: Gateway) -> None:
    oai = openai.OpenAI(base_url=gw.openai_base, api_key=ADMIN_KEY, max_retries=0)
    msgs: list[Any] = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(
            model="openai-echo", messages=msgs, extra_headers={"x-bastion-use-case": "x"}
        )
    assert err.value.body["code"] == "unknown_use_case"  # type: ignore[index]
    assert err.value.body["param"] == "x-bastion-use-case"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model="openai-echo", messages=msgs)
    assert err.value.body["code"] == "use_case_required"  # type: ignore[index]
    ok = oai.chat.completions.create(model="openai-echo", messages=msgs,
                                     extra_headers={"x-bastion-use-case": "support"})  # fmt: skip
    assert ok.choices[0].message.content
    ant = anthropic.Anthropic(base_url=gw.url, api_key=ADMIN_KEY, max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as aerr:
        ant.messages.create(model="anthropic-echo", max_tokens=20, messages=msgs,
                            extra_headers={"x-bastion-use-case": "nope"})  # fmt: skip
    body: Any = aerr.value.body
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert "Unknown use case 'nope'" in body["error"]["message"]
    raw = httpx.post(gw.openai_base + "/chat/completions", headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                     json={"model": "openai-echo", "messages": msgs})  # fmt: skip
    assert raw.status_code == 400 and set(raw.json()) == {"error"}


def check(tmp_path: Path, config: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bastion.yaml"
    path.write_bytes(orjson.dumps(config))
    return subprocess.run([BASTION, "check-config", str(path)], capture_output=True, text=True, check=False)


def test_check_config_warns_about_retention(tmp_path: Path) -> None:
    short = check(tmp_path, {"audit": {"retention_days": 90}})
    assert short.returncode == 0
    assert "warning: audit.retention_days is 90: shorter than six months (183 days)" in short.stderr
    assert "Art. 26(6)" in short.stderr
    purpose = dict(USE_CASE, content_retention_days=30)
    long = check(
        tmp_path, {"audit": {"retention_days": 365, "teams": {"cx": "encrypted"}}, "use_cases": [purpose]}
    )
    assert long.returncode == 0 and "six months" not in long.stderr
    assert "stored request content is kept 365 days" in long.stderr and "'support'" in long.stderr
    fine = check(tmp_path, {"audit": {"retention_days": 365}, "use_cases": [purpose]})  # no content kept
    assert fine.returncode == 0 and fine.stderr == ""
    default = check(tmp_path, {})  # the default retention keeps logs for any six months: nothing to warn
    assert default.returncode == 0 and default.stderr == ""
    bad = check(tmp_path, {"use_cases": [USE_CASE, USE_CASE], "unknown_use_case": "maybe"})
    assert bad.returncode == 2
    assert "unknown_use_case" in bad.stderr
