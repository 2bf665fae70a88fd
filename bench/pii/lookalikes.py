"""PII-free texts full of look-alikes (order numbers, versions, timestamps, hashes, placeholder keys, ...):
share of texts with no detection at all. Generated from templates with random values (seeded)."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import Counter

from bastion.pii import PiiEngine, PiiSettings

TEMPLATES = (
    "Order #{n8} shipped on {date} and invoice INV-{n6} is attached.",
    "Please upgrade from v{ver} to v{ver2} before {iso}.",
    "Build {n5} finished at {time} in {ms} ms (commit {sha1}).",
    "The checksum is sha256:{sha256}.",
    "md5 {md5} does not match the expected digest.",
    "Set OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx in your .env file.",
    'Replace YOUR_API_KEY with the key from the dashboard, e.g. api_key = "<your-api-key>".',
    "Use AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY from the AWS docs.",
    "Tracking number {n12} is out for delivery; ticket {n4}-{n4}-{n4} was closed.",
    "Card ending in {n4} was charged {amount} EUR (reference {n16bad}).",
    "Request id {uuid} failed with status 503 after {ms} ms.",
    "The matrix is {n3}x{n3} and took {float} seconds on {n2} cores.",
    "Python {ver} on Linux 6.{n1}.0-{n2}-amd64; uptime {time}.",
    "SKU {n7}-{n3} is back in stock; {n2} units at warehouse {n1}.",
    "Timestamp {iso} logged by worker-{n2} (pid {n5}).",
    "Version {ver}.{n1} of the library was released on {date}.",
    "Our revenue grew {n2}% to {amount} million in Q{q} {year}.",
    "Call the function with timeout={n2} and retries={n1}.",
    "Set the token to an empty string and the secret to null in config.yaml.",
    "The password must be at least 12 characters and include a digit.",
    "Coordinates in the grid: ({n3}, {n3}) to ({n3}, {n3}).",
    "Error E{n4}: connection reset by peer at 10:{n2m}:{n2m}.",
    "See section {n1}.{n1}.{n1} of the RFC for details.",
    "Deploy image registry.internal/app:{ver} with {n1} replicas.",
    "How do I sort a list of dictionaries by a key in Python?",
    "Summarise the quarterly report in three bullet points.",
    "The meeting moved to Thursday at {time}; bring the Q{q} numbers.",
    "Item {n6} weighs {float} kg and costs {amount} USD.",
    "Hash of the file: {sha1}; size {n7} bytes.",
    "Use the placeholder sk_test_XXXXXXXXXXXXXXXX for local testing.",
)


def fill(template: str, rng: random.Random) -> str:
    def digits(n: int) -> str:
        return str(rng.randrange(10 ** (n - 1), 10**n))

    def bad_luhn16() -> str:
        while True:
            value = "4" + digits(15)
            doubled = (
                int(d) if i % 2 == 0 else sum(divmod(2 * int(d), 10)) for i, d in enumerate(value[::-1])
            )
            total = sum(doubled)
            if total % 10:
                return value

    token = hashlib.sha256(str(rng.random()).encode())
    date = f"{rng.randrange(2000, 2030)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    clock = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    values = {f"n{k}": digits(k) for k in (2, 3, 4, 5, 6, 7, 8, 12)}
    values |= {
        "n1": str(rng.randrange(1, 10)),
        "n2m": f"{rng.randrange(60):02d}",
        "n16bad": bad_luhn16(),
        "ver": f"{rng.randrange(1, 4)}.{rng.randrange(20)}.{rng.randrange(20)}",
        "ver2": f"{rng.randrange(4, 9)}.{rng.randrange(20)}",
        "year": str(rng.randrange(1990, 2030)),
        "date": date,
        "iso": f"{date}T{clock}Z",
        "time": clock,
        "ms": digits(3),
        "amount": f"{rng.randrange(1, 99999)}.{rng.randrange(100):02d}",
        "q": str(rng.randrange(1, 5)),
        "float": f"{rng.random() * 100:.2f}",
        "sha1": token.hexdigest()[:40],
        "sha256": token.hexdigest(),
        "md5": hashlib.md5(token.digest()).hexdigest(),
        "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
    }
    return template.format(**values)


def main() -> None:
    rng = random.Random(2024)
    engine = PiiEngine(PiiSettings())
    texts = [fill(t, rng) for t in TEMPLATES for _ in range(10)]
    hits = Counter()
    examples = []
    for text in texts:
        spans = engine.detect(text)
        if spans:
            hits.update(s.label for s in spans)
            examples.append((text, [(s.label, text[s.start : s.end]) for s in spans]))
    clean = len(texts) - len(examples)
    print(f"{clean}/{len(texts)} look-alike texts with no detection = {clean / len(texts):.3f}")
    print("false-positive labels:", dict(hits))
    for text, found in examples[:10]:
        print("  ", found, "in", repr(text[:90]))


if __name__ == "__main__":
    main()
