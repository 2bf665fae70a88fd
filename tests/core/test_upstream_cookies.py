"""One upstream session serves every caller, so it must keep no cookies: a cookie set in one provider answer
(a load balancer's session cookie, say) must never ride along on the next caller's request. The provider
is a real local server reached by the name `localhost` (aiohttp's default jar ignores cookies of bare IP
addresses, so an IP would hide a jar that keeps them)."""

from __future__ import annotations

from aiohttp import web

from bastion.config.schema import ProviderConfig
from bastion.providers.base import UpstreamRequest
from bastion.upstream import Upstream


async def test_a_cookie_set_by_a_provider_is_never_sent_on_later_requests() -> None:
    cookies: list[str | None] = []

    async def chat(request: web.Request) -> web.Response:
        cookies.append(request.headers.get("Cookie"))
        resp = web.json_response({"ok": True})
        resp.set_cookie("session", "tenant-a", path="/")
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    upstream = Upstream()
    await upstream.start()
    try:
        provider = ProviderConfig(
            name="p", type="openai", base_url=f"http://localhost:{port}/v1", api_key="k"
        )
        for _ in range(3):
            req = UpstreamRequest(f"http://localhost:{port}/v1/chat/completions", b"{}")
            resp = await upstream.send(provider, req, stream=False)
            assert resp.status == 200
    finally:
        await upstream.close()
        await runner.cleanup()
    assert cookies == [None, None, None]
