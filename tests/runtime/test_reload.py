"""The config file read again on a running gateway: POST /admin/config/reload and SIGHUP (to a `bastion
serve --workers 2` process), validated like check-config, layered under the runtime changes, spread to
every gateway on the database."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, Served, auth, bastion_env, free_port, marker, wait_ready
from runtime.conftest import Client, base_config, write


def _until(check, timeout: float = 1.0) -> None:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 < timeout, "not in force within the time allowed"
        time.sleep(0.02)


def test_reload_applies_the_file_under_the_runtime_changes(
    fakes: Fakes, tmp_path: Path, make_gateway
) -> None:  # type: ignore[no-untyped-def]
    data = base_config(fakes, tmp_path / "b.db")
    path = write(tmp_path / "bastion.yaml", data)
    a = Client(make_gateway(path).url)
    b = Client(make_gateway(path).url)  # a second gateway on the same database and file
    unchanged = a.ok("POST", "/config/reload")
    assert unchanged["changed"] == [] and unchanged["restart_required"] == []
    a.ok("PATCH", "/models/file-echo", {"input_cost_per_mtok": 7})  # a runtime change to a file model
    data["models"][0]["input_cost_per_mtok"] = 1  # the file disagrees: the runtime change wins
    data["models"].append({"name": "from-file", "provider": "openai", "model": "fake-echo"})
    data["cache"] = {"enabled": True}
    data["server"] = {"port": 9999}  # only a restart applies this
    write(path, data)
    out = a.ok("POST", "/config/reload")
    assert out["changed"] == ["models", "cache"] and out["restart_required"] == ["server"]
    assert a.chat("from-file").status_code == 200
    assert a.ok("GET", "/models/file-echo")["deployments"][0]["input_cost_per_mtok"] == 7
    _until(lambda: b.chat("from-file").status_code == 200)  # b read its own copy of the file again
    assert "x-bastion-cache" in b.chat("file-echo").headers
    history = a.ok("GET", "/config/versions")["data"]
    assert history[0]["action"] == "config.reload" and history[0]["author"] == "admin"
    # an invalid file is refused whole, with its errors; nothing changes
    version = a.ok("GET", "/config/versions")["version"]
    data["models"].append({"name": "broken", "provider": "nowhere", "model": "x"})
    data["cache"] = {"enabled": False, "ttl": -1}
    write(path, data)
    r = a.admin("POST", "/config/reload")
    assert r.status_code == 422, r.text
    fields = {e["field"] for e in r.json()["error"]["errors"]}
    assert "cache.ttl" in fields, fields
    assert a.ok("GET", "/config/versions")["version"] == version
    assert "x-bastion-cache" in a.chat("file-echo").headers
    path.write_text("models: [unclosed")
    r = a.admin("POST", "/config/reload")
    assert r.status_code == 422 and "invalid YAML" in r.json()["error"]["message"]


def test_reload_without_a_config_file(fakes: Fakes, tmp_path: Path) -> None:
    gw = Gateway.start(base_config(fakes, tmp_path / "b.db"))
    try:
        r = Client(gw.url).admin("POST", "/config/reload")
        assert r.status_code == 409 and r.json()["error"]["code"] == "no_config_file"
    finally:
        gw.stop()


def test_sighup_reloads_every_worker(fakes: Fakes, tmp_path: Path) -> None:
    data = base_config(fakes, tmp_path / "b.db")
    path = write(tmp_path / "bastion.yaml", data)
    port = free_port()
    served = Served(["serve", "--config", str(path), "--port", str(port), "--workers", "2"],
                    bastion_env(), tmp_path)  # fmt: skip
    try:
        url = served.wait_listening()
        wait_ready(url)
        body = {"model": "hup", "messages": [{"role": "user", "content": "hi"}]}
        with httpx.Client(base_url=url, headers=auth(ADMIN_KEY), timeout=10) as http:
            assert http.post("/v1/chat/completions", json=body).status_code == 404
            data["models"].append({"name": "hup", "provider": "openai", "model": "fake-echo"})
            write(path, data)
            os.kill(served.proc.pid, signal.SIGHUP)
            deadline = time.monotonic() + 10
            while http.post("/v1/chat/completions", json=body).status_code != 200:
                assert time.monotonic() < deadline, served.stderr
                time.sleep(0.05)
            # new connections land on either worker: every one serves the model
            for _ in range(20):
                with httpx.Client(base_url=url, headers=auth(ADMIN_KEY), timeout=10) as fresh:
                    assert fresh.post("/v1/chat/completions", json=body).status_code == 200
            versions = http.get("/admin/config/versions").json()["data"]
            assert [v["action"] for v in versions].count("config.reload") == 1  # once, not per worker
            assert versions[0]["author"] == "signal:SIGHUP"
            # a broken file on SIGHUP: logged, nothing changes
            path.write_text("providers: 3\n")
            os.kill(served.proc.pid, signal.SIGHUP)
            deadline = time.monotonic() + 10
            while "config reload on SIGHUP refused" not in served.stderr:
                assert time.monotonic() < deadline, served.stderr
                time.sleep(0.05)
            assert http.post("/v1/chat/completions", json=body).status_code == 200
    finally:
        served.stop()


def test_api_key_file_set_through_the_api_and_rotated_by_reload(
    fakes: Fakes, tmp_path: Path, make_gateway
) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path / "bastion.yaml", base_config(fakes, tmp_path / "b.db"))
    gw = Client(make_gateway(path).url)
    secret = tmp_path / "openai-key"
    secret.write_text("sk-from-file-ONE\n")
    out = gw.ok("PATCH", "/providers/openai", {"api_key_file": str(secret)})  # replaces the file's api_key
    assert out["api_key"] == "set" and out["api_key_file"] == str(secret)
    mk = marker()
    assert gw.chat("file-echo", mk).status_code == 200
    assert fakes.openai.find(mk).headers["authorization"] == "Bearer sk-from-file-ONE"
    secret.write_text("sk-from-file-TWO\n")  # the mounted secret is rotated
    assert gw.ok("POST", "/config/reload")["version"] > out["version"]
    mk = marker()
    assert gw.chat("file-echo", mk).status_code == 200
    assert fakes.openai.find(mk).headers["authorization"] == "Bearer sk-from-file-TWO"
    assert "sk-from-file" not in gw.admin("GET", "/providers/openai").text
    back = gw.ok("PATCH", "/providers/openai", {"api_key": "sk-inline-THREE"})
    assert back["api_key_file"] is None
