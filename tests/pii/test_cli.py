from __future__ import annotations

import io
import json

from bastion.pii.cli import run


def _run(args: list[str], lines: list[str]) -> list[dict[str, object]]:
    out = io.StringIO()
    assert run(args, io.StringIO("\n".join(lines) + "\n"), out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_detect_outputs_character_offsets() -> None:
    text = "Écrivez à jane.doe@example.org"
    [record] = _run(["detect"], [json.dumps({"text": text})])
    [span] = record["spans"]  # type: ignore[misc]
    assert text[span["start"] : span["end"]] == "jane.doe@example.org" and span["label"] == "EMAIL"
    assert 0 < span["score"] <= 1


def test_redact_actions_and_errors() -> None:
    lines = [json.dumps({"text": "mail jane@example.org"}), "not json", json.dumps({"nope": 1})]
    pseudo, err1, err2 = _run(["redact"], lines)
    assert pseudo == {"text": "mail <EMAIL_1>"}
    assert "error" in err1 and "error" in err2
    [masked] = _run(["redact", "--action", "mask", "--summary"], lines[:1])
    assert masked == {"text": "mail <EMAIL>", "summary": {"EMAIL": {"mask": 1}}}
    [blocked] = _run(["redact", "--action", "block"], lines[:1])
    assert blocked == {"text": None, "blocked": ["EMAIL"]}


def test_entities_filter() -> None:
    [record] = _run(["detect", "--entities", "PHONE"], [json.dumps({"text": "mail jane@example.org"})])
    assert record == {"spans": []}
