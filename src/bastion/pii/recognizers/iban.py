"""IBAN: country code + check digits + BBAN; exact per-country length and ISO 7064 mod-97 checksum."""

from __future__ import annotations

from bastion.pii.recognizers.base import Pattern, Recognizer

# Total IBAN length per country (SWIFT IBAN registry, plus the widely used partial/experimental ones).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BI": 27,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DJ": 27,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FK": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HN": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "LY": 25,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MN": 20,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NI": 28,
    "NL": 18,
    "NO": 15,
    "OM": 23,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "RU": 33,
    "SA": 24,
    "SC": 31,
    "SD": 18,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "SO": 23,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
    "YE": 30,
    "AO": 25,
    "BF": 28,
    "BJ": 28,
    "CF": 27,
    "CG": 27,
    "CI": 28,
    "CM": 27,
    "CV": 25,
    "DZ": 26,
    "GA": 27,
    "GQ": 27,
    "GW": 25,
    "IR": 26,
    "KM": 27,
    "MA": 28,
    "MG": 27,
    "ML": 28,
    "MZ": 25,
    "NE": 28,
    "SN": 28,
    "TD": 27,
    "TG": 28,
}


def mod97_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(ch if ch.isdigit() else str(ord(ch) - 55) for ch in rearranged)) % 97 == 1


class IbanRecognizer(Recognizer):
    label = "IBAN"
    prefilter = r"[A-Za-z]{2}\d{2}"
    patterns = (Pattern("iban", r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}", 0.95),)

    def trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        length = IBAN_LENGTHS.get(text[start : start + 2].upper())
        if length is None:
            return None
        count, pos = 0, start
        while pos < end and count < length:
            if text[pos].isalnum():
                count += 1
            elif text[pos] not in " -":
                return None
            pos += 1
        if count < length or (pos < len(text) and text[pos].isalnum()):
            return None
        return start, pos

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        raw = text[start:end]
        if " " in raw or "-" in raw:
            # written with separators, an IBAN is grouped in fours: "DE89 3704 0044 0532 0130 00"
            groups = raw.replace("-", " ").split(" ")
            if any(len(g) != 4 for g in groups[:-1]) or not 1 <= len(groups[-1]) <= 4:
                return None
        letters = [ch for ch in raw if ch.isalpha()]
        if not (all(ch.isupper() for ch in letters) or all(ch.islower() for ch in letters)):
            return None  # mixed case is a word or an identifier, not an account number
        compact = "".join(ch for ch in raw if ch.isalnum()).upper()
        if not compact.isascii() or not mod97_ok(compact):
            return None
        return pattern.score
