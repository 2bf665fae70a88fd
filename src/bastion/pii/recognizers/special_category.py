"""GDPR Art. 9 special categories: HEALTH, RELIGION, ETHNICITY, POLITICAL_OPINION, SEXUAL_ORIENTATION,
TRADE_UNION, BIOMETRIC and GENETIC data, in en, de, fr, es, it, nl and pl.

A category term is personal data only when a statement ties it to a person: "Jana has been on sick leave for
depression" is, "What are the symptoms of depression?" is not. Each recognizer below is data (its terms, as
patterns gated by substrings) and shares one ``validate`` hook: the term must stand in a sentence that also
names or points at a person: a first- or third-person pronoun or possessive ("I", "my", "she", "seine",
"mój"), a relation word ("my colleague", "mein Bruder"), a title ("Mrs.", "Herr") or a known given name.
Identity terms (religion, ethnicity, orientation) must also be predicated of someone ("is", "a devout",
"converted to"), so "Christian Dior" or "Catholic school" are no hits. The span is the category term, so
pseudonymising or masking removes the sensitive fact and keeps the rest of the prompt.
"""

from __future__ import annotations

import re
from typing import ClassVar

from bastion.pii.gazetteer import Gazetteer
from bastion.pii.recognizers.base import Pattern, Recognizer
from bastion.pii.recognizers.person import WORDY_NAMES

# Words that point at a person (lower case), per language. Third person counts: "she" refers to someone named
# nearby. Plural "they"/"people" does not (a statement about a group is not about an identifiable person).
_PERSON_WORDS = frozenset(
    " ".join(
        (
            # en
            "i i'm i've i'd im me my mine myself he she him his her hers he's she's himself herself "
            "wife husband son daughter mother father mom mum dad brother sister grandmother grandfather "
            "grandma grandpa aunt uncle cousin niece nephew colleague coworker co-worker manager boss "
            "employee neighbour neighbor friend partner boyfriend girlfriend fiancé fiancée tenant "
            "mr mrs ms dr miss mx "
            # de
            "ich mich mir mein meine meinen meiner meinem meines er sein seine seinen seiner seinem "
            "ihr ihre ihren ihrer ihrem kollege kollegin mutter vater bruder schwester sohn tochter "
            "ehemann ehefrau chef chefin nachbar nachbarin freund freundin mitarbeiter mitarbeiterin "
            "herr frau "
            # fr
            "je j'ai j'étais moi mon ma mes il elle lui son sa ses collègue mère père frère sœur soeur "
            "fils fille mari femme voisin voisine patron patronne copain copine m mme mlle "
            # es
            "yo mi mis él ella su sus soy tengo estoy hermano hermana madre padre hijo hija esposo esposa "
            "marido compañero compañera jefe jefa vecino vecina novio novia sr sra "
            # it
            "io mio mia miei mie lui lei suo sua sono ho fratello sorella figlio figlia marito moglie "
            "collega capo vicino vicina fidanzato fidanzata sig sig.ra "
            # nl
            "ik mij mijn hij zij hem haar moeder vader broer zus zoon dochter echtgenoot echtgenote "
            "buurman buurvrouw baas collega's "
            # pl
            "ja mnie mój moja moje mojego mojej mam jestem on ona jego jej brat siostra matka mama "
            "ojciec tata syn córka mąż żona kolega koleżanka szef szefowa sąsiad sąsiadka pan pani",
        )
    ).split()
)
# Given names that are everyday English words first ("May cause drowsiness", "Will this hurt?").
_WORDY = WORDY_NAMES | frozenset(
    " ".join(
        (
            "mark grant bill june april august rose faith hope joy page art sky dawn gay lance chase chuck "
            "pat sue rob ray max eve iris",
        )
    ).split()
)
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
# A sentence ends at . ! ? ; or a line break, but not after a title ("Ms. Nakamura").
_SENTENCE_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bProf)(?<!\bSt)[.!?;\n]\s")
# An identity term is predicated of someone: "is a devout", "ist", "est", "es", "è", "is", "jest", ...
_IS = (
    r"(?:is|am|are|was|were|i'm|he's|she's|being|identifies\s+as|came\s+out\s+as|as|ist|bin|war|"
    r"est|suis|était|es|soy|eres|era|è|sono|sei|ben|zijn|jest|jestem|jesteś|był|była)"
)
_A = r"(?:an?|ein|eine|einer|un|une|uno|una|een)"
_DEVOUT = (
    r"(?:devout|practi[cs]ing|observant|strict|born-again|gläubig\w*|praktizierend\w*|pratiquant\w*|"
    r"practicante|praticante|praktiserend\w*|gelovig\w*|praktykując\w*|wierząc\w*)"
)
_PREDICATE = rf"(?<!\w){_IS}\s{{1,3}}(?:{_A}\s{{1,3}})?(?:{_DEVOUT}\s{{1,3}})?"


def _terms(alternation: str) -> str:
    """The alternation (words or regex fragments) as whole words; a shorter word that is a prefix of a
    longer one needs no ordering, since the trailing word boundary makes the engine try the longer one."""
    return r"(?<!\w)(?:" + alternation + r")(?!\w)"


class SpecialCategoryRecognizer(Recognizer):
    """Shared hook: a term counts only in a sentence that points at a person (see module docstring)."""

    label: ClassVar[str] = "HEALTH"
    flags = re.IGNORECASE
    # How far around the term the sentence is looked at, at most.
    reach_before: ClassVar[int] = 160
    reach_after: ClassVar[int] = 100

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        self._first_names = gazetteer.first_names if gazetteer is not None else frozenset()

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        return pattern.score if self.about_a_person(text, start, end) else None

    def about_a_person(self, text: str, start: int, end: int) -> bool:
        return points_at_person(
            text, start, end, self._first_names, reach=(self.reach_before, self.reach_after)
        )


def points_at_person(
    text: str,
    start: int,
    end: int,
    first_names: frozenset[str],
    *,
    reach: tuple[int, int] = (160, 100),
    not_names: frozenset[str] = frozenset(),
    more: frozenset[str] = frozenset(),
) -> bool:
    """Whether the sentence around ``text[start:end]`` (at most ``reach`` characters before/after) names or
    points at a person: a person word (pronoun, relation, title) or a Title-case given name that is not an
    everyday word ("May") nor one of ``not_names`` (a place recognizer passes place names: "Jackson"), or one
    of the ``more`` words a caller adds."""
    lo = max(0, start - reach[0])
    for m in _SENTENCE_END.finditer(text, lo, start):
        lo = m.end()
    hi_window = text[end : end + reach[1]]
    stop = _SENTENCE_END.search(hi_window)
    hi = end + (stop.start() + 1 if stop else len(hi_window))
    for m in _WORD.finditer(text, lo, hi):
        if start <= m.start() < end:
            continue
        word = m.group()
        lower = word.lower().rstrip(".")
        if lower in _PERSON_WORDS or lower in more:
            return True
        # A given name in Title-case ("Anna" too, though it is a frequent word; not "May", "Will").
        if word[0].isupper() and lower in first_names and lower not in _WORDY and lower not in not_names:
            return True
    return False


class HealthRecognizer(SpecialCategoryRecognizer):
    label = "HEALTH"
    needles = (
        "depress", "anxiety", "diabet", "cancer", "tumo", "hiv", "adhd", "adhs", "autis",
        "bipolar", "schizo", "ptsd", "epilep", "asthma", "dementia", "demenz", "alzheimer", "parkinson",
        "sclero", "sklero", "pregnan", "miscarr", "chemo", "burnout", "burn-out", "sick", "rehab",
        "addict", "alcoholi", "anorex", "bulim", "stroke", "heart attack", "panic", "covid", "hepatitis",
        "tubercul", "krank", "krebs", "schwanger", "herzinfarkt", "sucht", "angststörung", "maladie",
        "enceinte", "dépress", "diabète", "infarctus", "depresi", "embaraz", "baja", "enfermedad",
        "cáncer", "infarto", "incinta", "malattia", "cancro", "diabete", "kanker", "zwanger", "ziek",
        "suikerziekte", "depressie", "depresj", "cukrzyc", "ciąż", "nowotw", "rak", "zwolnieni",
        "l4", "chorob", "zawał", "migraine", "migräne", "insulin", "antidepress", "therapy", "therapie",
        "psychiatr", "disorder", "störung", "trouble", "trastorno", "disturbo", "stoornis", "zaburzen",
        "diagnos", "huntington", "crohn", "coeliac", "celiac", "lupus", "arthritis", "osteopor",
        "hypertension", "blood pressure", "heart disease", "kidney", "leuk", "lymphoma", "fibrosis",
        "syndrome", "palsy", "dyslex", "insomnia", "apn", "chlamydia", "herpes", "concussion", "broken",
        "torn", "hospital",
    )  # fmt: skip
    patterns = (
        Pattern(
            "condition",
            _terms(
                # en
                "depression|depressed|clinical depression|anxiety disorder|anxiety|panic attacks?|"
                "type [12] diabetes|diabetes|diabetic|(?:breast |lung |prostate |skin |colon )?cancer|"
                r"(?:a )?brain tumou?r|hiv(?:[ -]positive)?|adhd|autism|autistic|bipolar(?: disorder)?|"
                "schizophrenia|schizophrenic|ptsd|epilepsy|epileptic|asthma|dementia|alzheimer's|"
                "parkinson's(?: disease)?|multiple sclerosis|pregnant|pregnancy|miscarriage|chemotherapy|"
                "chemo|burnout|burn-out|on sick leave|off sick|sick leave|rehab|addiction|addicted|"
                "alcoholism|alcoholic|eating disorder|anorexia|bulimia|(?:a )?stroke|(?:a )?heart attack|"
                r"long covid|covid(?:-19)?|hepatitis [abc]?|tuberculosis|migraines?|insulin|antidepressants?|"
                "ocd|obsessive[- ]compulsive disorder|personality disorder|psychosis|psychotic|"
                "huntington's(?: disease)?|crohn's(?: disease)?|coeliac disease|celiac disease|lupus|"
                "rheumatoid arthritis|arthritis|osteoporosis|hypertension|high blood pressure|heart disease|"
                "kidney disease|leukaemia|leukemia|lymphoma|cystic fibrosis|down syndrome|cerebral palsy|"
                "dyslexia|insomnia|sleep apnoea|sleep apnea|chlamydia|herpes|concussion|"
                "(?:a )?broken (?:leg|arm|wrist|ankle|hip)|(?:a )?torn (?:acl|ligament)|in hospital|"
                "hospitali[sz]ed|"
                # de
                r"depressionen|depression|angststörung(?:en)?|krebs|\w{0,12}krebs|diabetes|schwanger|"
                r"schwangerschaft|krankgeschrieben|krankschreibung|burn-?out|herzinfarkt|schlaganfall|"
                r"alkoholsucht|drogensucht|\w{0,10}sucht|demenz|adhs|autismus|epilepsie|migräne|"
                r"psychotherapie|antidepressiva|magersucht|essstörung|"
                # fr
                r"dépression|dépressif|dépressive|arrêt maladie|cancer d\w{1,3} \w{2,12}|diabète|diabétique|"
                r"enceinte|grossesse|fausse couche|infarctus|avc|sclérose en plaques|trouble bipolaire|"
                # es
                r"depresión|cáncer(?: de \w{2,12})?|diabetes|diabético|diabética|embarazada|embarazo|"
                r"baja médica|baja por enfermedad|infarto|ictus|esclerosis múltiple|trastorno bipolar|"
                # it
                r"depressione|cancro|tumore|diabete|diabetico|diabetica|incinta|gravidanza|in malattia|"
                r"infarto|ictus|sclerosi multipla|morbo di parkinson|disturbo bipolare|"
                # nl
                r"depressie|depressief|kanker|suikerziekte|diabetes|zwanger|zwangerschap|ziek gemeld|"
                r"ziekgemeld|ziekteverlof|hartaanval|beroerte|burn-out|"
                # pl
                r"depresj[aię]|depresję|cukrzyc[aęy]|w ciąży|ciąży|ciąża|nowotw[óo]r\w{0,3}|raka?|"
                r"zwolnieniu lekarskim|zwolnienie lekarskie|l4|zawał\w{0,3}|udar\w{0,2}|stwardnienie rozsiane"
            ),
            0.75,
        ),
        Pattern("diagnosed", _terms(r"diagnosed with (?:an? )?\w{3,20}(?: \w{3,20})?"), 0.7),
    )


class ReligionRecognizer(SpecialCategoryRecognizer):
    label = "RELIGION"
    needles = (
        "muslim", "christ", "cathol", "katol", "protest", "evangel", "jew", "jüd", "jud", "juif", "juiv",
        "jood", "joods", "hindu", "buddh", "boedd", "sikh", "atheis", "athé", "ateo", "atea", "ateist",
        "agnost", "mormon", "jehova", "islam", "musulm", "moslim", "muzułm", "żyd", "ebre", "cattolic",
        "católic", "katholi", "ortodox", "orthodox", "kosher", "halal", "mosque", "moschee", "mosquée",
        "synagog", "church", "kirche", "église", "iglesia", "chiesa", "kerk", "kości",
    )  # fmt: skip
    _IDENTITY = (
        "muslim|muslima|muslimin|christian|christin|christ|catholic|katholisch|katholik|katholikin|"
        "protestant|protestantisch|evangelical|evangelisch|jewish|jew|jüdisch|jude|jüdin|hindu|buddhist|"
        "buddhistin|sikh|atheist|atheistin|agnostic|agnostiker|mormon|jehovah's witness|zeuge jehovas|"
        "musulman|musulmane|catholique|protestante|juif|juive|bouddhiste|athée|"
        "musulmán|musulmana|católico|católica|judío|judía|budista|ateo|atea|evangélico|evangélica|"
        "musulmano|musulmana|cattolico|cattolica|ebreo|ebrea|ateo|atea|"
        "moslim|moslima|katholiek|joods|jood|christen|boeddhist|atheïst|"
        "muzułmaninem|muzułmanką|muzułmanin|katolikiem|katoliczką|żydem|żydówką|ateistą|ateistką|"
        "buddystą|protestantem|prawosławny|prawosławna|orthodox|ortodosso|ortodossa|ortodoxo|ortodoxa"
    )
    patterns = (
        Pattern("identity", _PREDICATE + r"(" + _terms(_IDENTITY) + r")", 0.75, group=1),
        Pattern(
            "converted",
            r"(?<!\w)(?:converted\s+to|konvertiert(?:e)?\s+zum|converti(?:e)?\s+à\s+l'|convertido\s+al|"
            r"convertida\s+al|convertito\s+all'|convertita\s+all'|bekeerd\s+tot\s+de|przeszedł\s+na|"
            r"przeszła\s+na)\s{0,2}("
            + _terms(
                "islam|christianity|judaism|buddhism|hinduism|catholicism|christentum|judentum|"
                "islamismo|cristianesimo|cristianismo|judaísmo|ebraismo|katholicisme|jodendom|islám|"
                "katolicyzm|judaizm|buddyzm"
            )
            + ")",
            0.75,
            group=1,
        ),
        Pattern(
            "practice",
            r"(?<!\w)((?:prays|goes|goes\s+to|attends|geht\s+in\s+die|va\s+à\s+la|va\s+a\s+la|"
            r"gaat\s+naar\s+de|chodzi\s+do)\s{1,3}(?:the\s+|a\s+)?(?:mosque|synagogue|church|moschee|"
            r"synagoge|kirche|mosquée|synagogue|église|mezquita|sinagoga|iglesia|moschea|chiesa|moskee|"
            r"synagoge|kerk|meczetu|synagogi|kościoła)|keeps?\s+kosher|eats?\s+halal|fasts?\s+during\s+ramadan)",
            0.7,
            group=1,
        ),
    )


class EthnicityRecognizer(SpecialCategoryRecognizer):
    label = "ETHNICITY"
    needles = (
        "roma", "sinti", "aborigin", "indigen", "first nations", "kurd", "uyghur", "uigur", "hispanic",
        "latino", "latina", "descent", "origin", "heritage", "ancestry", "herkunft", "abstammung",
        "afkomst", "pochodzenia", "origine", "origen", "gitan", "gitano", "zigeun", "afro", "biracial",
        "mixed race", "mixed-race", "roots", "wurzeln", "racines", "raíces", "radici", "wortels", "korzenie",
    )  # fmt: skip
    patterns = (
        Pattern(
            "identity",
            _PREDICATE
            + r"("
            + _terms(
                "roma|romani|romnja|sinti|sinto|aboriginal|indigenous|first nations|kurdish|kurdin|kurde|"
                "kurdo|kurda|koerdisch|kurdyjką|kurdem|uyghur|uigure|uigurin|hispanic|latino|latina|"
                "gitano|gitana|gitan|gitane|biracial|mixed[- ]race|afro-\\w{3,12}"
            )
            + ")",
            0.7,
            group=1,
        ),
        Pattern(
            "origin",
            r"(?<!\w)((?:of|van)\s{1,2}\w{3,15}\s{1,2}(?:descent|origin|heritage|ancestry|afkomst)|"
            r"\w{3,15}(?:er|en)\s{1,2}(?:herkunft|abstammung)|"
            r"(?:d'origine|de\s+origen|di\s+origine|pochodzenia)\s{1,2}\w{3,15}|"
            r"(?:has|have|hat|habe|ha|tiene|heeft|ma|mam|a\s+des)\s{1,2}\w{3,15}\s{1,2}"
            r"(?:roots|wurzeln|racines|raíces|radici|wortels|korzenie))",
            0.65,
            group=1,
        ),
    )


class PoliticalOpinionRecognizer(SpecialCategoryRecognizer):
    label = "POLITICAL_OPINION"
    needles = (
        "vote", "voting", "member of", "supporter", "supports", "campaign", "canvass", "mitglied", "wählt",
        "gewählt", "wähler", "membre", "votre", "vota", "militante", "milita", "iscritt", "stemt",
        "stemde", "lid van", "głosuj", "głosował", "członk", "party", "partei", "parti", "partido",
        "partito", "partij", "partii",
    )  # fmt: skip
    flags = re.RegexFlag(0)  # party names are matched in their own capitals; the verbs in any case
    _PARTY = (
        r"(?i:the\s+|die\s+|der\s+|la\s+|le\s+|les\s+|el\s+|il\s+|de\s+|los\s+)?"
        r"((?:[A-Z][\w'-]{1,20}|[A-Z]{2,8})(?:\s+[A-Z][\w'-]{1,20}){0,3}"
        r"(?:\s+(?i:party|partei|parti|partido|partito|partij))?"
        r"|(?i:conservatives?|labour|liberals?|greens?|socialists?|communists?|democrats?|republicans?|"
        r"die\s+grünen|grünen?|verts|vox|podemos)(?!\w))"
    )
    patterns = (
        Pattern(
            "vote",
            r"(?<!\w)(?i:votes?|voted|voting|vote\s+for|votes\s+for|voted\s+for|member\s+of|supporter\s+of|"
            r"supports|campaigns?\s+for|campaigned\s+for|canvass(?:es|ed)?\s+for|"
            r"mitglied\s+(?:der|in\s+der|bei\s+der)|wählt|hat\s+\w{0,12}\s?gewählt|membre\s+d[eu]s?|"
            r"vote\s+pour|a\s+voté\s+pour|vota(?:\s+(?:por|a|per))?|votó\s+(?:por|a)|ha\s+votato|"
            r"militante\s+d[ei]l?|iscritt[oa]\s+al?|stemt(?:\s+op)?|stemde\s+op|lid\s+van\s+de|"
            r"głosuje\s+na|głosował[a]?\s+na|członki?e?m)\s{1,2}" + _PARTY,
            0.7,
            group=1,
        ),
    )

    _PARTY_WORDS = re.compile(
        r"(?i)(?:party|partei|parti|partido|partito|partij|partii|labour|conservative|green|grün|liberal|"
        r"socialist|communist|democrat|republican|afd|cdu|csu|spd|fdp|linke|bsw|tory|tories|snp|ukip|reform|"
        r"pis|po|psoe|pp|vox|podemos|lfi|rn|pd|fdi|lega|m5s|vvd|pvv|d66|cda|sp|pvda|glpvda|ps|lr|ump|"
        r"fidesz|ndp|maga|trump|biden|harris|macron|le\s+pen|meloni|sánchez|tusk|kaczyński|wilders)"
    )

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        if not self._PARTY_WORDS.search(text, start, end):
            return None  # "member of the Board", "supports Python 3.12": not a party
        return super().validate(text, start, end, pattern)


class SexualOrientationRecognizer(SpecialCategoryRecognizer):
    label = "SEXUAL_ORIENTATION"
    needles = (
        "gay", "lesbi", "bisex", "bisek", "homo", "pansex", "asex", "queer", "schwul", "came out",
        "coming out", "gej", "omoses", "trans",
    )  # fmt: skip
    patterns = (
        Pattern(
            "identity",
            _PREDICATE
            + r"("
            + _terms(
                "gay|a\\s+lesbian|lesbian|bisexual|bi|homosexual|pansexual|asexual|queer|transgender|trans|"
                "schwul|lesbisch|bisexuell|homosexuell|lesbe|lesbienne|homosexuelle?|bisexuelle?|"
                "lesbiana|homosexual|bisexual|lesbica|omosessuale|bisessuale|homo|homoseksueel|biseksueel|"
                "gejem|lesbijką|biseksualistą|biseksualna|biseksualny|homoseksualistą"
            )
            + ")",
            0.75,
            group=1,
        ),
        Pattern(
            "came-out",
            r"(?<!\w)(came\s+out(?:\s+as\s+\w{2,12})?|coming-?out|hatte\s+sein\s+coming-?out|"
            r"ha\s+fatto\s+coming\s+out|a\s+fait\s+son\s+coming\s+out)",
            0.7,
            group=1,
        ),
    )


class TradeUnionRecognizer(SpecialCategoryRecognizer):
    label = "TRADE_UNION"
    needles = (
        "union", "steward", "gewerkschaft", "syndic", "sindica", "sindacat", "vakbond", "związk",
        "związkow", "ig metall", "verdi", "ver.di", "fnv", "cnv", "unison", "unite", "gmb", "teamsters",
        "cgt", "cfdt", "ccoo", "ugt", "cgil", "cisl", "uil", "solidarn", "opzz",
    )  # fmt: skip
    patterns = (
        Pattern(
            "member",
            "(?i:"
            + _terms(
                "union members?|union rep(?:resentative)?|shop steward|member of (?:the|a) (?:\\w+ )?union|"
                "gewerkschaftsmitglied|gewerkschafter(?:in)?|mitglied (?:der|in der|einer) gewerkschaft|"
                "syndiqué|syndiquée|délégué syndical|déléguée syndicale|sindicalista|"
                "afiliad[oa] al sindicato|"
                "delegad[oa] sindical|iscritt[oa] al sindacato|sindacalista|delegato sindacale|vakbondslid|"
                "lid van de vakbond|kaderlid|związkowcem|związkowiec|członkiem związku zawodowego|"
                "członkinią związku"
            )
            + ")",
            0.75,
        ),
        Pattern(
            "named",
            r"(?<!\w)(?i:member\s+of|joined|mitglied\s+(?:bei|der|in\s+der)|eingetreten\s+in\s+die|"
            r"membre\s+d[eu]\s+la|adhérent\w?\s+à\s+la|afiliad[oa]\s+a|iscritt[oa]\s+alla|lid\s+van\s+de|"
            r"należy\s+do|członkiem)\s{1,2}(?:the\s+|die\s+|la\s+|de\s+|el\s+)?"
            r"(IG\s+Metall|IG\s+BCE|ver\.?di|Verdi|GEW|FNV|CNV|UNISON|Unite|GMB|Teamsters|AFL-CIO|CGT|CFDT|FO|"
            r"CCOO|UGT|CGIL|CISL|UIL|Solidarno[śs][ćc]|OPZZ|NSZZ)",
            0.8,
            group=1,
        ),
    )
    flags = re.RegexFlag(0)  # named unions in their own capitals ("Unite", not "unite"); the rest in any case


class BiometricRecognizer(SpecialCategoryRecognizer):
    label = "BIOMETRIC"
    needles = ("fingerprint", "face scan", "facial", "iris", "retina", "voiceprint", "voice print", "vein",
               "hand geometry", "gait",
               "fingerabdr", "empreinte", "huella", "impronta", "vingerafdruk", "odcisk")  # fmt: skip
    patterns = (
        Pattern(
            "template",
            _terms(
                "fingerprints?(?: (?:scan|template|data|image|record)s?)?|face scans?|"
                "facial (?:scan|template|"
                "geometry|recognition data)|iris scans?|retina scans?|voiceprints?|voice prints?|"
                "(?:palm|finger) veins? (?:scans?|patterns?|templates?)|hand geometry|"
                "gait (?:data|signature)|"
                "fingerabdr(?:uck|ücke)|empreintes? digitales?|huellas? dactilares?|impront[ae] digital[ei]|"
                "vingerafdruk(?:ken)?|odcisk(?:i)? palc(?:a|ów)"
            ),
            0.7,
        ),
    )


class GeneticRecognizer(SpecialCategoryRecognizer):
    label = "GENETIC"
    needles = ("dna", "genetic", "genom", "brca", "gene", "23andme", "ancestrydna", "gentest", "genetisch",
               "génétique", "genética", "genetico", "genetyczn", "carrier")  # fmt: skip
    patterns = (
        Pattern(
            "test",
            _terms(
                "dna tests?|dna results?|genetic tests?|genetic testing|genetic results?|"
                "genome sequenc\\w{0,5}|"
                "brca[12]?(?: (?:mutation|gene|variant))?|gene mutation|genetic mutation|23andme results?|"
                "ancestrydna results?|carrier of \\w{3,20}|gentest|genetischer test|dna-test|test génétique|"
                "test adn|prueba genética|test genetico|genetische test|test genetyczny|badanie dna"
            ),
            0.7,
        ),
    )
