"""LOCATION: postal addresses (street grammar in many languages, unit/PO-box lines, postcodes after a label)
and place names (cities, countries) from the shipped place gazetteer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bastion.pii.gazetteer import Gazetteer, load_gazetteer
from bastion.pii.recognizers.base import Pattern, Recognizer
from bastion.pii.recognizers.person import _NEXT_CAPITAL, _NEXT_WORD, BRANDS, EPONYM_NOUNS, PARTICLES
from bastion.pii.recognizers.special_category import points_at_person
from bastion.pii.recognizers.tokens import MAX_TOKENS, Token, token_words, tokenize
from bastion.pii.span import Span

_WORD = r"[^\W\d_][^\W\d_'\u2019.-]{0,30}"
_NUM = r"\d{1,5}[A-Za-z]?"
# "52 Huntly Street", "216 Karaiskaki Sq": the type word follows the name.
_SUFFIXES = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|square|sq|terrace|ter|"
    r"way|parkway|pkwy|circle|cir|highway|hwy|crescent|cres|close|gardens|gdns|row|walk|hill|grove|park|"
    r"mews|trail|trl|loop|pike|plaza|alley|view|ridge|heights|estate|flats|port|point|green|vale|"
    r"rue|straße|strasse|str|weg|gasse|platz|allee|laan|straat|gracht|plein|vej|gade|gatan|vägen|veien|gata|"
    r"vegur|utca|tér|út|körút|sokak|caddesi|cesta|ulica|ulice|náměstí|tie|katu|kuja|polku|gränd|torg|stræde"
)
# "Gordon Terrace", "Kishiev Squares": a capitalised name then a (capitalised) street type, no number.
_NAMED_PLACE_TYPES = (
    r"Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Square|Squares|Terrace|Parkway|Circle|Highway|"
    r"Crescent|Close|Gardens|Mews|Trail|Plaza|Alley|Heights|Crossroad|Crossing|Rapids|Bypass|Extensions?|"
    r"Gateway|Prairie|Hills|Brook|Forges?|Junction|Meadows|Turnpike|Expressway|Freeway|Viaduct|Causeway"
)
# "Rue de Virton 38", "Rua Diadema 1903", "ul. Narewska 94": the type word comes first.
_PREFIXES = (
    r"rue|rua|via|viale|vicolo|calle|carrer|avenida|avda|av|avenue|boulevard|bd|bld|chemin|allée|impasse|place|"
    r"piazza|piazzale|plaza|praça|travessa|largo|estrada|rodovia|camino|paseo|ronda|ul|ulica|al|aleja|pl|"
    r"plac|os|osiedle|strada|str|bulevardul|calea|odos|leoforos|πλατεία|οδός|λεωφόρος|улица|ул|проспект"
)
# Finnish/Nordic/German/Dutch compounds: "Koskikatu 25", "Hlíðarvegur 97", "Mellemvej 32".
_COMPOUND = (
    r"katu|tie|kuja|polku|raitti|väylä|vegur|gata|gatan|vägen|veien|vei|vej|gade|stræde|straße|strasse|"
    r"weg|gasse|platz|allee|laan|straat|gracht|plein|singel|kade|dreef|hof|utca|ulice|brekka|braut|stígur"
)


_COMPOUND_ENDINGS = tuple(_COMPOUND.split("|"))


def _word_set(alternation: str) -> frozenset[str]:
    """The lower-cased words of an ``a|b|cs?`` alternation (``cs?`` gives ``c`` and ``cs``): a gate."""
    words = set()
    for word in alternation.lower().split("|"):
        words |= {word[:-2], word[:-1]} if word.endswith("s?") else {word}
    return frozenset(words)


def _first_letters(alternation: str) -> str:
    """The first letters of an alternation's words, for a fail-fast ``(?=(?i:[...]))`` in front of it."""
    return "".join(sorted({word[0] for word in alternation.lower().split("|")}))


_PLACE_TRIGGERS = frozenset(
    " ".join(
        (
            "in from to at near into visit visited visiting live lives lived living moved based located "
            "city town village country of around across toward towards via where where: "
            # de, fr, es, it, nl, pl, sv prepositions and verbs before a place
            "nach aus bei im wohnt lebt à au aux en dans vers habite vive vivo desde hacia abita vivo "
            "woont uit naar te woon mieszka przy we bor från till",
        )
    ).split()
)


# Two-letter capitals that are country/state codes but, in a prompt, mostly mean a department or a term.
_OFFICE_ACRONYMS = frozenset(
    [
        "hr",
        "it",
        "pr",
        "qa",
        "ui",
        "ux",
        "ai",
        "ml",
        "id",
        "ok",
        "pm",
        "am",
        "tv",
        "pc",
        "os",
        "db",
        "vm",
        "ip",
        "ci",
        "cd",
    ]
)


# A city right after a house number or a postcode is part of an address: "12, Madrid", "69003 Lyon".
_ADDRESS_BEFORE = re.compile(r"(?:\d,|\b\d{4,5}|\b[A-Z]{1,2}-?\d{2,5}|\d{2}-\d{3})\s{1,3}$")


_LINE_START = re.compile(r"(?:^|\n)[ \t>#*?|-]*$")
_LINE_END = re.compile(r"[ \t]*(?:[,\n)]|$|[A-Z]{2}\b|\d{3,})")
_WE = frozenset(
    ("we", "us", "our", "ours", "we're", "we've", "wir", "uns", "nous", "nosotros", "noi", "wij", "my")
)


class LocationRecognizer(Recognizer):
    label = "LOCATION"
    patterns = (
        Pattern(
            "street-suffix",
            rf"(?<![\w-]){_NUM},?\s(?:{_WORD}\s){{0,3}}(?i:{_SUFFIXES})\b\.?",
            0.8,
            words=_word_set(_SUFFIXES),
        ),
        Pattern(
            "street-name",
            # (?<![\w-])(?:[A-Z][^\W\d_]{1,30} ){1,3}, written capital-first (see base.class_first)
            rf"[A-Z](?<![\w-][A-Z])[^\W\d_]{{1,30}} (?:[A-Z][^\W\d_]{{1,30}} ){{0,2}}"
            rf"(?:{_NAMED_PLACE_TYPES})(?![\w-])",
            0.55,
            words=_word_set(_NAMED_PLACE_TYPES),
        ),
        Pattern(
            "street-prefix",
            rf"(?=(?i:[{_first_letters(_PREFIXES)}]))(?<![\w-])(?i:{_PREFIXES})\.?\s"
            rf"(?:(?:{_WORD}|de|do|da|di|del|la)\s){{0,4}}"
            rf"(?:{_WORD})(?:\s{_NUM}\b\.?)?",
            0.6,
            words=_word_set(_PREFIXES),
        ),
        # A word then a house number; ``validate`` keeps it if the word ends in a street-type compound.
        Pattern(
            "street-compound",
            rf"(?<![\w-])[^\W\d_]{{4,40}}\s{_NUM}\b\.?",
            0.75,
            word_endings=_COMPOUND_ENDINGS,  # the endings ``validate`` requires
        ),
        Pattern(
            "unit",
            r"(?=(?i:[asufpb]))(?<![\w-])(?i:apt|apartment|suite|ste|unit|flat|po box|p\.o\. box|psc|box)"
            r"\.?\s#?\d{1,6}(?![\w-])",
            0.7,
            words=frozenset(("apt", "apartment", "suite", "ste", "unit", "flat", "box", "psc")),
        ),
        Pattern(
            "us-city-state-zip",
            r"(?<![\w-])[A-Z][A-Za-z]{1,20}(?: [A-Z][A-Za-z]{1,20}){0,2}, [A-Z]{2} \d{5}"
            r"(?:-\d{4})?(?![\w-])",
            0.85,
        ),
        Pattern(
            "postcode",
            # The look-ahead is implied by the alternation; it only lets most positions fail fast.
            r"(?=(?i:[zpc]))(?i:zip|zip code|postal code|postcode|post code|plz|cep|cap)"
            r"\s{0,2}(?:is|:|#)?\s{0,2}([A-Z0-9]{2,5}(?:[ -][A-Z0-9]{2,4})?)(?![\w-])",
            0.75,
            1,
            needles=("zip", "postal", "postcode", "post code", "plz", "cep", "cap"),
        ),
    )
    place_context = re.compile(
        r"(?i)\b(?:in|from|to|at|near|into|visit|visited|visiting|live|lives|lived|living|moved|based|located|"
        r"city|town|village|country|of|around|across|toward|towards|via|where:?|nach|aus|bei|im|wohnt|lebt|"
        r"à|au|aux|en|dans|vers|habite|vive|vivo|desde|hacia|abita|woont|uit|naar|te|woon|mieszka|przy|we|"
        r"bor|från|till)\s{1,3}$|\d,\s{1,3}$"
    )

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        self._gaz = gazetteer or load_gazetteer()
        # Title-case words that do not show a person is meant: places, brands ("Porsche"), particles ("Le").
        self._not_names = self._gaz.places | BRANDS | PARTICLES
        self._names = self._gaz.first_names | (self._gaz.last_names - self._gaz.common_words)

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        if pattern.name == "street-compound":
            word = text[start:end].split(None, 1)[0].lower()
            return pattern.score if len(word) > 4 and word.endswith(_COMPOUND_ENDINGS) else None
        if pattern.name == "postcode":
            return pattern.score if any(ch.isdigit() for ch in text[start:end]) else None
        if pattern.name == "street-prefix":
            return 0.8 if any(ch.isdigit() for ch in text[start:end]) else 0.45
        if pattern.name == "street-name" and not self._locates_someone(text, start, end):
            return None  # "the Madison Square Garden concert": a named place with no number, about no one
        return pattern.score

    wants_tokens = True

    def analyze(self, text: str, lower: str | None = None) -> Iterator[Span]:
        return self.analyze_tokens(text, tokenize(text, MAX_TOKENS), lower)

    def analyze_tokens(
        self, text: str, tokens: list[Token], lower: str | None = None, present: frozenset[str] | None = None
    ) -> Iterator[Span]:
        yield from self.scan(text, lower, token_words(tokens))
        yield from self._places(text, tokens)

    def _places(self, text: str, tokens: list[Token]) -> Iterator[Span]:
        """The longest place name (up to four words, on one line) starting at each capitalised word."""
        places, heads = self._gaz.places, self._gaz.place_heads
        count = len(tokens)
        resume = 0  # tokens before this index belong to a place already reported
        for i, tok in enumerate(tokens):
            if i < resume or not tok.capitalised or (len(tok.text) < 3 and not tok.shouting):
                continue
            best = 0
            if tok.lower in heads:
                for n in (4, 3, 2):
                    if i + n > count:
                        continue
                    last = tokens[i + n - 1]
                    if last.end - tok.start > 60 or "\n" in text[tok.start : last.end]:
                        continue
                    if last.capitalised and " ".join([t.lower for t in tokens[i : i + n]]) in places:
                        best = n
                        break
            if not best and tok.lower in places and tok.lower not in _OFFICE_ACRONYMS:
                # "for this ODE": short capitals in running text are places only after a place word
                # (in an address, "OULU NO", "ΠΑΦΟΣ PA", they follow a number or another capital)
                prev = text[max(0, tok.start - 3) : tok.start].rstrip()[-1:]
                if not (tok.shouting and len(tok.text) <= 4 and prev.islower()) or self._in_context(
                    text, tok.start
                ):
                    best = 1
            if not best:
                continue
            end = tokens[i + best - 1].end
            score = self._place_score(text, tok.start, best, tok.lower)
            if score is not None and not self._locates_someone(text, tok.start, end):
                score = None
            if score is not None:
                yield Span(tok.start, end, self.label, score)
            resume = i + best

    def _locates_someone(self, text: str, start: int, end: int) -> bool:
        """A city or country alone is personal data only where it locates someone: in an address (after a
        house number or a postcode) or in a sentence that names or points at a person ("Lena lives in
        Berlin", "my GP is in Brighton"); "What is the capital of Australia?" is general knowledge."""
        if _ADDRESS_BEFORE.search(text, max(0, start - 12), start):
            return True  # after a house number or a postcode
        if _LINE_START.search(text, max(0, start - 8), start) and _LINE_END.match(text, end):
            return True  # a city on its own line: an address block or a signature
        # a given or family name next to it counts ("for Mei Chen in Rotterdam")
        return points_at_person(text, start, end, self._names, not_names=self._not_names, more=_WE)

    def _in_context(self, text: str, start: int) -> bool:
        window = text[max(0, start - 16) : start]
        last = window.rstrip().rsplit(None, 1)[-1].lower() if window.strip() else ""
        after_number = last.endswith(",") and last[:-1].isdigit()
        return (last in _PLACE_TRIGGERS or after_number) and self.place_context.search(window) is not None

    def _place_score(self, text: str, start: int, n: int, lower: str) -> float | None:
        gaz = self._gaz
        context = self._in_context(text, start)
        if n > 1:
            return 0.75
        after = _NEXT_WORD.match(text, start + len(lower))
        if after is not None and not context and after.group(1) in EPONYM_NOUNS:
            return None  # "Turkey sandwich", "Paris green": a place name used as a modifier
        nxt = _NEXT_CAPITAL.match(text, start + len(lower))
        if nxt is not None and nxt.group(1).lower() in gaz.common_words:
            return None  # "the Turkey Hill ice cream": part of a longer name
        if lower in gaz.common_words:
            return (
                0.6
                if context and lower not in {"may", "will", "mobile", "reading", "bath", "split"}
                else None
            )
        # Also a personal name ("Victoria", "Morales"): without a place context PERSON wins (0.45 < 0.5).
        if gaz.is_name(lower):
            return 0.75 if context else 0.45
        return 0.75 if context else 0.6
