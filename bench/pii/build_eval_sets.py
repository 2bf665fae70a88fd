"""Build the hand-written evaluation sets: bench/pii/data/src/*.txt (marked up) -> bench/pii/data/*.jsonl.

Source lines: ``LANG<TAB>text``; an entity is written ``⟦value|LABEL⟧``; ``\\n`` in the text is a line break;
lines starting with ``#`` are comments. Output lines: ``{"id", "source", "lang", "text", "spans"}`` with
character offsets, the format ``bastion pii eval`` and the shared scorer read. Deterministic: run it after
editing a source file and commit both. Usage: python bench/pii/build_eval_sets.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "data"
MARK = re.compile(r"⟦([^⟦⟧|]+)\|([A-Z_]+)⟧")


def parse(line: str) -> tuple[str, str, list[dict[str, object]]]:
    lang, _, marked = line.partition("\t")
    if not marked:
        raise ValueError(f"expected LANG<TAB>text: {line!r}")
    marked = marked.replace("\\n", "\n")
    text, spans, pos = [], [], 0
    length = 0
    for m in MARK.finditer(marked):
        chunk = marked[pos : m.start()]
        text.append(chunk)
        length += len(chunk)
        value, label = m.group(1), m.group(2)
        spans.append({"start": length, "end": length + len(value), "label": label})
        text.append(value)
        length += len(value)
        pos = m.end()
    text.append(marked[pos:])
    out = "".join(text)
    if "⟦" in out or "⟧" in out:
        raise ValueError(f"unbalanced mark-up: {line!r}")
    return lang.strip(), out, spans


def main() -> int:
    for src in sorted((HERE / "src").glob("*.txt")):
        name = src.stem
        rows = []
        for n, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            try:
                lang, text, spans = parse(line)
            except ValueError as exc:
                print(f"{src.name}:{n}: {exc}", file=sys.stderr)
                return 1
            rows.append({"id": f"{name}-{n}", "source": name, "lang": lang, "text": text, "spans": spans})
        out = HERE / f"{name}.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{out.relative_to(HERE.parent.parent.parent)}: {len(rows)} records")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
