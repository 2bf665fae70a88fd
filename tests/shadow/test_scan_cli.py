"""`bastion shadow scan`: each realistic log, read in its own format and sniffed, gives exactly the counts
in expected.py; the --json contract; sanctioned services from the config; gzip; bad files never fatal."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from harness import BASTION
from shadow.expected import CSV_COLUMNS, EXPECTED, LOGS, combined

SERVICE_KEYS = {"service", "vendor", "category", "sanctioned", "users", "requests", "bytes_out", "first_seen",
                "last_seen"}  # fmt: skip
USER_KEYS = {"user", "services", "requests", "bytes_out"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASTION, "shadow", *args], capture_output=True, text=True, timeout=99, check=False)


def scan(*args: str, ok: tuple[int, ...] = (0,)) -> tuple[dict[str, Any], str]:
    proc = run("scan", "--json", *args)
    assert proc.returncode in ok, proc.stderr
    return orjson.loads(proc.stdout), proc.stderr


def columns_for(name: str) -> list[str]:
    return ["--columns", CSV_COLUMNS] if name.endswith("export.csv") else []


def by_service(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["service"]: s for s in report["services"]}


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("mode", ["explicit", "auto"])
def test_each_log_gives_exact_counts(name: str, mode: str) -> None:
    fmt, lines, bad, services = EXPECTED[name]
    chosen = fmt if mode == "explicit" else "auto"
    report, stderr = scan("--format", chosen, *columns_for(name), str(LOGS / name))
    got = {s["service"]: (s["users"], s["requests"], s["bytes_out"]) for s in report["services"]}
    assert got == services
    (stats,) = report["files"]
    assert (stats["format"], stats["lines"], stats["bad_lines"]) == (fmt, lines, bad)
    assert stats["matched"] == sum(r for _u, r, _b in services.values())
    assert len(stats["bad_examples"]) == bad
    if bad:
        assert f"{bad} bad line(s) skipped" in stderr


def test_json_contract_shape_and_values() -> None:
    report, _ = scan(str(LOGS / "squid_access.log"))
    assert {"services", "users"} <= set(report)
    for entry in report["services"]:
        assert set(entry) >= SERVICE_KEYS
    for entry in report["users"]:
        assert set(entry) >= USER_KEYS
    chatgpt = by_service(report)["chatgpt"]
    assert chatgpt == {
        "service": "chatgpt", "name": "ChatGPT", "vendor": "OpenAI", "category": "chat", "sanctioned": False,
        "users": 1, "requests": 3, "bytes_out": 0, "first_seen": "2026-12-01T09:00:01Z",
        "last_seen": "2026-12-01T09:01:00Z",
    }  # fmt: skip
    users = {u["user"]: u for u in report["users"]}
    erin = {"user": "erin", "services": ["aws-bedrock", "sora"], "requests": 2, "bytes_out": 0}
    assert users["erin"] == erin
    assert [s["requests"] for s in report["services"]] == sorted(
        (s["requests"] for s in report["services"]), reverse=True
    )


def test_all_files_at_once_sum_up(tmp_path: Path) -> None:
    files = [str(LOGS / n) for n in sorted(EXPECTED)]
    report, _ = scan("--columns", CSV_COLUMNS, *files)
    got = {s["service"]: (s["requests"], s["bytes_out"]) for s in report["services"]}
    assert got == combined()
    assert sum(f["bad_lines"] for f in report["files"]) == sum(e[2] for e in EXPECTED.values())
    chatgpt = by_service(report)["chatgpt"]  # users are per identity as each log names them
    assert chatgpt["users"] == len({"alice", "alice@example.com", "10.20.1.15", "bob@example.com"})


def test_sanctioned_from_configured_providers_and_shadow_sanctioned(tmp_path: Path) -> None:
    config = tmp_path / "bastion.yaml"
    config.write_text(
        "admin_key: test-admin-key-0123456789\n"
        "providers:\n"
        "  - {name: oa, type: openai, api_key: sk-test}\n"
        "  - {name: corp-azure, type: azure-openai, base_url: 'https://contoso.openai.azure.com',"
        " api_key: x, api_version: '2024-10-21'}\n"
        "  - {name: claude, type: anthropic, base_url: 'https://api.anthropic.com', api_key: sk-ant-test}\n"
        "shadow:\n  sanctioned: [github-copilot, 'https://chat.deepseek.com/']\n"
    )
    report, _ = scan("--config", str(config), str(LOGS / "squid_access.log"), str(LOGS / "zscaler_web.csv"))
    sanctioned = {s["service"] for s in report["services"] if s["sanctioned"]}
    assert sanctioned == {"openai-api", "anthropic-api", "github-copilot", "deepseek-chat"}
    text = run("scan", "--config", str(config), str(LOGS / "squid_access.log")).stdout
    assert "AI services: 7 (3 sanctioned, 4 unsanctioned), used by 6 user(s)" in text
    assert "line 12: not a Squid native line" in text


def test_gzip_is_read_by_content_not_name(tmp_path: Path) -> None:
    packed = tmp_path / "access.log.1"  # rotated, compressed, no .gz suffix
    with open(LOGS / "zscaler_web.csv", "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    report, _ = scan(str(packed))
    assert report["files"][0]["format"] == "zscaler"
    got = {s["service"]: (s["users"], s["requests"], s["bytes_out"]) for s in report["services"]}
    assert got == EXPECTED["zscaler_web.csv"][3]


def test_unreadable_inputs_are_reported_not_fatal(tmp_path: Path) -> None:
    unknown = tmp_path / "notes.txt"
    unknown.write_text("dear diary\nnothing to see\n")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    truncated = tmp_path / "cut.gz"
    truncated.write_bytes(gzip.compress((LOGS / "squid_access.log").read_bytes())[:-30])
    report, stderr = scan(
        str(unknown), str(tmp_path / "missing.log"), str(binary), str(truncated),
        str(LOGS / "squid_access.log"), ok=(1,),
    )  # fmt: skip
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert "cannot tell the log format" in files["notes.txt"]["error"]
    assert "cannot open" in files["missing.log"]["error"]
    assert files["blob.bin"]["error"] is not None
    assert "read error" in files["cut.gz"]["error"]
    assert by_service(report)["chatgpt"]["requests"] >= 3  # the good file (and the readable part) still count
    assert "missing.log" in stderr


def test_csv_needs_columns_and_names_bad_ones() -> None:
    proc = run("scan", "--format", "csv", str(LOGS / "proxy_export.csv"))
    assert proc.returncode == 2 and "--columns" in proc.stderr
    proc = run("scan", "--columns", "who=x", str(LOGS / "proxy_export.csv"))
    assert proc.returncode == 2 and "unknown field 'who'" in proc.stderr
    numbered = "user=2,host=4,bytes_out=6,time=1"
    report, _ = scan("--format", "csv", "--columns", numbered, str(LOGS / "proxy_export.csv"))
    assert by_service(report)["cursor"]["bytes_out"] == 1048876  # numbered columns; the header is a bad line
    assert report["files"][0]["bad_lines"] == 4


def test_catalogue_lists_at_least_200_services() -> None:
    out = run("catalogue", "--json")
    services = orjson.loads(out.stdout)["services"]
    assert len(services) >= 200
    assert all(s["trains_on_inputs"] in {"yes", "no", "opt-out", "depends", "unknown"} for s in services)
    assert len({s["id"] for s in services}) == len(services)


def test_standard_input_gzipped() -> None:
    packed = gzip.compress((LOGS / "zeek_ssl.log").read_bytes())
    proc = subprocess.run([BASTION, "shadow", "scan", "--json", "-"], input=packed, capture_output=True,
                          timeout=99, check=True)  # fmt: skip
    report = orjson.loads(proc.stdout)
    got = {s["service"]: (s["users"], s["requests"], s["bytes_out"]) for s in report["services"]}
    assert got == EXPECTED["zeek_ssl.log"][3] and report["files"][0]["format"] == "zeek"
