"""Memory soak: `bastion serve` with a benchmark configuration at a fixed request rate for a long time, new
text in every fifth request (`--unique-every`: the scan caches fill and evict; the others repeat one
prompt, as the history of conversations does), the gateway's resident memory (RSS) sampled
every `--every` seconds. Growth is measured from the end of the warm-up (a tenth of the run, at least
30 s) to the end: the issue asks for less than 5 % over 30 minutes at 1,000 requests/s.

    .venv/bin/python bench/profile/soak.py --minutes 30 --rate 1000          # the issue's soak
    .venv/bin/python bench/profile/soak.py --minutes 3 --rate 500            # a short check

The mock upstream and the load client (`mock.py`, `client.py`) run in their own processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
KEY = "bench-admin-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_port(port: int, seconds: float) -> None:
    end = time.time() + seconds
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port} after {seconds} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gateway", default="bastion-guard")
    ap.add_argument("--prompt-file", default="/work/shared/bench/prompts/ticket-pii-500.txt")
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--conc", type=int, default=32)
    ap.add_argument("--unique-every", type=int, default=5, help="a new user text every N-th request")
    ap.add_argument("--every", type=float, default=10.0, help="seconds between RSS samples")
    ap.add_argument("--bastion", default=str(Path(sys.executable).parent / "bastion"))
    args = ap.parse_args()
    seconds = args.minutes * 60
    mock_port, port = free_port(), free_port()
    run_dir = tempfile.mkdtemp(prefix="bastion-soak-")
    upstream = f"http://127.0.0.1:{mock_port}"
    env = dict(os.environ, BASTION_ADMIN_KEY=KEY, BENCH_UPSTREAM=upstream, BENCH_UPSTREAM_V1=upstream + "/v1",
               BENCH_RUN_DIR=run_dir)  # fmt: skip
    log = open(Path(run_dir) / "gateway.log", "wb")  # noqa: SIM115 - open for the gateway's lifetime
    mock = subprocess.Popen([sys.executable, str(HERE / "mock.py"), "--port", str(mock_port)])
    config = BENCH / "gateways" / args.gateway / "config.yaml"
    gateway = subprocess.Popen(
        [args.bastion, "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_port(mock_port, 20)
        wait_port(port, 60)
        client = subprocess.Popen(
            [sys.executable, str(HERE / "client.py"), f"http://127.0.0.1:{port}/v1/chat/completions",
             "--prompt-file", args.prompt_file, "--rate", str(args.rate), "--seconds", str(seconds),
             "--conc", str(args.conc), "--unique-every", str(args.unique_every)],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        t0 = time.time()
        warm = max(30.0, seconds / 10)
        samples: list[tuple[float, int]] = []
        while client.poll() is None:
            time.sleep(args.every)
            if gateway.poll() is not None:
                raise SystemExit(f"the gateway exited with {gateway.returncode}; see {run_dir}/gateway.log")
            samples.append((time.time() - t0, rss_kib(gateway.pid)))
            print(f"{samples[-1][0]:7.0f} s  RSS {samples[-1][1] / 1024:8.1f} MiB", flush=True)
        out, _ = client.communicate()
        result = orjson.loads(out.strip().splitlines()[-1])
    finally:
        for proc in (gateway, mock):
            proc.terminate()
            proc.wait(30)
        log.close()
    after = [rss for t, rss in samples if t >= warm]
    base, end, peak = after[0], after[-1], max(after)
    print(f"\n{result['requests']} requests in {result['seconds']:.0f} s "
          f"({result['requests'] / result['seconds']:.0f}/s), {result['errors']} errors")  # fmt: skip
    print(f"RSS after warm-up ({warm:.0f} s): {base / 1024:.1f} MiB; at the end: {end / 1024:.1f} MiB; "
          f"peak {peak / 1024:.1f} MiB; growth {100 * (end - base) / base:+.1f} %")  # fmt: skip
    shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
