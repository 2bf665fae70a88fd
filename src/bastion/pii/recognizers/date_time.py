"""DATE_TIME: dates that identify a person (birth dates, medical and other appointments).

Dates are everywhere in prompts (releases, deadlines, logs), so a date is reported only next to a word
that makes it personal: born, date of birth, appointment, and their forms in de, fr, es, it, nl and pl.
Formats: numeric (``03/07/1962``, ``12.04.1979``, ``1978-07-13``, ``21-10-1990``) and written with the month
in any of the seven languages (``14 March 2025``, ``3. Februar 2026``, ``5 de mayo de 1990``,
``15 sierpnia 1984``, ``September 9, 1983``, ``June 2nd``).
"""

from __future__ import annotations

import re

from bastion.pii.recognizers.base import Pattern, Recognizer

_MONTH_NAMES = (
    # en
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    # de
    "januar|jänner|februar|märz|mai|juni|juli|oktober|dezember|"
    # fr
    "janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    # es
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    # it
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    # nl
    "januari|februari|maart|mei|augustus|"
    # pl (genitive, as in dates, and nominative)
    "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia|"
    "styczeń|luty|marzec|kwiecień|maj|czerwiec|lipiec|sierpień|wrzesień|październik|listopad|grudzień"
)
_MONTHS = rf"(?:{_MONTH_NAMES})\.?(?!\w)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|e|º|°|\.)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_AMBIGUOUS_LOWER = frozenset(
    {"may", "mar", "jan", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "feb", "apr"}
)

# Words that make a nearby date personal (lower case; whole words). They are also the recognizer's gate.
_CONTEXT = (
    # en
    "born",
    "birth",
    "birthday",
    "birthdate",
    "date of birth",
    "dob",
    "d.o.b",
    "b.",
    "appointment",
    "appt",
    "admitted",
    "admission",
    "discharged",
    "surgery",
    "see you",
    "turns",
    "deceased",
    "died",
    # de
    "geboren",
    "geb.",
    "geburtsdatum",
    "geburtstag",
    "termin",
    "arzttermin",
    "gestorben",
    # fr
    "né",
    "née",
    "naissance",
    "rendez-vous",
    "rdv",
    "anniversaire",
    "décédé",
    "décédée",
    # es
    "nació",
    "nacido",
    "nacida",
    "nacimiento",
    "cita",
    "cumpleaños",
    "falleció",
    # it
    "nato",
    "nata",
    "nascita",
    "appuntamento",
    "compleanno",
    "visita",
    # nl
    "geboortedatum",
    "afspraak",
    "verjaardag",
    "overleden",
    # pl
    "urodzony",
    "urodzona",
    "urodził",
    "urodziła",
    "urodzenia",
    "urodziny",
    "wizyta",
    "wizytę",
    "wizyty",
    # appointments of other kinds (interviews, follow-ups, hearings) in the seven languages
    "interview",
    "follow-up",
    "follow up",
    "check-up",
    "checkup",
    "consultation",
    "hearing",
    "vaccination",
    "entretien",
    "consulta",
    "colloquio",
    "controllo",
    "sprechstunde",
    "vorstellungsgespräch",
    "gesprek",
    "controle",
    "konsultacja",
    "rozmowa",
    # older forms kept from the birth-date recognizer
    "nascimento",
)


class DateOfBirthRecognizer(Recognizer):
    label = "DATE_TIME"
    flags = re.IGNORECASE
    # Substrings of the context words: the recognizer is skipped when none occurs.
    needles = (
        "born",
        "birth",
        "dob",
        "d.o.b",
        "b. ",
        "geb",
        "née",
        "né ",
        "naissance",
        "nacimiento",
        "nascimento",
        "appointment",
        "appt",
        "admi",
        "discharged",
        "surgery",
        "see you",
        "turns",
        "deceased",
        "died",
        "termin",
        "gestorben",
        "rendez-vous",
        "rdv",
        "anniversaire",
        "décédé",
        "nació",
        "nacid",
        "cita",
        "cumpleaños",
        "falleció",
        "nato",
        "nata",
        "nascita",
        "appuntamento",
        "compleanno",
        "visita",
        "geboorte",
        "geboren",
        "afspraak",
        "verjaardag",
        "overleden",
        "urodz",
        "wizyt",
        "interview",
        "follow",
        "check-up",
        "checkup",
        "consult",
        "hearing",
        "vaccinat",
        "entretien",
        "colloquio",
        "controllo",
        "sprechstunde",
        "gespräch",
        "gesprek",
        "controle",
        "konsultac",
        "rozmow",
    )
    patterns = (
        Pattern("numeric", r"(?<![\w./-])\d{1,4}[-./]\d{1,2}[-./]\d{1,4}(?![\w/-]|\.\d)", 0.3),
        Pattern(
            "day-month-year",
            rf"(?<!\w){_DAY}\s{{1,2}}(?:of\s|de\s)?{_MONTHS}(?:[, ]{{1,2}}|\sde\s|\sdel\s){_YEAR}(?!\w)",
            0.3,
        ),
        Pattern(
            "month-day-year",
            rf"(?<!\w){_MONTHS}\s{{1,2}}{_DAY},?\s{{1,2}}{_YEAR}(?!\w)",
            0.3,
        ),
        # Without a year ("June 2nd", "3 March"): only the context makes these personal.
        Pattern("month-day", rf"(?<!\w){_MONTHS}\s{{1,2}}{_DAY}(?![\w:])", 0.25),
        Pattern("day-month", rf"(?<!\w){_DAY}\s{{1,2}}(?:of\s|de\s)?{_MONTHS}", 0.25),
    )
    context = _CONTEXT
    context_window = 60
    context_boost = 0.55

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        if pattern.name == "numeric":
            value = text[start:end]
            parts = re.split(r"[-./]", value)
            if len({ch for ch in value if not ch.isdigit()}) != 1:
                return None
            if not any(len(p) == 4 for p in (parts[0], parts[2])) and len(parts[2]) != 2:
                return None
            if not _plausible(parts):
                return None
        elif pattern.name in {"month-day", "day-month"}:
            words = text[start:end].replace(".", " ").split()
            month = words[0] if pattern.name == "month-day" else words[-1]
            if month in _AMBIGUOUS_LOWER:
                return None  # "you may 2 ...", "mar 3": lower-case English words, not months
        return pattern.score + self.context_bonus(text, start, end)


def _plausible(parts: list[str]) -> bool:
    """Day and month within range in one of the usual orders (d/m/y, m/d/y, y/m/d)."""
    nums = [int(p) for p in parts]
    if len(parts[0]) == 4:
        return 1 <= nums[1] <= 12 and 1 <= nums[2] <= 31
    a, b = nums[0], nums[1]
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
