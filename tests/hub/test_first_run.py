"""What the issue's "done when" describes, as a new user does it: `bastion serve` with no config (what
`./dev serve` runs), an OpenAI SDK call, then /hub in the browser, signed in with the printed admin key:
the request is listed and its story opens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openai

from harness import Served, bastion_env
from hub.conftest import login, shot

PRINTED_KEY = re.compile(r"generated one for this run \(shown once\): (\S+)")


def test_new_user_sees_the_request_just_made(tmp_path: Path, page: Any) -> None:
    served = Served(["serve", "--port", "0"], bastion_env(), tmp_path)  # the embedded demo setup
    try:
        url = served.wait_listening()
        found = PRINTED_KEY.search(served.stderr)
        assert found, served.stderr
        admin_key = found.group(1)
        client = openai.OpenAI(base_url=url + "/v1", api_key=admin_key, max_retries=0, timeout=20)
        raw = client.chat.completions.with_raw_response.create(
            model="demo-echo", messages=[{"role": "user", "content": "hello from a new user"}]
        )
        rid = raw.headers["x-request-id"]
        login(page, url, admin_key)
        page.goto(url + "/hub/requests")
        for _ in range(50):  # the audit writer commits in the background
            if page.locator(f"a:has-text('{rid}')").count():
                break
            page.wait_for_timeout(100)
            page.reload()
        shot(page, "first-run-requests")
        page.click(f"a:has-text('{rid}')")
        page.wait_for_url(f"**/hub/requests/{rid}")
        assert "demo" in page.locator("#attempts").inner_text()
        assert admin_key not in page.content()
        assert not page.console_log.errors
    finally:
        served.stop()
