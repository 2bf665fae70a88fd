"""The Hub's Compliance and Reviews pages, through a real gateway and a real HTTP client with a signed-in
session: the report page shows every framework's sections with the trail's figures and downloads each
format; the review page lists the queue, shows a review with its request's audit records, and decides it
with a note (recorded with the reviewer); an auditor may read but not decide (without
`reviews.auditors_may_decide`)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from pypdf import PdfReader

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, free_port, gateway_config

REFS = ("Art. 12", "Art. 26(5) and Art. 14", "A.6.2.8", "A.10", "Art. 30", "Art. 33")


@pytest.fixture(scope="module")
def gw(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    home: Path = tmp_path_factory.mktemp("compliance-hub")
    cfg = gateway_config(fakes, free_port(), home / "gw.db")
    cfg["audit"] = {"dir": str(home / "audit")}
    cfg["policies"] = [{"id": "flag-falcon", "when": {"keywords": ["falcon"]}, "then": {"action": "flag"}}]
    g = Gateway.start(cfg)
    c = openai.OpenAI(base_url=g.openai_base, api_key=ADMIN_KEY, max_retries=0)
    for text in ("falcon one", "falcon two", "hello"):
        c.chat.completions.create(model="openai-echo", messages=[{"role": "user", "content": text}])
    yield g
    g.stop()


def signed_in(gw: Gateway, key: str) -> httpx.Client:
    client = httpx.Client(base_url=gw.url, timeout=30, headers={"Origin": gw.url})
    page = client.get("/hub/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    r = client.post("/hub/login", data={"csrf": token.group(1), "key": key, "next": "/hub"})
    assert r.status_code in (302, 303), r.text
    return client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def wait_queue(gw: Gateway, n: int) -> list[dict[str, Any]]:
    for _ in range(100):
        data = httpx.get(gw.url + "/admin/reviews?status=open", headers=auth()).json()["data"]
        if len(data) >= n:
            return list(data)
        asyncio.run(asyncio.sleep(0.05))
    raise AssertionError("the queue did not fill")


def test_compliance_page_and_downloads(gw: Gateway) -> None:
    wait_queue(gw, 2)
    with contextlib.closing(signed_in(gw, ADMIN_KEY)) as hub:
        page = hub.get("/hub/compliance")
        assert page.status_code == 200, page.text
        text = html.unescape(page.text)
        for ref in REFS:
            assert f'data-ref="{ref}"' in text
        assert re.search(r'data-figure="requests">3<', text)
        assert re.search(r'data-use-case="\(none\)">.*?<td class="num">3</td>', text)  # none registered
        assert "OK:" in text and "does not make an organisation compliant" in text
        gdpr = html.unescape(hub.get("/hub/compliance?framework=gdpr").text)
        assert 'data-ref="Art. 30"' in gdpr and 'data-ref="Art. 12"' not in gdpr
        pdf = hub.get("/hub/compliance/report?framework=eu-ai-act&format=pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        assert 'filename="bastion-compliance-eu-ai-act.pdf"' in pdf.headers["content-disposition"]
        assert "Art. 12:" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        md = hub.get("/hub/compliance/report?framework=iso-42001&format=md")
        assert "### A.7: Data for AI systems" in md.text
        bad = hub.get("/hub/compliance?framework=sox")
        assert bad.status_code == 422 and "framework" in bad.text
    for _ in range(100):  # four reports made (the bad one refused before), each recorded once committed
        made = httpx.get(gw.url + "/admin/audit?kind=admin&limit=1000", headers=auth()).json()["data"]
        reports = [a for a in made if a["action"] == "compliance.report"]
        if len(reports) >= 4:
            break
        asyncio.run(asyncio.sleep(0.05))
    assert [a["report"]["format"] for a in reversed(reports)] == ["json", "json", "pdf", "md"]


def test_review_page_decides_with_a_note(gw: Gateway) -> None:
    queue = wait_queue(gw, 2)
    key = httpx.post(gw.url + "/admin/keys", json={"name": "hub-auditor", "role": "auditor"}, headers=auth())
    with contextlib.closing(signed_in(gw, key.json()["key"])) as auditor:
        listed = auditor.get("/hub/reviews")
        assert listed.status_code == 200 and all(r["id"] in listed.text for r in queue)
        one = auditor.get(f"/hub/reviews/{queue[0]['id']}")
        assert "Your role may not decide reviews." in one.text and 'id="decide"' not in one.text
        refused = auditor.post(
            f"/hub/reviews/{queue[0]['id']}", data={"csrf": csrf(one.text), "decision": "accepted"}
        )
        assert refused.status_code == 403 and "auditors_may_decide" in html.unescape(refused.text)
    with contextlib.closing(signed_in(gw, ADMIN_KEY)) as admin:
        page = admin.get(f"/hub/reviews/{queue[0]['id']}")
        assert "flag-falcon" in html.unescape(page.text) and queue[0]["request_id"] in page.text
        assert 'data-record="' in page.text  # the request's story: its audit record
        no_token = admin.post(f"/hub/reviews/{queue[0]['id']}", data={"decision": "accepted"})
        assert no_token.status_code == 403
        done = admin.post(
            f"/hub/reviews/{queue[0]['id']}",
            data={"csrf": csrf(page.text), "decision": "escalated", "note": "ask legal <b>now</b>"},
        )
        assert done.status_code == 200 and "Decided: escalated." in done.text
        assert "ask legal &lt;b&gt;now&lt;/b&gt;" in done.text  # escaped
        escalated = admin.get("/hub/reviews?status=escalated")
        assert queue[0]["id"] in escalated.text and queue[1]["id"] not in escalated.text
    review = httpx.get(gw.url + f"/admin/reviews/{queue[0]['id']}", headers=auth()).json()
    assert review["status"] == "escalated" and review["decided_by"]["key_id"] == "admin"
    assert review["note"] == "ask legal <b>now</b>"
    for _ in range(100):
        admin_records = httpx.get(gw.url + "/admin/audit?kind=admin&limit=1000", headers=auth()).json()[
            "data"
        ]
        decided = [a for a in admin_records if a["action"] == "POST /admin/reviews/{id}"]
        if len(decided) >= 2:
            break
        asyncio.run(asyncio.sleep(0.05))
    assert sorted((a["status"], a["actor"]["role"]) for a in decided) == [(200, "admin"), (403, "auditor")]
