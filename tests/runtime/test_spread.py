"""A runtime change reaches every gateway on the database within a second, and never disturbs a request in
flight: a stream that started before the swap finishes on the old table."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import openai

from fakes import Fakes
from harness import ADMIN_KEY
from runtime.conftest import Client, base_config, write


def _until(check, timeout: float = 1.0) -> float:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 < timeout, "not in force everywhere within the time allowed"
        time.sleep(0.02)
    return time.monotonic() - t0


def test_change_reaches_every_gateway_within_a_second(fakes: Fakes, tmp_path: Path, make_gateway) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path / "bastion.yaml", base_config(fakes, tmp_path / "shared.db"))
    a, b = Client(make_gateway(path).url), Client(make_gateway(path).url)
    version = a.ok("POST", "/models", {"name": "spread", "provider": "openai", "model": "fake-echo"}, 201)[
        "version"
    ]
    _until(lambda: b.chat("spread").status_code == 200)
    assert b.ok("GET", "/config")["version"] == version
    b.ok("DELETE", "/models/spread")
    _until(lambda: a.chat("spread").status_code == 404)
    a.ok("PATCH", "/config", {"cache": {"enabled": True}})
    _until(lambda: "x-bastion-cache" in b.chat("file-echo").headers)


def test_streams_in_flight_survive_swaps(fakes: Fakes, tmp_path: Path, make_gateway) -> None:  # type: ignore[no-untyped-def]
    data = base_config(fakes, tmp_path / "b.db")
    data["models"].append({"name": "endless", "provider": "openai", "model": "fake-endless"})
    gw = Client(make_gateway(write(tmp_path / "bastion.yaml", data)).url)
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=ADMIN_KEY, max_retries=0, timeout=30)
    chunks: list[int] = []
    started = threading.Event()

    def stream() -> None:
        with client.chat.completions.create(
            model="endless", messages=[{"role": "user", "content": "hi"}], stream=True
        ) as events:
            for n, _ in enumerate(events):
                chunks.append(n)
                started.set()
                if n >= 60:  # ~3 s of ticks at 50 ms
                    break

    t = threading.Thread(target=stream)
    t.start()
    assert started.wait(10)
    gw.ok("PATCH", "/config", {"pii": {"enabled": True}, "cache": {"enabled": True}})
    gw.ok("POST", "/models", {"name": "new", "provider": "openai", "model": "fake-echo"}, 201)
    gw.ok("DELETE", "/models/endless")  # the model the stream uses goes away
    assert gw.chat("new").status_code == 200
    t.join(20)
    assert chunks[-1] == 60  # the stream kept flowing to the end
