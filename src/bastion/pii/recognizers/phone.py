"""PHONE: international (+CC / 00CC) and national formats, checked with ``phonenumbers``.

International numbers must be possible for their country code. National numbers are ambiguous (order
numbers look the same), so they need either the North-American shape or a phone word nearby, and must be
possible in at least one of ``NATIONAL_REGIONS``.
"""

from __future__ import annotations

import re

import phonenumbers

from bastion.pii.recognizers.base import BUSINESS_WORDS, Pattern, Recognizer

NATIONAL_REGIONS: tuple[str, ...] = (
    "US",
    "GB",
    "FR",
    "DE",
    "IT",
    "ES",
    "NL",
    "BE",
    "CH",
    "AT",
    "SE",
    "NO",
    "DK",
    "FI",
    "IS",
    "PL",
    "CZ",
    "PT",
    "BR",
    "AU",
    "NZ",
    "IE",
    "IN",
    "ZA",
    "CA",
    "MX",
    "JP",
    "HU",
    "GR",
    "CY",
    "SI",
    "EE",
    "HR",
    "UY",
    "RU",
    "TR",
)
_NANP = re.compile(
    r"(?:\+?1[ .-]?|001[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?"
)
_DATE_SHAPE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}|\d{1,2}:\d{2}")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?\d{1,5}$")


class PhoneRecognizer(Recognizer):
    label = "PHONE"
    prefilter = r"\d{2}"
    patterns = (
        Pattern(
            "phone",
            # The look-ahead is implied by what follows it; it only lets most positions fail fast.
            r"(?=[+(\d])(?<![\w+./-])(?<!\d,)(?:\+|00|\()?\d[\d ().-]{5,22}\d"
            r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\w|-\d|[.,]\d)",
            0.45,
        ),
    )
    context = (
        "phone",
        "tel",
        "telephone",
        "call",
        "called",
        "calling",
        "mobile",
        "cell",
        "cellphone",
        "fax",
        "desk",
        "office",
        "home",
        "work",
        "contact",
        "reach",
        "text",
        "sms",
        "whatsapp",
        "dial",
        "ring",
        "answering",
        "ph",
        "message",
        "messages",
        "registered",
        "voicemail",
        "reachable",
        "hotline",
        "landline",
        "tlf",
        "telefon",
        "téléphone",
        "telefone",
        "tfn",
        "handy",
        # de, fr, es, it, nl, pl
        "anrufen",
        "ruf",
        "rufen",
        "rufnummer",
        "telefonnummer",
        "mobil",
        "mobilnummer",
        "festnetz",
        "appelez",
        "appeler",
        "appelle",
        "appelez-moi",
        "portable",
        "tél",
        "llámame",
        "llamar",
        "llama",
        "teléfono",
        "móvil",
        "celular",
        "chiamami",
        "chiamare",
        "telefono",
        "cellulare",
        "bel",
        "bellen",
        "telefoon",
        "mobiel",
        "zadzwoń",
        "dzwoń",
        "telefonu",
        "komórka",
        "komórkowy",
    )
    context_boost = 0.4

    def trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """Greedy candidates can swallow a following number ("+44 20 7946 0958 4111 ..."): keep the longest
        prefix, ending at a digit-group boundary, that is a plausible phone number."""
        if self._score(text, start, end) is not None:
            return start, end
        for cut in range(end - 1, start + 6, -1):
            if (
                text[cut - 1].isdigit()
                and not text[cut].isdigit()
                and self._score(text, start, cut) is not None
            ):
                return start, cut
        return None

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        return self._score(text, start, end)

    def _score(self, text: str, start: int, end: int) -> float | None:
        base = self.patterns[0].score
        raw = text[start:end]
        if "  " in raw or _DATE_SHAPE.search(raw):
            return None
        core = _EXTENSION.sub("", raw)
        digits = sum(ch.isdigit() for ch in core)
        if not 7 <= digits <= 15:
            return None
        if len({ch for ch in core if ch in " .-"}) > 2:
            return None
        if core.startswith(("+", "00")):
            number = "+" + core[2:] if core.startswith("00") else core
            return 0.85 if self._possible(number, None) else None
        if _NANP.fullmatch(raw) and self._possible(core, "US"):
            return 0.7 + self.context_bonus(text, start, end) / 2
        if not self.has_context(text, start, end) or BUSINESS_WORDS.search(text, max(0, start - 24), start):
            return None
        if any(self._possible(core, region) for region in NATIONAL_REGIONS):
            separated = any(ch in " .-()" for ch in core)
            return (base if separated else base - 0.15) + self.context_boost
        return None

    @staticmethod
    def _possible(number: str, region: str | None) -> bool:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.is_possible_number(parsed)
