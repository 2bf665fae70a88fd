"""Writes a large Squid access log (native format) for the shadow-AI scan benchmark: 10% of requests go
to catalogued AI services (a third of them to domains the catalogue matches by suffix, e.g. regional
Bedrock endpoints), the rest to ordinary sites; 5,000 users; one malformed line in 10,000.

    python bench/shadow/generate.py /tmp/shadow-bench.log --size 1G
"""

from __future__ import annotations

import argparse
import random

AI_HOSTS = ["chatgpt.com", "api.openai.com", "claude.ai", "gemini.google.com", "copilot.microsoft.com",
            "www.perplexity.ai", "chat.deepseek.com", "bedrock-runtime.eu-west-1.amazonaws.com",
            "us-central1-aiplatform.googleapis.com", "files.oaiusercontent.com", "api.groq.com", "poe.com",
            "huggingface.co", "cdn-lfs.huggingface.co", "api.githubcopilot.com",
            "www.cursor.com"]  # fmt: skip
OTHER_HOSTS = [f"www.site{i}.example" for i in range(20_000)] + [
    "www.google.com", "outlook.office.com", "github.com", "slack.com", "www.wikipedia.org",
]  # fmt: skip


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--size", default="1G")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    target = parse_size(args.size)
    rnd = random.Random(args.seed)
    users = [f"user{i:05d}" for i in range(5000)]
    t = 1796115600.0
    written = lines = 0
    with open(args.path, "w", encoding="ascii") as out:
        while written < target:
            chunk = []
            for _ in range(10_000):
                t += rnd.random() * 0.01
                lines += 1
                if lines % 10_000 == 0:
                    chunk.append(f"{t:.3f} garbage\n")
                    continue
                host = rnd.choice(AI_HOSTS) if rnd.random() < 0.1 else rnd.choice(OTHER_HOSTS)
                user = rnd.choice(users)
                ip = f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
                size = rnd.randrange(300, 90_000)
                if rnd.random() < 0.7:
                    chunk.append(f"{t:.3f} {rnd.randrange(5, 9000):6d} {ip} TCP_TUNNEL/200 {size} CONNECT "
                                 f"{host}:443 {user} HIER_DIRECT/93.184.215.14 -\n")  # fmt: skip
                else:
                    chunk.append(f"{t:.3f} {rnd.randrange(5, 9000):6d} {ip} TCP_MISS/200 {size} GET "
                                 f"http://{host}/path/{rnd.randrange(10**6)} {user} "
                                 "HIER_DIRECT/93.184.215.14 text/html\n")  # fmt: skip
            data = "".join(chunk)
            out.write(data)
            written += len(data)
    print(f"{args.path}: {written / (1 << 20):.0f} MiB, {lines:,} lines")


if __name__ == "__main__":
    main()
