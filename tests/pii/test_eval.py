"""`bastion pii eval`: per-type precision/recall/F2 and the no-PII false-alarm rate, scored as the bench."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bastion.pii.cli import run
from bastion.pii.evaluate import Record, Tally, evaluate, f2
from bastion.pii.span import Span


def _file(tmp_path: Path, records: list[dict[str, object]]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def _span(text: str, value: str, label: str) -> dict[str, object]:
    start = text.index(value)
    return {"start": start, "end": start + len(value), "label": label}


T1 = "Mail jane.doe@example.org or call +44 20 7946 0958."
T2 = "Order 7741-2290 shipped."
T3 = "Upgrade to 2.14.4 and email ops@example.com."  # no gold spans, but something is flagged
RECORDS = [
    {
        "text": T1,
        "spans": [
            _span(T1, "jane.doe@example.org", "EMAIL"),
            _span(T1, "+44 20 7946 0958", "PHONE"),
        ],
    },
    {"text": T2, "spans": []},
    {"text": T3, "spans": []},
]


def test_json_report(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run(["eval", str(_file(tmp_path, RECORDS)), "--json"], io.StringIO(), out) == 0
    report = json.loads(out.getvalue())
    assert report["records"] == 3
    assert report["labels"]["PHONE"] == {
        "gold": 1, "pred": 1, "precision": 1.0, "recall": 1.0, "f2": 1.0, "precision_exact": 1.0,
        "recall_exact": 1.0, "f2_exact": 1.0, "recall_any_label": 1.0,
    }  # fmt: skip
    email = report["labels"]["EMAIL"]
    assert (email["gold"], email["pred"], email["recall"], email["precision"]) == (1, 2, 1.0, 0.5)
    assert email["f2"] == pytest.approx(f2(0.5, 1.0))
    assert (report["no_pii_texts"], report["no_pii_flagged"]) == (2, 1)
    assert report["no_pii_false_alarm_rate"] == 0.5


def test_text_report_and_labels_filter(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run(["eval", str(_file(tmp_path, RECORDS)), "--labels", "PHONE"], io.StringIO(), out) == 0
    text = out.getvalue()
    assert "PHONE" in text and "EMAIL" not in text.split("\n", 2)[2]
    assert "no-PII texts flagged: 0/2 = 0.000" in text


def test_by_language_and_examples(tmp_path: Path) -> None:
    recs = [{**RECORDS[0], "lang": "en"}, {"text": "Rufen Sie Jana an.", "spans": [], "lang": "de"}]
    out = io.StringIO()
    assert run(["eval", str(_file(tmp_path, recs)), "--json", "--by-language", "--examples", "5"],
               io.StringIO(), out) == 0  # fmt: skip
    report = json.loads(out.getvalue())
    assert set(report["by_language"]) == {"de", "en"}
    assert report["by_language"]["en"]["labels"]["EMAIL"]["recall"] == 1.0
    assert isinstance(report["misses"], list) and isinstance(report["false_alarms"], list)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 2: not JSON"),
        ('{"spans": []}', 'line 2: expected an object with a string "text"'),
        ('{"text": "abc", "spans": [{"start": 0, "end": 9, "label": "PERSON"}]}', "outside the text"),
        ('{"text": "abc", "spans": [{"start": "0", "end": 2, "label": "PERSON"}]}', "integer"),
    ],
)
def test_invalid_file_is_a_clear_error(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "ok", "spans": []}) + "\n" + line + "\n")
    out, err = io.StringIO(), io.StringIO()
    assert run(["eval", str(path)], io.StringIO(), out, err) == 2
    assert message in err.getvalue() and out.getvalue() == ""


def test_missing_file(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run(["eval", str(tmp_path / "nope.jsonl")], io.StringIO(), io.StringIO(), err) == 2
    assert "nope.jsonl" in err.getvalue()


def test_other_spans_are_not_scored() -> None:
    tally = Tally()
    rec = Record("Dr. Ada", ((0, 3, "OTHER"), (4, 7, "PERSON")))
    tally.add(rec, [Span(0, 3, "PERSON", 0.9), Span(4, 7, "PERSON", 0.9)], None)
    assert tally.report()["labels"]["PERSON"]["precision"] == 1.0
    assert evaluate([rec], lambda _t: [])["labels"]["PERSON"]["recall"] == 0.0


def test_top_level_command(tmp_path: Path) -> None:
    path = _file(tmp_path, RECORDS)
    done = subprocess.run(
        [sys.executable, "-m", "bastion", "pii", "eval", str(path), "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["labels"]["PHONE"]["recall"] == 1.0
