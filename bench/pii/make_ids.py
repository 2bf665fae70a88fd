"""Fictitious national ID numbers with correct check digits, for writing hand-made evaluation sentences.

The check digits are computed here from the published algorithms, independently of the detector's
validators (so a validator bug shows up as a miss instead of being baked into the set). The numbers are
random: they pass the checksum but belong to nobody. Usage: python bench/pii/make_ids.py [SEED]
"""

from __future__ import annotations

import random
import sys

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]
VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 9, 8, 7, 6]
CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]
ICAO_VALUES = {c: i for i, c in enumerate("0123456789")} | {chr(65 + i): 10 + i for i in range(26)}


def digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def nhs(rng: random.Random) -> str:
    while True:
        body = digits(rng, 9, "0123456789")
        check = 11 - sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return body + str(check)


def steuer_id(rng: random.Random) -> str:
    while True:
        body = digits(rng, 10)
        counts = sorted((body.count(d) for d in set(body)), reverse=True)
        if counts[0] not in (2, 3) or counts[1] != 1:
            continue
        product = 10
        for d in body:
            total = (int(d) + product) % 10 or 10
            product = (total * 2) % 11
        check = (11 - product) % 10
        return body + str(check)


def ausweis(rng: random.Random) -> str:
    alphabet = "CFGHJKLMNPRTVWXYZ0123456789"
    body = rng.choice("CFGHJKLMNPRTVWXYZ") + "".join(rng.choice(alphabet) for _ in range(8))
    return body + str(icao_check(body))


def icao_check(value: str) -> int:
    return sum(ICAO_VALUES[c] * w for c, w in zip(value, [7, 3, 1] * 10, strict=False)) % 10


def nir(rng: random.Random) -> str:
    sex = rng.choice("12")
    body = sex + f"{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}"
    body += f"{rng.randint(1, 990):03d}{rng.randint(1, 999):03d}"
    key = 97 - int(body) % 97
    return body + f"{key:02d}"


def dni(rng: random.Random) -> str:
    n = rng.randint(10_000_000, 99_999_999)
    return f"{n}{DNI_LETTERS[n % 23]}"


def nie(rng: random.Random) -> str:
    prefix = rng.choice("XYZ")
    n = rng.randint(1_000_000, 9_999_999)
    return f"{prefix}{n}{DNI_LETTERS[int(str('XYZ'.index(prefix)) + str(n)) % 23]}"


def codice_fiscale(rng: random.Random) -> str:
    letters = "BCDFGHLMNPRSTVZ"
    body = "".join(rng.choice(letters) for _ in range(6))
    body += f"{rng.randint(50, 99):02d}" + rng.choice("ABCDEHLMPRST") + f"{rng.randint(1, 71):02d}"
    body += rng.choice("ADFGHLMZ") + f"{rng.randint(1, 999):03d}"
    total = 0
    for i, c in enumerate(body):
        v = int(c) if c.isdigit() else ord(c) - 65
        total += CF_ODD[v] if i % 2 == 0 else v
    return body + chr(65 + total % 26)


def bsn(rng: random.Random) -> str:
    while True:
        body = digits(rng, 8)
        rest = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11
        if rest < 10:
            return body + str(rest)


def pesel(rng: random.Random) -> str:
    year = rng.randint(50, 99)
    body = f"{year:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + digits(rng, 4, "0123456789")
    weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    check = (10 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 10) % 10
    return body + str(check)


def personnummer(rng: random.Random) -> str:
    body = f"{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + digits(
        rng, 3, "0123456789"
    )
    total = 0
    for i, d in enumerate(body):
        v = int(d) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return f"{body[:6]}-{body[6:]}{(10 - total % 10) % 10}"


def aadhaar(rng: random.Random) -> str:
    body = digits(rng, 11, "23456789")
    c = 0
    for i, d in enumerate(reversed(body)):
        c = VERHOEFF_D[c][VERHOEFF_P[(i + 1) % 8][int(d)]]
    number = body + str(VERHOEFF_INV[c])
    return f"{number[:4]} {number[4:8]} {number[8:]}"


def pan(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return (
        "".join(rng.choice(letters) for _ in range(3))
        + "P"
        + rng.choice(letters)
        + digits(rng, 4, "0123456789")
        + rng.choice(letters)
    )


def nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
        second = "A"
    return (
        f"{first}{second} {digits(rng, 2, '0123456789')} {digits(rng, 2, '0123456789')} "
        f"{digits(rng, 2, '0123456789')} {rng.choice('ABCD')}"
    )


MAKERS = {
    "NHS": nhs,
    "STEUER_ID": steuer_id,
    "PERSONALAUSWEIS": ausweis,
    "NIR": nir,
    "DNI": dni,
    "NIE": nie,
    "CODICE_FISCALE": codice_fiscale,
    "BSN": bsn,
    "PESEL": pesel,
    "PERSONNUMMER": personnummer,
    "AADHAAR": aadhaar,
    "PAN": pan,
    "NINO": nino,
}


def main() -> int:
    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    for name, make in MAKERS.items():
        print(f"{name:16} " + "  ".join(make(rng) for _ in range(4)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
