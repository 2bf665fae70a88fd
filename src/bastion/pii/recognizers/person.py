"""PERSON: runs of capitalised words scored with name gazetteers, salutations and sentence context.

Data: given/family-name lists (``data/first_names.txt``, ``data/last_names.txt``), frequent English words
(which demote names such as "Will" or "Grant"), name particles, titles and context phrases. No model needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bastion.pii.gazetteer import Gazetteer, load_gazetteer
from bastion.pii.recognizers.base import Recognizer
from bastion.pii.recognizers.tokens import MAX_TOKENS, Token, tokenize
from bastion.pii.span import Span

PARTICLES = frozenset(
    " ".join(
        ("van von de da del della der den di du la le bin ibn al el ten ter dos das do y zu af mac st",)
    ).split()
)
# Capitalised words that start sentences or headings and are never names on their own.
NOT_NAMES = frozenset(
    " ".join(
        (
            "i the a an my our your his her their this that these dear hi hello hey thanks regards mr "
            "mrs ms dr prof sir monday tuesday wednesday thursday friday saturday sunday january "
            "february march april june july august september october november december street road "
            "avenue suite apt inc ltd llc name phone email e-mail mobile address date user bot ok yes "
            "no not please when where what who how why if is it its he she we they you us him them "
            "can do does did "
            # capitalised at a sentence start in de, fr, es, it, nl, pl, sv: pronouns, articles, verbs
            # (not those that are also given names or surnames: Mia, Ma, Han, Min, Son, Le, Lei, Su)
            # nor name particles: Du, Der, Des, Das, Van)
            "ich er sie es wir ihr mein meine meinen meiner mir mich dein deine sein seine unser "
            "die ein eine einen bitte termin danke "
            "je il nous vous ils elles mon mes appelez merci "
            "yo él mi mis sus los las tengo fecha gracias "
            "io lui mio miei tuo suo sua gli sono grazie "
            "ik jij hij zij wij mijn jouw zijn het een bel dank "
            "wy mój moja moje twój jego jej jest dziękuję "
            "jag mitt hon tack hallo servus bonjour salut hola ciao hoi cześć witam grüße cordialement "
            "saludos saluti groeten pozdrawiam",
        )
    ).split()
)
# Role and speaker words that label a turn in a transcript or a model's output ("Echo: ...", "Doctor: ...",
# the demo model's "Echo:" prefix): at line start and followed by a colon they are labels, not names. Real
# given names used as speaker labels ("Maria: ...") stay PERSONs.
SPEAKER_ROLES = frozenset(
    " ".join(
        (
            "assistant user human ai bot chatbot system model echo agent customer client speaker interviewer "
            "interviewee narrator host guest moderator operator caller support admin question answer reply "
            "response output input prompt doctor patient nurse judge lawyer attorney counsel witness "
            "defendant plaintiff prosecutor officer reporter teacher student man woman boy girl child "
            "mother father mom dad chatgpt gpt copilot bard cortana",
        )
    ).split()
)
# A speaker label: only whitespace or markdown before it on its line, then an optional markdown close and ':'.
_LABEL_BEFORE = re.compile(r"(?:^|\n)[ \t>#*_-]*$")
_LABEL_AFTER = re.compile(r"[*_]{0,3}:")
# Place-type and organisation-type words: a capitalised run containing one is an address or a company.
ADDRESS_WORDS = frozenset(
    " ".join(
        (
            "rue rua via viale calle carrer avenida avda avenue av boulevard piazza plaza praça "
            "street st road rd lane drive court square squares sq place way park ul ulica str straße "
            "strasse weg laan straat travessa largo camino paseo quinta alley branch bridge brook "
            "brooks bypass camp canyon cape causeway center centre circle cliff club common corner "
            "course cove creek crescent crest crossing crossroad curve dale dam divide estate "
            "expressway extension extensions falls ferry fields flat flats ford forest forge forges "
            "fork fort freeway gardens gateway glen grove harbor harbour haven heights highway hills "
            "hollow inlet island islands isle junction knoll lakes landing lodge loop mall manor "
            "meadow meadows mews mill mills motorway mount mountain orchard oval overpass parkway "
            "pass passage path pike pines plains point port prairie ramp ranch rapids ridge river "
            "route row shoal shore skyway springs spur station stravenue stream summit terrace "
            "throughway trace track trail tunnel turnpike underpass valley viaduct view village ville "
            "vista walk wells close rise orchestra band inc ltd llc corp corporation company group "
            "holdings partners associates bank university institute foundation solutions systems "
            "technologies labs consulting capital ventures industries enterprises agency hospital "
            "clinic society association trust stripes records cite cité greens forks cliffs radial "
            "server cloud studio pro edition desktop platform framework api sdk",
        )
    ).split()
)
# Names that are also everyday words; Title-case alone does not make them names (headlines, song titles).
WORDY_NAMES = frozenset(
    " ".join(
        (
            "will may can back day love baby power hope white black green brown young key park long "
            "little king queen prince princess lord major general judge page hall church house field "
            "wood stone bell case price rich star sun summer winter spring autumn faith joy chance "
            "sky rain storm river lake hill north south east west english french german royal new old "
            "big best free good great happy lucky true sweet honey gold silver rock art music angel "
            "pop dance jazz soul blues don see said so secretly all my me",
        )
    ).split()
)
# Verbs that, right after an unknown capitalised word, say it names a person ("Quionia is from ...").
_PERSON_VERB_AFTER = re.compile(
    r" (?:spent|lives|lived|shouted|whispered|was born|is from|had given|began|said|says|asked|told|"
    r"mentioned|replied|wrote|agreed|suggested|promised|apologi[sz]ed|texted|emailed|messaged|"
    r"called me|is off|is out of office|is on leave)\b"
)
_POSSESSIVE_BEFORE = re.compile(r"(?:'s|\u2019s) $")
_HOUSE_NUMBER_BEFORE = re.compile(r"(?:(?<![\d.,:/-])\d{1,6}|\bUSN[SV]|\bUSCGC|\bC/) $")
_HOUSE_NUMBER_AFTER = re.compile(r" (?:\d{1,5}[A-Za-z]?\b(?![.,:/]\d)|(?:u|utca|str|st)\.)")
_DETERMINER_BEFORE = re.compile(r"(?i)\b(?:the|a|an|this|that|these|those|our|your|my|its)\s$")
# Before any name, these make it a thing or a title: "the Morris Minor", "a Denver omelette".
_ARTICLE_BEFORE = re.compile(r"(?i)\b(?:the|a|these|those|its|het)\s$")
# "Dijkstra's algorithm", "Newton's laws": a possessive then a thing noun.
_POSSESSIVE_NEXT = re.compile(r"(?:'s|\u2019s|'|\u2019) ([a-z][a-z'-]{1,24})\b")
# "General Motors", "Chelsea Flower Show": a capitalised everyday word right after the run.
_NEXT_CAPITAL = re.compile(r" ([A-Z][a-z]{1,24})\b")
_PREV_CAPITAL = re.compile(r"\b([A-Z][a-z]{1,24}) $")
_CODE_CASE = re.compile(r"[a-z][A-Z]{2,}|[a-z][A-Z]$")
# "is now called Kenvue", "an app called Notion": a thing's name, unless a person word precedes.
_THING_CALLED_BEFORE = re.compile(
    r"(?i)\b(?:now|company|product|app|firm|brand|startup|tool|project|service|"
    r"place|town|city|village|band|song|book|film|movie|show|game|library|drug|medicine)\s{1,3}(?:now\s)?"
    r"(?:called|named)\s{1,4}$"
)
_CONTEXT_BEFORE = re.compile(
    r"(?i)(?:\b(?:name\s?(?:is|was|:|\?)|names?:|i\s?am|i'm|called|named|call\s+me|signed|contact|patient|customer|"
    r"client|employee|user|author|by|cc|attn|from|dear|hi|hello|hey|thanks|thank\s+you|regards|sincerely|cheers|"
    r"mr|mrs|ms|mx|miss|dr|prof|sir|madam|mister|herr|frau|mme|mlle|señor|señora|sr|sra|with|and|met|ask|tell|"
    r"for|to|about|student|teacher|doctor|nurse|manager|colleague|friend|husband|wife|son|daughter|mother|"
    r"father|brother|sister|mom|dad|uncle|aunt|boss|candidate|applicant|tenant|owner|holder|recipient|"
    r"hallo|servus|bonjour|salut|hola|ciao|hoi|cześć|witam|hej|grüße|gruß|cordialement|saludos|saluti|"
    r"groet|groeten|pozdrawiam|pozdrowienia|hälsningar|mvh|ping|"
    r"sig|sig\.ra|dott|dott\.ssa|dhr|mevr|mevrouw|meneer|pan|pani|señorita|don|doña|"
    r"sender|witness|suspect|victim|member|guest|passenger|driver|artist|singer|actor|actress|director|"
    r"writer|novelist|poet|player|coach|ceo|cto|founder)\.?|[:,])\s{0,4}$"
)
_STRONG_BEFORE = re.compile(
    r"(?i)(?:\b(?:name\s?(?:is|was|:|\?)|names?:|i\s?am|i'm|called|named|call\s+me|signed|dear|hi|hello|hey|"
    r"thanks|regards|sincerely|cheers|mr|mrs|ms|mx|miss|dr|prof|sir|madam|mister|herr|frau|mme|mlle|señor|"
    r"señora|sr|sra|user:|by|attn|says|said|asked|told|starring|featuring|hallo|bonjour|hola|ciao|hoi|"
    r"cześć|grüße|cordialement|saludos|saluti|groet|pozdrawiam|sig|dott|dhr|mevrouw|meneer|pan|pani|"
    r"señorita|ask|ping|cc|yo)\.?|name:)\s{0,4}$|(?i:\b(?:thanks|regards|cheers|hi|hello|hey|dear),\s{1,4})$"
)
_CONTEXT_AFTER = re.compile(
    r"^(?:'s|\u2019s|:\s?[\"A-Z]|\s(?:said|says|wrote|writes|told|tells|asked|asks|replied|is|was|spent|shouted|"
    r"who|has|had|will|"
    r"would|thinks|lives|works|was\s+born|\()|\s?,\s(?:the|a|an|our|my|who)\s)",
    re.IGNORECASE,
)
# Last words of the context phrases above: the context regexes run only when the preceding word is one.
_TRIGGERS = frozenset(
    " ".join(
        (
            "is was am i'm me name names called named signed contact patient customer client employee "
            "user author by cc attn from dear hi hello hey thanks you regards sincerely cheers mr mrs ms "
            "mx miss dr prof sir madam mister herr frau mme mlle señor señora sr sra with and met ask "
            "tell for to about student teacher doctor nurse manager colleague friend husband wife son "
            "daughter mother father brother sister mom dad uncle aunt boss candidate applicant tenant "
            "owner holder recipient sender witness suspect victim member guest passenger driver artist "
            "singer actor actress director writer novelist poet player coach ceo cto founder the a an "
            "says said asked told starring featuring hallo servus bonjour salut hola ciao hoi cześć witam "
            "hej grüße gruß cordialement saludos saluti groet groeten pozdrawiam pozdrowienia hälsningar "
            "mvh ping sig sig.ra dott dott.ssa dhr mevr mevrouw meneer pan pani señorita don doña "
            "this that these those our your my its yo",
        )
    ).split()
)


# Companies and products named after people: a lone one of these is a brand unless a title or an
# introduction says otherwise ("Mr. Ford", "my name is Dell"); two-word names ("Harrison Ford") still count.
BRANDS = frozenset(
    " ".join(
        (
            "ford dell tesla porsche ferrari lamborghini maserati bugatti mercedes benz dior chanel gucci "
            "prada armani versace boeing disney kellogg heinz cadbury nestlé nestle philips siemens bosch "
            "honda "
            "toyota suzuki yamaha kawasaki peugeot renault citroën citroen opel skoda volvo ikea lego "
            "adidas reebok hilton marriott hermès hermes cartier bloomberg reuters dyson hoover "
            "gillette colgate wrigley hershey ferrero lindt heineken carlsberg guinness goodyear michelin "
            "pirelli fender gibson tesco lidl sainsbury barclays lloyds goldman sachs dolby kärcher miele "
            "rolex bacardi jameson hennessy chevrolet chrysler cadillac mcdonald mcdonald's "
            "wendy's dunkin kraft hewlett packard compaq dewalt makita braun zeiss leica nikon "
            "canon olympus pentax bose samsung google santander bbva apple microsoft nvidia amazon oracle "
            "intel ibm cisco adobe salesforce hubspot uber lyft netflix spotify tiktok paramount warner "
            "fiat telefónica telefonica repsol inditex zara danone barilla lavazza unilever asml orlen "
            "allegro biedronka audi volkswagen vw bmw lexus mazda nissan subaru hyundai kia jaguar bentley "
            "rolls royce aston martin maybach lincoln dodge jeep ram buick tata mahindra infosys wipro "
            "deloitte accenture mckinsey kpmg honeywell gartner forrester hilton hyatt ritz "
            "carlton sheraton westin wyndham",
        )
    ).split()
)
# Nouns that follow an eponym ("Hamilton path", "Victoria sponge", "Nobel prize"): the name is a thing.
EPONYM_NOUNS = frozenset(
    " ".join(
        (
            "sandwich sponge cake pie salad sauce green blue red boots telescope path plan model test "
            "algorithm method equation theorem effect law principle scale number curve distribution "
            "process cycle index prize award medal fleet vaccine shares stock stocks engine transform "
            "constant "
            "conjecture lemma paradox problem fonts font typeface pigment paint dressing cheese beef "
            "chicken pizza burger tea coffee brand brands product products laptop laptops car cars "
            "mustard ham wine beer bread resort resorts style omelette omelet beans bean sprouts bacon "
            "toast waffles waffle sausage sausages buns bun roll rolls soup stew curry rice noodles pasta "
            "steak fries chips salmon pudding tart cookies biscuits muffin cocktail sling punch "
            "sneakers trainers shoes jacket coat hat bag watch guitar amplifier amplifiers piano truck "
            "trucks van bike bus jeep boat tractor printer phone phones tablet server servers camera "
            "laws rule rules series sequence function functions integral matrix graph graphs tree trees "
            "code cipher machine machines diagram diagrams projection chart charts number numbers ratio "
            "brothers sisters memorial bridge square station airport terrier spaniel retriever shepherd "
            "cow cattle horse cat dog breed syndrome disease trophy cup league lecture lectures "
            "fellowship scholarship university college school hospital museum library avenue street "
            "dealership dealer motorcycle motorcycles showroom franchise",
        )
    ).split()
)
# Lower-case words that may follow a person's name: verbs and function words are not modified nouns.
FUNCTION_WORDS = frozenset(
    " ".join(
        (
            "is was are were be been has had have will would can could should may might must did does do "
            "said says and or but nor for from to in on at by with of as if so then than that which who "
            "whom whose when while where why how after before during since until about into onto over "
            "under again also already always never now today tomorrow yesterday tonight next last this "
            "these those there here it its he she they we you i me him her us them my your our their his "
            "not no yes just only still even too very much more most less least all any each every some "
            "both either neither such own same other another next week month year weekend morning "
            "evening night soon later",
        )
    ).split()
)
# Possessives of fr/it/es/pl that are also given names, and the relation nouns that follow them.
POSSESSIVE_LOOKALIKES = frozenset(("ma", "mia", "mi", "mon", "sa", "son", "mio", "moja", "mój", "mein"))
RELATION_NOUNS = frozenset(
    " ".join(
        (
            "femme mari mère père frère sœur soeur fille fils collègue voisin voisine copain copine patron "
            "moglie marito madre padre fratello sorella figlio figlia collega capo vicino vicina nonno nonna "
            "esposa esposo hermano hermana hijo hija jefe jefa vecino vecina abuelo abuela novio novia "
            "żona mąż matka ojciec brat siostra syn córka szef sąsiad frau mann mutter vater bruder "
            "schwester sohn tochter chef nachbar",
        )
    ).split()
)
# Endings of German (and some Dutch/Polish) nouns, which are capitalised mid-sentence but are no names.
NOUN_SUFFIXES = (
    "ung",
    "heit",
    "keit",
    "schaft",
    "nummer",
    "ausweis",
    "datum",
    "tion",
    "ität",
    "ismus",
    "zeug",
    "vertrag",
    "bericht",
    "rechnung",
    "termin",
)
_THING_BEFORE = re.compile(
    r"(?i)\b(?:project|product|codename|code\s+name|operation|sprint|release|branch|repo|service|model|"
    r"brand|app|library|package|module|plugin|framework|engine|server|cluster|room|space|channel|board|"
    r"workspace|instance|bucket|database|table|queue|topic|namespace|pipeline|job|repository|vault|"
    r"team|squad|workstream|initiative|program|programme|codenamed)\s{1,3}$"
)
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:in|at|near|à|au|en|nach|aus|im|te|uit|naar|dans|w|we|przy|i)|\d,)\s{1,3}$"
)
_AMPERSAND_AFTER = re.compile(r" ?& ?[A-Z]")
_AMPERSAND_BEFORE = re.compile(r"[A-Za-z] ?& ?$")
_NEXT_WORD = re.compile(r" ([a-z][a-z'-]{1,24})\b")


def _before(text: str, start: int) -> str | None:
    """The 24 characters before ``start`` if they end in a context trigger word or ':'/',' (else None)."""
    window = text[max(0, start - 24) : start]
    stripped = window.rstrip()
    if not stripped:
        return None
    if stripped[-1] in ":,":
        return window
    last = stripped.rsplit(None, 1)[-1].lower().rstrip(".?!;")
    return window if last in _TRIGGERS else None


def _speaker_label(text: str, start: int, end: int) -> bool:
    """``Echo: ...`` at the start of a line (markdown such as ``**Echo:**`` allowed around it)."""
    return _LABEL_AFTER.match(text, end) is not None and (
        _LABEL_BEFORE.search(text, max(0, start - 8), start) is not None
    )


def _glued_to_digits(text: str, tok: Token) -> bool:
    """ "Ab1Ab1", "x86": letters stuck to digits are codes, not names."""
    return (tok.end < len(text) and text[tok.end].isdigit()) or (
        tok.start > 0 and text[tok.start - 1].isdigit()
    )


def _could_be_unknown_name(text: str, start: int, end: int, word: Token, gaz: Gazetteer) -> bool:
    before = _before(text, start)
    if before is not None and _STRONG_BEFORE.search(before):
        return True
    return (
        len(word.text) >= 4
        and word.lower not in gaz.common_words
        and (bool(_PERSON_VERB_AFTER.match(text, end)) or _next_to_a_given_name(text, start, end, gaz))
    )


_GREETINGS = frozenset(
    ("hey", "hi", "hello", "yo", "thanks", "thx", "dear", "hallo", "hola", "ciao", "salut")
)
_GREETING_BEFORE = re.compile(r"(?i)(?:^|[\s,.!])(?:hey|hi|hello|yo|thanks|thx|dear|hallo|hola|ciao|salut) $")
_GREETED = re.compile(r"\s?[,!:]|\s*$|\s*\n")
_NAME_AND_BEFORE = re.compile(r"\b([A-Z][^\W\d_]{2,24}) (?:and|or|&) $")
_AND_NAME_AFTER = re.compile(r" (?:and|or|&) ([A-Z][^\W\d_]{2,24})\b")


def _next_to_a_given_name(text: str, start: int, end: int, gaz: Gazetteer) -> bool:
    """ "Ravi and Sunita": an unknown word joined by "and"/"or" to a given name is a name too."""
    m = _NAME_AND_BEFORE.search(text, max(0, start - 30), start) or _AND_NAME_AFTER.match(text, end)
    if m is None:
        return False
    other = m.group(1).lower()
    return other in gaz.first_names and other not in gaz.common_words


class PersonRecognizer(Recognizer):
    label = "PERSON"

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        self._gaz = gazetteer or load_gazetteer()
        gaz = self._gaz
        # The only lower-case words that can start a name (``leone mazzi``, ``my name is nina``): the rest of
        # the lower-case words, most of any text, are skipped with one set look-up.
        self._lower_starts = (gaz.first_names | gaz.last_names) - gaz.common_words
        # Capitalised words that cannot start a name either ("The", "Please"): words that are no name.
        self._not_starts = NOT_NAMES | (gaz.common_words - gaz.first_names - gaz.last_names)

    wants_tokens = True

    def analyze(self, text: str, lower: str | None = None) -> Iterator[Span]:
        return self.analyze_tokens(text, tokenize(text, MAX_TOKENS), lower)

    def analyze_tokens(
        self, text: str, tokens: list[Token], lower: str | None = None, present: frozenset[str] | None = None
    ) -> Iterator[Span]:
        lower_starts, not_starts = self._lower_starts, self._not_starts
        resume = 0  # tokens before this index are part of a run already scored
        for i, tok in enumerate(tokens):
            if i < resume:
                continue
            if tok.capitalised:
                if tok.lower in not_starts and len(tok.text) > 1 and not tok.text.isupper():
                    continue
            elif tok.lower not in lower_starts and not (i and tokens[i - 1].lower in _GREETINGS):
                continue
            run = self._run_from(text, tokens, i)
            if not run:
                continue
            span = self._score_run(text, run)
            if span is not None:
                yield span
            resume = i + len(run)

    def _candidate(self, tok: Token) -> bool:
        if tok.initial:
            return tok.dotted or tok.text not in {"I", "A"}
        if tok.lower in NOT_NAMES or len(tok.text) > 30:
            return False
        if not tok.capitalised:
            return False
        if tok.shouting:
            return self._gaz.is_name(tok.lower)
        return self._gaz.is_name(tok.lower) or tok.lower not in self._gaz.common_words

    def _run_from(self, text: str, tokens: list[Token], i: int) -> list[Token]:
        first = tokens[i]
        if _glued_to_digits(text, first):
            return []
        if not self._candidate(first) or (
            first.initial and first.dotted is False and first.text in {"A", "I"}
        ):
            return self._lower_pair(text, tokens, i) or self._lower_after_intro(text, first)
        run = [first]
        j = i + 1
        while j < len(tokens) and len(run) < 5:
            tok, prev = tokens[j], run[-1]
            between = text[prev.end : tok.start]
            if between not in {" ", ". "} or (between == ". " and not prev.initial):
                break
            if (
                tok.lower in PARTICLES
                and not tok.capitalised
                and j + 1 < len(tokens)
                and self._candidate(tokens[j + 1])
                and text[tok.end : tokens[j + 1].start] == " "
            ):
                run.extend((tok, tokens[j + 1]))
                j += 2
                continue
            if not self._candidate(tok):
                break
            run.append(tok)
            j += 1
        while run and (run[-1].lower in PARTICLES or (run[-1].initial and len(run) > 1 and run[-1].dotted)):
            run.pop()
        return run

    def _lower_pair(self, text: str, tokens: list[Token], i: int) -> list[Token]:
        """``leone mazzi``, ``codey m ross``: a lower-case given name, an optional initial, then a family name
        (or any word that is not an English word); the given name must not be an English word either."""
        gaz = self._gaz
        a = tokens[i]
        if a.capitalised or len(a.text) < 3 or a.lower not in gaz.first_names or a.lower in gaz.common_words:
            return []
        run = [a]
        j = i + 1
        if (
            j < len(tokens)
            and tokens[j].initial is False
            and len(tokens[j].text) == 1
            and text[a.end : tokens[j].start] == " "
        ):
            run.append(tokens[j])
            j += 1
        if j >= len(tokens):
            return []
        b = tokens[j]
        gap = text[run[-1].end : b.start]
        if b.capitalised or gap not in {" ", ". "} or len(b.text) < 3 or b.lower in gaz.common_words:
            return []
        if b.lower in gaz.last_names or (b.lower not in gaz.first_names and b.lower not in gaz.places):
            return [*run, b]
        return []

    def _lower_after_intro(self, text: str, tok: Token) -> list[Token]:
        """``my name is nina``: a lower-case given name right after a strong introduction; ``hey fatou,``:
        any lower-case word that is no English word right after a greeting and before a comma."""
        if tok.capitalised or tok.lower in self._gaz.common_words:
            return []
        if not self._gaz.is_name(tok.lower):
            greeted = _GREETED.match(text, tok.end) and _GREETING_BEFORE.search(
                text, max(0, tok.start - 8), tok.start
            )
            return [tok] if greeted and len(tok.text) >= 3 and tok.text.isalpha() else []
        before = _before(text, tok.start)
        return [tok] if before is not None and _STRONG_BEFORE.search(before) else []

    def _score_run(self, text: str, run: list[Token]) -> Span | None:
        gaz = self._gaz
        words = [t for t in run if not t.initial and t.lower not in PARTICLES]
        if not words:
            return None
        start, end = run[0].start, run[-1].end
        if run[-1].initial and run[-1].dotted:
            end += 1
        if len(run) == 1 and words[0].lower in SPEAKER_ROLES and _speaker_label(text, start, end):
            return None
        hits = [t for t in words if gaz.is_name(t.lower)]
        if not hits and len(words) == 1 and not _could_be_unknown_name(text, start, end, words[0], gaz):
            return None  # fast exit: an unknown single word needs a strong context or a person verb
        # A name that is also an English word ("Mary", "Grant") counts as strong when Title-case mid-sentence.
        mid_sentence = not self._at_sentence_start(text, start)
        strong = [
            t
            for t in hits
            if t.lower not in gaz.common_words
            or (mid_sentence and t.capitalised and not t.shouting and t.lower not in WORDY_NAMES)
        ]
        before = _before(text, start)
        if not hits and _THING_CALLED_BEFORE.search(text, max(0, start - 30), start):
            return None
        strong_context = before is not None and _STRONG_BEFORE.search(before) is not None
        if not strong_context and (
            self._thing_not_person(text, start, end, words, hits)
            or self._part_of_a_phrase(text, start, end, words, mid_sentence)
        ):
            return None
        # "Gordon Terrace", "Rua Diadema", "Hall Orchestra": a street/organisation type word first or last.
        if (
            len(words) > 1
            and not strong_context
            and (words[-1].lower in ADDRESS_WORDS or words[0].lower in ADDRESS_WORDS)
        ):
            return None
        context = (
            strong_context
            or (before is not None and _CONTEXT_BEFORE.search(before) is not None)
            or bool(_CONTEXT_AFTER.search(text[end : end + 16]))
        )
        if not strong_context and (
            (not strong and before is not None and _DETERMINER_BEFORE.search(before)) or self._is_place(run)
        ):
            return None
        if not hits and _POSSESSIVE_BEFORE.search(text, max(0, start - 3), start):
            return None  # "Yefremova's Cautionary Tales": a title, not a second person
        person_verb = (
            len(words) == 1
            and len(words[0].text) >= 4
            and words[0].lower not in gaz.common_words
            and (
                _PERSON_VERB_AFTER.match(text, end) is not None
                or _next_to_a_given_name(text, start, end, gaz)
            )
        )
        score = self._score(words, hits, strong, (context, strong_context or person_verb), len(run))
        if score is None:
            return None
        # "5850 Jana Nerudy 894", "USNS Bergman": a name-like run inside an address is a street or ship.
        if _HOUSE_NUMBER_BEFORE.search(text, max(0, start - 8), start) or _HOUSE_NUMBER_AFTER.match(
            text, end
        ):
            return Span(start, end, "LOCATION", score)
        return Span(start, end, self.label, score)

    def _score(
        self,
        words: list[Token],
        hits: list[Token],
        strong: list[Token],
        contexts: tuple[bool, bool],
        run_length: int,
    ) -> float | None:
        gaz = self._gaz
        context, strong_context = contexts
        if not words[0].capitalised:
            return 0.55
        if len(words) >= 2:
            if all(t.shouting for t in words) and not strong_context:
                return 0.85 if len(strong) == len(words) else None
            if strong or (words[0].lower in gaz.first_names and words[-1].lower in gaz.last_names):
                return 0.85
            if hits or strong_context:
                return 0.7 if strong_context else (0.6 if context else 0.45)
            if not any(t.lower in gaz.common_words for t in words):
                return 0.55  # capitalisation pattern alone: unknown Title-case words in a row
            return None
        word = words[0]
        if word.shouting and not strong_context:
            return None
        if strong:
            score = 0.8 if context else 0.6
        elif hits:
            score = 0.7 if context else 0.0
        else:
            score = 0.6 if strong_context else 0.0
        if run_length == 1 and word.lower in gaz.places and not context:
            # "runs through Boston": the place, unless context; a given name ("Florence") less so
            score -= 0.1 if word.lower in gaz.first_names else 0.2
        return score if score > 0 else None

    def _thing_not_person(
        self, text: str, start: int, end: int, words: list[Token], hits: list[Token]
    ) -> bool:
        """Names used as things: brands named after people ("Ford", "Dell"), firms joined by "&"
        ("Johnson & Johnson"), eponyms before a thing noun ("Victoria sponge", "Paris green",
        "Hubble telescope"), and unknown capitalised German nouns ("Personalausweis Nr")."""
        if _AMPERSAND_AFTER.match(text, end) or _AMPERSAND_BEFORE.search(text, max(0, start - 4), start):
            return True
        if any(t.lower not in self._gaz.first_names and t.lower.endswith(NOUN_SUFFIXES) for t in words):
            return True
        if _THING_BEFORE.search(text, max(0, start - 24), start):
            return True
        if words[0].lower in BRANDS and not any(t.lower in self._gaz.last_names for t in words[1:]):
            return True  # "Bosch Kühlschrank", "Renault Clio": a brand and its product
        if len(words) != 1:
            return False
        lower = words[0].lower
        if lower in ADDRESS_WORDS and lower in self._gaz.common_words:
            return True  # "Company", "Bank" alone
        if not self._at_sentence_start(text, start) or lower not in POSSESSIVE_LOOKALIKES:
            pass
        else:
            after = _NEXT_WORD.match(text, end)
            if after is not None and after.group(1) in RELATION_NOUNS:
                return True  # "Ma femme", "Mia sorella": a possessive, not the name Ma or Mia
        if (
            lower in self._gaz.places
            and lower not in self._gaz.first_names
            and _PLACE_BEFORE.search(text, max(0, start - 12), start)
        ):
            return True  # "à Lyon", "in Madrid", "12, Madrid": the place recognizer reports it
        after = _NEXT_WORD.match(text, end)
        return after is not None and after.group(1) in EPONYM_NOUNS

    def _part_of_a_phrase(
        self, text: str, start: int, end: int, words: list[Token], mid_sentence: bool
    ) -> bool:
        """Name-like words inside a longer name of a thing: after an article ("the Jetson Orin"), before a
        capitalised everyday word ("General Motors", "Chelsea Flower Show"), before a possessive and a thing
        noun ("Newton's laws") or a thing noun after a full name ("Stan Smith trainers"), a demonym of a
        city ("Berliner Pfannkuchen"), or everyday words opening a sentence ("Add French toast")."""
        gaz = self._gaz
        named = words[0].lower in gaz.first_names and words[-1].lower not in gaz.common_words
        if not named and _ARTICLE_BEFORE.search(text, max(0, start - 8), start):
            return True  # but "a Harvey Leach concert", "the Hannah McConnan file" are about a person
        nxt = _NEXT_CAPITAL.match(text, end)
        if nxt is not None:
            lower = nxt.group(1).lower()
            if lower in gaz.common_words and lower not in gaz.first_names and lower not in NOT_NAMES:
                return True
        poss = _POSSESSIVE_NEXT.match(text, end)
        if poss is not None and poss.group(1) in EPONYM_NOUNS:
            return True
        after = _NEXT_WORD.match(text, end)
        if len(words) > 1 and after is not None and after.group(1) in EPONYM_NOUNS:
            return True
        if any(_CODE_CASE.search(t.text) for t in words):
            return True  # "MongoDB", "PostgreSQL": product and code names
        prev = _PREV_CAPITAL.search(text, max(0, start - 26), start)
        if (
            prev is not None
            and (word := prev.group(1).lower()) in gaz.common_words
            and not gaz.is_name(word)
            and word not in _TRIGGERS
            and not self._at_sentence_start(text, prev.start(1))
        ):
            return True  # "the Sydney Opera House": after a capitalised everyday word mid-sentence
        first = words[0].lower
        if first.endswith("er") and (first[:-2] in gaz.places or first[:-3] in gaz.places):
            return True
        return not mid_sentence and len(words) > 1 and all(t.lower in gaz.common_words for t in words)

    def _is_place(self, run: list[Token]) -> bool:
        """A run that names a place: multi-word place names, or single words that are not given names."""
        phrase = " ".join(t.lower for t in run)
        if phrase in self._gaz.countries:
            return True
        if phrase not in self._gaz.places:
            return False
        return len(run) > 1 or not self._gaz.is_name(phrase)

    @staticmethod
    def _at_sentence_start(text: str, start: int) -> bool:
        before = text[max(0, start - 3) : start].rstrip(" ")
        return not before or before[-1] in ".!?\n:\"'"
