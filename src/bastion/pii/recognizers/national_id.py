"""ID_NUMBER: European and Indian national identifiers, each with its published check digit.

UK NHS number (mod 11), German Personalausweis (7-3-1), Spanish DNI and NIE (mod 23 letter), Italian codice
fiscale (odd/even table letter), Dutch BSN (11-test), Polish PESEL (weights 1-3-7-9, date), Swedish
personnummer (Luhn, date), Indian Aadhaar (Verhoeff) and PAN (format, holder type). UK NINO, German Steuer-ID
and French INSEE/NIR are in ``id_number.py``.

Formats that carry letters (DNI, NIE, codice fiscale, PAN, personnummer with its dash) are reported on their
own once the check passes; all-digit ones (NHS, BSN, PESEL, Aadhaar, Personalausweis) need a context word
nearby, because about one random number in ten passes a check digit.
"""

from __future__ import annotations

from datetime import date

from bastion.pii.recognizers.base import BUSINESS_WORDS, Pattern, Recognizer, digits_of, luhn_ok

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
# Codice fiscale check character: value of each character at odd (1st, 3rd, ...) positions.
# A digit counts as the letter in the same place of the alphabet (0 as A, 9 as J).
_CF_ODD_LETTERS = (
    1,
    0,
    5,
    7,
    9,
    13,
    15,
    17,
    19,
    21,
    2,
    4,
    18,
    20,
    11,
    3,
    6,
    8,
    12,
    14,
    16,
    10,
    22,
    25,
    24,
    23,
)


def _cf_index(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - 65


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 7, 6, 8, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def nhs_ok(digits: str) -> bool:
    if len(digits) != 10:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return check != 10 and check % 11 == int(digits[9])


def _char_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - 55  # A=10 ... Z=35


def ausweis_ok(value: str) -> bool:
    """German ID card serial (9 characters) followed by its 7-3-1 check digit."""
    v = value.upper()
    if len(v) != 10 or not v[9].isdigit():
        return False
    total = sum(_char_value(ch) * (7, 3, 1)[i % 3] for i, ch in enumerate(v[:9]))
    return total % 10 == int(v[9])


def dni_ok(value: str) -> bool:
    v = value.upper().replace("-", "").replace(" ", "")
    if v[:1] in {"X", "Y", "Z"}:
        v = str("XYZ".index(v[0])) + v[1:]
    return len(v) == 9 and v[:8].isdigit() and _DNI_LETTERS[int(v[:8]) % 23] == v[8]


def codice_fiscale_ok(value: str) -> bool:
    v = value.upper()
    if len(v) != 16:
        return False
    if not v[:15].isalnum() or not v.isascii():
        return False
    values = [_cf_index(ch) for ch in v[:15]]
    total = sum(_CF_ODD_LETTERS[x] if i % 2 == 0 else x for i, x in enumerate(values))
    return chr(65 + total % 26) == v[15]


def bsn_ok(digits: str) -> bool:
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def pesel_ok(digits: str) -> bool:
    if len(digits) != 11:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:10], (1, 3, 7, 9) * 3, strict=False))
    if (10 - total % 10) % 10 != int(digits[10]):
        return False
    yy, mm, dd = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    century = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}.get(mm - (mm - 1) % 20 - 1)
    return century is not None and _valid_date(century + yy, (mm - 1) % 20 + 1, dd)


def personnummer_ok(value: str) -> bool:
    digits = digits_of(value)
    if len(digits) == 12:
        year, digits = int(digits[:4]), digits[2:]
    elif len(digits) == 10:
        year = 2000 + int(digits[:2])
    else:
        return False
    day = int(digits[4:6])
    day = day - 60 if day > 60 else day  # samordningsnummer: day + 60
    return luhn_ok(digits) and _valid_date(year, int(digits[2:4]), day)


def verhoeff_ok(digits: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


_CONTEXT = (
    "nhs",
    "nhs no",
    "nhs number",
    "personalausweis",
    "ausweis",
    "ausweisnummer",
    "ausweis-nr",
    "ausweisnr",
    "ausweis-nummer",
    "personalausweisnummer",
    "id card",
    "identity card",
    "dni",
    "nie",
    "nif",
    "documento",
    "codice fiscale",
    "cod. fisc",
    "c.f.",
    "tessera sanitaria",
    "bsn",
    "burgerservicenummer",
    "sofinummer",
    "pesel",
    "numer pesel",
    "personnummer",
    "personnr",
    "samordningsnummer",
    "aadhaar",
    "aadhar",
    "uidai",
    "pan",
    "pan card",
    "permanent account number",
    "id number",
    "id no",
    "national id",
    "identification",
    "identity",
    "dowód",
    "dowodu",
    "carta d'identità",
    "carta d'identita",
    "identiteitskaart",
)

_B = r"(?![\w-])"


class NationalIdRecognizer(Recognizer):
    label = "ID_NUMBER"
    prefilter = r"\d"  # an ID card serial may hold no three digits in a row ("GM1CCGCXV9")
    patterns = (
        Pattern("nhs", rf"(?<![\w-])\d{{3}}[ -]?\d{{3}}[ -]?\d{{4}}{_B}", 0.3),
        Pattern("ausweis", rf"(?<![\w-])[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{{8}}\d{_B}", 0.3),
        Pattern("dni", rf"(?<![\w-])\d{{8}}[ -]?[A-Za-z]{_B}", 0.6),
        Pattern("nie", rf"(?<![\w-])[XYZxyz][ -]?\d{{7}}[ -]?[A-Za-z]{_B}", 0.6),
        Pattern(
            "codice-fiscale",
            rf"(?<![\w-])[A-Za-z]{{6}}\d{{2}}[ABCDEHLMPRSTabcdehlmprst]\d{{2}}[A-Za-z]\d{{3}}[A-Za-z]{_B}",
            0.7,
        ),
        Pattern("bsn", rf"(?<![\w-])\d{{4}}\.?\d{{2}}\.?\d{{3}}{_B}", 0.3),
        Pattern("bsn-3", rf"(?<![\w-])\d{{3}}[ .]\d{{3}}[ .]\d{{3}}{_B}", 0.3),
        Pattern("pesel", rf"(?<![\w-])\d{{11}}{_B}", 0.3),
        Pattern("personnummer", rf"(?<![\w-])(?:19|20)?\d{{6}}[-+]\d{{4}}{_B}", 0.6),
        Pattern("personnummer-bare", rf"(?<![\w-])(?:19|20)\d{{10}}{_B}", 0.3),
        Pattern("aadhaar", rf"(?<![\w-])[2-9]\d{{3}}[ -]?\d{{4}}[ -]?\d{{4}}{_B}", 0.3),
        Pattern("pan", rf"(?<![\w-])[A-Z]{{3}}[PCHFATBLJG][A-Z]\d{{4}}[A-Z]{_B}", 0.55),
    )
    context = _CONTEXT
    context_window = 48
    context_boost = 0.55

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        value = text[start:end]
        name = pattern.name
        digits = digits_of(value)
        ok = {
            "nhs": lambda: nhs_ok(digits),
            "ausweis": lambda: ausweis_ok(value),
            "dni": lambda: dni_ok(value),
            "nie": lambda: dni_ok(value),
            "codice-fiscale": lambda: codice_fiscale_ok(value),
            "bsn": lambda: bsn_ok(digits),
            "bsn-3": lambda: bsn_ok(digits),
            "pesel": lambda: pesel_ok(digits),
            "personnummer": lambda: personnummer_ok(value),
            "personnummer-bare": lambda: personnummer_ok(value),
            "aadhaar": lambda: verhoeff_ok(digits),
            "pan": lambda: True,
        }[name]()
        if not ok or len(set(digits)) == 1:
            return None
        if BUSINESS_WORDS.search(text, max(0, start - 24), start):
            return None
        return pattern.score + self.context_bonus(text, start, end)
