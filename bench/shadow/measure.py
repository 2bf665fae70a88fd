"""Scans generated logs with `bastion shadow scan --json` in a child process and reports wall time,
throughput and the child's peak RSS (ru_maxrss), one child per file so each peak is its own.

    python bench/shadow/measure.py /tmp/shadow-100M.log /tmp/shadow-1G.log [/tmp/shadow-1G.log.gz]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson

BASTION = str(Path(sys.executable).with_name("bastion"))


def measure(path: str) -> dict[str, object]:
    code = (
        "import resource, subprocess, sys;"
        f"p = subprocess.run([{BASTION!r}, 'shadow', 'scan', '--json', '--no-progress', {path!r}],"
        " stdout=subprocess.PIPE, stderr=subprocess.DEVNULL);"
        "sys.stdout.buffer.write(p.stdout);"
        "sys.stderr.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))"
    )
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    wall = time.perf_counter() - start
    report = orjson.loads(proc.stdout)
    files = report["files"][0]
    size = os.path.getsize(path)
    return {
        "file": Path(path).name, "MiB": round(size / (1 << 20)), "lines": files["lines"],
        "AI requests": files["matched"], "bad": files["bad_lines"], "seconds": round(wall, 1),
        "MiB/s": round(size / (1 << 20) / wall, 1), "lines/s": int(files["lines"] / wall),
        "peak RSS MiB": round(int(proc.stderr) / 1024, 1),
    }  # fmt: skip


def main() -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, max RSS of this parent "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")  # fmt: skip
    rows = [measure(p) for p in sys.argv[1:]]
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
