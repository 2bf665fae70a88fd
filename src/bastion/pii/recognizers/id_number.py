"""ID_NUMBER: national identifiers with their own structure (UK NINO, German tax ID, French INSEE) and
context-anchored document/account numbers (passport, driver licence, ID card, bank account, routing,
sort code).
"""

from __future__ import annotations

from bastion.pii.recognizers.base import BUSINESS_WORDS, Pattern, Recognizer, digits_of


def german_tax_id_ok(digits: str) -> bool:
    """ISO 7064 MOD 11,10 check digit of the 11-digit Steuerliche Identifikationsnummer."""
    if len(digits) != 11 or digits[0] == "0":
        return False
    product = 10
    for ch in digits[:10]:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = (11 - product) % 10
    return check == int(digits[10])


def insee_ok(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    body, key = compact[:13], compact[13:]
    body = body.replace("2A", "19").replace("2B", "18")
    return body.isdigit() and key.isdigit() and 97 - int(body) % 97 == int(key)


def aba_routing_ok(digits: str) -> bool:
    if len(digits) != 9:
        return False
    d = [int(c) for c in digits]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


# The context words (lower case). The context-only patterns run only when one of them occurs in the text.
_CONTEXT = (
    "passport",
    "licence",
    "license",
    "driver",
    "driving",
    "dl",
    "dl#",
    "id number",
    "id no",
    "id card",
    "identity",
    "identification",
    "national id",
    "nino",
    "national insurance",
    "insurance number",
    "insee",
    "sécurité sociale",
    "steuer",
    "steuernummer",
    "steueridentifikationsnummer",
    "steuer-identifikationsnummer",
    "identifikationsnummer",
    "steuerliche",
    "steuer-id",
    "steuerid",
    "idnr",
    "tax id",
    "tax number",
    "tin",
    "dni",
    "nie",
    "cpf",
    "pesel",
    "bsn",
    "personnummer",
    "henkilötunnus",
    "account",
    "acct",
    "a/c",
    "routing",
    "aba",
    "sort code",
    "bank",
    "iban",
    "personalausweis",
    "reisepass",
    "passnummer",
    "pass-nr",
    "passnr",
    "passeport",
    "pasaporte",
    "passaporto",
    "paspoort",
    "paszport",
    "paszportu",
    "dowód osobisty",
    "dowodu osobistego",
    "carta d'identità",
    "carta di identità",
    "id-kaart",
    "identiteitskaart",
    "ausweis",
    "permis",
    "pasaporte",
    "cédula",
    "curp",
    "aadhaar",
    "pan card",
    "medicare",
    "nhs",
    "member id",
    "patient id",
    "employee id",
)


class IdNumberRecognizer(Recognizer):
    label = "ID_NUMBER"
    prefilter = r"\d{2}"
    patterns = (
        Pattern(
            "uk-nino",
            # (?<![\w-])(?!BG|GB|NK|KN|TN|NT|ZZ)XY..., written letter-first (see base.class_first)
            r"[A-CEGHJ-PR-TW-Z](?<![\w-][A-Z])[A-CEGHJ-NPR-TW-Z](?<!BG|GB|NK|KN|TN|NT|ZZ)"
            r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w-])",
            0.6,
        ),
        Pattern(
            "fr-insee",
            r"(?<![\w-])[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB])"
            r" ?\d{3} ?\d{3} ?\d{2}(?![\w-])",
            0.6,
        ),
        Pattern("de-tax-id", r"(?<![\w-])[1-9]\d ?\d{3} ?\d{3} ?\d{3}(?![\w-])", 0.3, needles=_CONTEXT),
        Pattern("sort-code", r"(?<![\w-])\d{2}-\d{2}-\d{2}(?![\w-])", 0.2, needles=_CONTEXT),
        Pattern(
            "document",
            # (?<![\w-])(?=[A-Za-z-]{0,6}\d)[A-Za-z0-9]..., written character-first (see base.class_first)
            r"[A-Za-z0-9](?<![\w-][A-Za-z0-9])(?:(?<=\d)|(?=[A-Za-z-]{0,5}\d))[A-Za-z0-9-]{3,18}[A-Za-z0-9]"
            r"(?![\w-])",
            0.2,
            needles=_CONTEXT,
        ),
    )
    context = _CONTEXT
    context_window = 40
    context_boost = 0.6

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        value = text[start:end]
        digits = digits_of(value)
        context = self.has_context(text, start, end, after=0)
        if pattern.name == "fr-insee" and not insee_ok(value):
            return None
        if pattern.name == "de-tax-id" and not german_tax_id_ok(digits):
            return None
        if pattern.name == "document":
            # passport and ID-card serials mix letters and digits ("L01X00T47", "CA00000AA")
            serial = 8 <= len(value) <= 10 and len(digits) >= 3 and not value.isdigit()
            if (len(digits) < 5 and not serial) or not context or value.count("-") > 3:
                return None
            if BUSINESS_WORDS.search(text, max(0, start - 24), start):
                return None
            window = text[max(0, start - self.context_window) : start].lower()
            if "routing" in window or "aba" in window:
                return 0.85 if aba_routing_ok(digits) else None
        return pattern.score + (self.context_boost if context else 0.0)
