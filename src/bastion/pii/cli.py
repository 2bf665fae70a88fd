"""``bastion pii detect|redact``: JSON lines in, JSON lines out (one output line per input line).

detect:  {"text": "..."}  ->  {"spans": [{"start", "end", "label", "score"}, ...]}   (character offsets)
redact:  {"text": "..."}  ->  {"text": "<rewritten>"}                                 (one vault per line)
         --action pseudonymize (default: <PERSON_1>, numbered per line) | mask (<PERSON>) | hash
         (<PERSON:hmac10>, keyed by --hash-key) | allow; with --action block, a line containing detected
         labels yields {"text": null, "blocked": ["LABEL", ...]}.
         --summary adds "summary": {label: {action: count}}.
A line that is not a JSON object with a string "text" yields {"error": "..."} and the run continues.

eval FILE.jsonl [...]: lines {"text", "spans": [{"start", "end", "label"}]} (optional "lang"); prints per-type
         precision, recall and F2 (overlap and exact), protected recall and the no-PII false-alarm rate (texts
         without spans where anything was flagged). --json prints the same as one JSON object; --by-language
         adds a table per "lang"; --labels restricts scoring; --examples N lists misses and false alarms.
         Exit status 2 on an unreadable or invalid file (the message names the line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import IO, get_args

from bastion.config.pii_settings import Action, PiiSettings
from bastion.pii.engine import PiiEngine
from bastion.pii.evaluate import EvalInputError, evaluate, format_report, read_records
from bastion.pii.span import LABELS
from bastion.pii.vault import Vault


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bastion pii", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("detect", "redact", "eval"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--entities", help=f"comma-separated labels (default all): {','.join(LABELS)}")
        cmd.add_argument("--min-score", type=float, default=None)
        cmd.add_argument("--ner-model", help="spaCy pipeline package or path (needs bastion-gateway[ner])")
        if name == "redact":
            cmd.add_argument("--action", choices=get_args(Action), default="pseudonymize")
            cmd.add_argument("--hash-key", default=None)
            cmd.add_argument("--summary", action="store_true")
        if name == "eval":
            cmd.add_argument("files", nargs="+", metavar="FILE.jsonl")
            cmd.add_argument("--json", action="store_true", help="print the report as one JSON object")
            cmd.add_argument("--labels", help="score only these labels (comma-separated)")
            cmd.add_argument("--by-language", action="store_true", help='one report per record "lang" too')
            cmd.add_argument(
                "--examples", type=int, default=0, metavar="N", help="list N misses and false alarms"
            )
    return parser


def _settings(args: argparse.Namespace) -> PiiSettings:
    fields: dict[str, object] = {}
    if args.entities:
        fields["entities"] = [e.strip().upper() for e in args.entities.split(",") if e.strip()]
    if args.min_score is not None:
        fields["min_score"] = args.min_score
    if args.ner_model:
        fields["ner"] = {"model": args.ner_model}
    if getattr(args, "action", None):
        fields["default_action"] = args.action
    if getattr(args, "hash_key", None):
        fields["hash_key"] = args.hash_key
    return PiiSettings.model_validate(fields)


def _handle(engine: PiiEngine, command: str, text: str, with_summary: bool) -> dict[str, object]:
    spans = engine.detect(text)
    if command == "detect":
        return {"spans": [s.to_dict() for s in spans]}
    key = engine.settings.hash_key
    vault = Vault(key.encode() if key else None)
    new_text, _ = vault.apply(text, spans, engine.settings.action_map())
    out: dict[str, object] = {"text": new_text}
    if vault.blocked_labels:
        out = {"text": None, "blocked": sorted(vault.blocked_labels)}
    if with_summary:
        out["summary"] = vault.summary()
    return out


def _eval(engine: PiiEngine, args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    try:
        records = []
        for path in args.files:
            with open(path, encoding="utf-8") as f:
                records += read_records(f)
    except (OSError, UnicodeDecodeError, EvalInputError) as exc:
        name = path if not isinstance(exc, OSError) else ""
        stderr.write(f"bastion pii eval: {name + ': ' if name else ''}{exc}\n")
        return 2
    wanted = [x.strip().upper() for x in (args.labels or "").split(",") if x.strip()]
    labels = frozenset(wanted) or None
    report = evaluate(records, engine.detect, labels, args.by_language, max(args.examples, 0))
    if args.json:
        stdout.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
        return 0
    stdout.write(format_report(report, f"{len(records)} records from {', '.join(args.files)}") + "\n")
    for lang, sub in report.get("by_language", {}).items():
        stdout.write("\n" + format_report(sub, f"lang {lang} ({sub['records']} records)") + "\n")
    return 0


def run(argv: Sequence[str], stdin: IO[str], stdout: IO[str], stderr: IO[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv))
    engine = PiiEngine(_settings(args))
    if args.command == "eval":
        return _eval(engine, args, stdout, stderr or sys.stderr)
    with_summary = bool(getattr(args, "summary", False))
    for line in stdin:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = record["text"] if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise ValueError('expected a JSON object with a string "text"')
            out = _handle(engine, args.command, text, with_summary)
        except (ValueError, KeyError) as exc:
            out = {"error": str(exc)}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    stdout.flush()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: ``bastion pii ...`` (top-level CLI delegates here) or ``python -m bastion.pii ...``."""
    return run(sys.argv[1:] if argv is None else argv, sys.stdin, sys.stdout)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bastion pii detect|redact ...` on the top-level command (arguments are passed through)."""
    parser = subparsers.add_parser(
        "pii",
        help="detect or redact PII in JSON lines (stdin -> stdout), or eval on a labelled file",
        add_help=False,
    )
    parser.add_argument("args", nargs=argparse.REMAINDER)
    parser.set_defaults(func=lambda a: run(a.args, sys.stdin, sys.stdout))
