"""Reads a whole SSE body into (event name, data) pairs; data is parsed JSON, or the raw text."""

from __future__ import annotations

import json
from typing import Any


def events_of(text: str) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name = None
        data = []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            raw = "\n".join(data)
            try:
                out.append((name, json.loads(raw)))
            except json.JSONDecodeError:
                out.append((name, raw))
    return out
