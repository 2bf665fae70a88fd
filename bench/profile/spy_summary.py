"""Summarise py-spy's collapsed stacks (``stages.py --py-spy FILE``): share of samples per pipeline stage
(the innermost ``*Stage.run/seal/finish`` frame, or the audit writer, or the server around them), and the
functions where most samples end (self time).

    python bench/profile/spy_summary.py FILE [--top 25]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

_STAGE = re.compile(r"^(\w+(?:Stage|Writer|Audit)\w*)\.(run|seal|finish|_flush|flush|submit|watch)\b")
_PARTS = (
    ("respond", re.compile(r"^respond \(bastion/server/respond")),
    ("sqlite thread", re.compile(r"^Connection\._execute|^Connection\.run \(aiosqlite")),
)


_IDLE = re.compile(
    r"^(?:Runner\.run \(asyncio/runners\.py|_connection_worker_thread \(aiosqlite/core\.py:59\)|"
    r"_worker \(concurrent/futures/thread\.py|wait \(threading\.py)"
)


def part_of(frames: list[str]) -> str:
    found = "server, event loop"
    for frame in frames:
        m = _STAGE.match(frame)
        if m:
            found = f"{m.group(1)}.{m.group(2)}"
            continue
        for name, rx in _PARTS:
            if rx.match(frame):
                found = name
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    parts: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    with open(args.file, encoding="utf-8") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")[1:]
            if not frames or _IDLE.match(frames[-1]):
                continue  # waiting: the event loop's poll, a worker thread's queue
            total += n
            parts[part_of(frames)] += n
            leaves[re.sub(r":\d+\)$", ")", frames[-1]) if frames else "?"] += n
    print(f"{total} busy samples\n\n| part | share |\n|---|---|")
    for name, n in parts.most_common():
        print(f"| {name} | {100 * n / total:.1f} % |")
    print("\n| function (self) | share |\n|---|---|")
    for name, n in leaves.most_common(args.top):
        print(f"| {name} | {100 * n / total:.1f} % |")


if __name__ == "__main__":
    main()
