"""Placeholders split across SSE events (one character per event), models that mangle placeholders, and
hostile huge inputs."""

from __future__ import annotations

import concurrent.futures
import time

import anthropic
import httpx
import openai
import orjson
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, PROVIDERS, Gateway, auth, marker
from pii_e2e.common import ORIGINALS, Watch, prompt
from pii_e2e.conftest import MAX_CHARS
from pii_e2e.test_roundtrip import STREAM, TOOL, anthropic_text, openai_text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_one_character_per_event(
    oai: openai.OpenAI, ant: anthropic.Anthropic, twisted: Fakes, provider: str
) -> None:
    text = prompt(marker())
    watch = Watch(twisted)
    assert openai_text(oai, f"{provider}-chars", [{"role": "user", "content": text}], True) == "Echo: " + text
    got = anthropic_text(ant, f"{provider}-chars", True, messages=[{"role": "user", "content": text}])
    assert got == "Echo: " + text
    watch.assert_clean(expect=2)


def test_one_character_per_event_responses(oai: openai.OpenAI, twisted: Fakes) -> None:
    text = prompt(marker())
    with oai.responses.stream(model="openai-chars", input=text) as s:
        deltas = "".join(ev.delta for ev in s if ev.type == "response.output_text.delta")
        final = s.get_final_response().output_text
    assert deltas == final == "Echo: " + text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_arguments_one_character_per_event(
    oai: openai.OpenAI, ant: anthropic.Anthropic, twisted: Fakes, provider: str
) -> None:
    """JSON-escaped placeholders split anywhere inside streamed tool arguments still come back whole."""
    text = prompt(marker())
    watch = Watch(twisted)
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": TOOL}}]
    args = ""
    for c in oai.chat.completions.create(
        model=f"{provider}-toolchars", messages=[{"role": "user", "content": text}], tools=tools, stream=True
    ):  # type: ignore[call-overload]
        for call in (c.choices[0].delta.tool_calls or []) if c.choices else []:
            args += (call.function.arguments or "") if call.function else ""
    assert orjson.loads(args) == {"q": text}
    with ant.messages.stream(
        model=f"{provider}-toolchars",
        max_tokens=100,
        messages=[{"role": "user", "content": text}],
        tools=[{"name": "lookup", "input_schema": TOOL}],  # type: ignore[list-item]
    ) as s:
        msg = s.get_final_message()
    assert [b.input for b in msg.content if b.type == "tool_use"] == [{"q": text}]
    watch.assert_clean(expect=2)


def test_literal_placeholders_in_the_prompt_stay_literal(oai: openai.OpenAI, twisted: Fakes) -> None:
    """A user who writes `<PERSON_1>` themselves gets it back as written, never someone's name."""
    text = f"{marker()} the template says <PERSON_1> and [EMAIL_1]; I am {ORIGINALS[0]}"
    watch = Watch(twisted)
    for stream in STREAM:
        assert (
            openai_text(oai, "anthropic-echo", [{"role": "user", "content": text}], stream) == "Echo: " + text
        )
    for raw in watch.assert_clean((ORIGINALS[0],), expect=2):
        assert b"<PERSON_2>" in raw


@pytest.mark.parametrize("stream", STREAM)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_mangled_placeholders_restored(
    oai: openai.OpenAI, ant: anthropic.Anthropic, twisted: Fakes, provider: str, stream: bool
) -> None:
    """The model answers `**<person_1>**`: the original comes back, the markdown stays."""
    text = prompt(marker())
    expected = "Echo: " + text
    for value in ORIGINALS:
        expected = expected.replace(value, f"**{value}**")
    watch = Watch(twisted)
    assert openai_text(oai, f"{provider}-mangle", [{"role": "user", "content": text}], stream) == expected
    got = anthropic_text(ant, f"{provider}-mangle", stream, messages=[{"role": "user", "content": text}])
    assert got == expected
    watch.assert_clean(expect=2)


# ---- huge hostile inputs ---------------------------------------------------------------------------------

HOSTILE = "<PERSON_1> Maria Garcia maria.garcia@example.com 4111 1111 1111 1111 \\u003cEMAIL_9\\u003e [[[(("


def _post(gw: Gateway, text: str, timeout: float = 60) -> httpx.Response:
    body = {"model": "openai-echo", "messages": [{"role": "user", "content": text}]}
    return httpx.post(
        f"{gw.openai_base}/chat/completions", json=body, headers=auth(ADMIN_KEY), timeout=timeout
    )


def test_five_megabytes_gets_a_clear_answer(pii_gateway: Gateway, twisted: Fakes) -> None:
    text = marker() + " " + HOSTILE * (5 * 1024 * 1024 // len(HOSTILE))
    watch = Watch(twisted)
    t0 = time.monotonic()
    r = _post(pii_gateway, text)
    assert r.status_code == 413, r.text[:300]
    assert "limit" in r.json()["error"]["message"]
    assert time.monotonic() - t0 < 30
    watch.assert_clean(expect=0)


def test_large_scan_does_not_stall_other_requests(pii_gateway: Gateway, twisted: Fakes) -> None:
    """A text just under the scanner's limit is scanned off the event loop: small requests keep being
    answered meanwhile, and the big one gets a normal answer with every value protected."""
    mk = marker()
    text = mk + " " + HOSTILE * ((MAX_CHARS - 100) // len(HOSTILE))
    watch = Watch(twisted)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        big = pool.submit(_post, pii_gateway, text, 120)
        small_times = []
        while not big.done() and len(small_times) < 5:
            t0 = time.monotonic()
            small = _post(pii_gateway, f"{marker()} hi", 30)
            assert small.status_code == 200
            small_times.append(time.monotonic() - t0)
        r = big.result()
    assert small_times, "no small request was answered while the big one was scanned"
    assert r.status_code == 200, r.text[:300]
    assert r.json()["choices"][0]["message"]["content"] == "Echo: " + text
    big_raw = twisted.openai.find(mk).raw
    assert b"Maria Garcia" not in big_raw and b"maria.garcia@example.com" not in big_raw
    assert len(watch.new()) == len(small_times) + 1


def _many(count: int) -> dict[str, object]:
    piece = HOSTILE * (5000 // len(HOSTILE))
    messages = [{"role": "user", "content": f"{marker()} {piece}"} for _ in range(count)]  # distinct texts
    return {"model": "openai-echo", "messages": messages}


def test_five_megabytes_of_short_texts_gets_a_clear_answer(pii_gateway: Gateway, twisted: Fakes) -> None:
    """The scanner's limit is on the request's texts in total, not per text."""
    watch = Watch(twisted)
    r = httpx.post(
        f"{pii_gateway.openai_base}/chat/completions", json=_many(1000), headers=auth(ADMIN_KEY), timeout=60
    )
    assert r.status_code == 413 and "limit" in r.json()["error"]["message"]
    watch.assert_clean(expect=0)


def test_many_short_texts_are_scanned_off_the_loop(pii_gateway: Gateway, twisted: Fakes) -> None:
    """Under the limit, 900 kB as 180 messages of 5 kB (each short enough to be scanned inline alone): a
    small request sent meanwhile reaches its provider before the big one has been scanned."""
    big_body = _many(180)
    big_mk = str(big_body["messages"][0]["content"]).split()[0]  # type: ignore[index]
    small_mk = marker()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        big = pool.submit(
            httpx.post, f"{pii_gateway.openai_base}/chat/completions", json=big_body, headers=auth(ADMIN_KEY),
            timeout=120,
        )  # fmt: skip
        time.sleep(0.5)  # the big body is being scanned by now
        small = _post(pii_gateway, f"{small_mk} hi", 60)
        r = big.result()
    assert small.status_code == 200 and r.status_code == 200, r.text[:300]
    order = [
        rec for rec in twisted.openai.requests if small_mk.encode() in rec.raw or big_mk.encode() in rec.raw
    ]
    assert small_mk.encode() in order[0].raw, "the small request waited for the big one's scan"


def test_demo_provider_one_character_per_chunk(oai: openai.OpenAI, ant: anthropic.Anthropic) -> None:
    """The built-in demo provider's `echo-chars` model: text and tool arguments one character a chunk."""
    text = prompt(marker())
    assert openai_text(oai, "demo-chars", [{"role": "user", "content": text}], True) == "Echo: " + text
    assert (
        anthropic_text(ant, "demo-chars", True, messages=[{"role": "user", "content": text}])
        == "Echo: " + text
    )
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": TOOL}}]
    args = ""
    for c in oai.chat.completions.create(
        model="demo-chars", messages=[{"role": "user", "content": text}], tools=tools, stream=True
    ):  # type: ignore[call-overload]
        for call in (c.choices[0].delta.tool_calls or []) if c.choices else []:
            args += (call.function.arguments or "") if call.function else ""
    assert orjson.loads(args) == {"q": text}
