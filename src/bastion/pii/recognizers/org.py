"""ORG: company names with a legal or business suffix ("Johnson Inc.", "Allstate Insurance Group") and
"Name, Name and Name" partnerships."""

from __future__ import annotations

import re

from bastion.pii.gazetteer import Gazetteer
from bastion.pii.recognizers.base import Pattern, Recognizer
from bastion.pii.recognizers.person import BRANDS

_SUFFIX = (
    r"Inc|Incorporated|LLC|L\.L\.C|Ltd|Limited|GmbH|AG|SA|S\.A|SAS|SARL|SpA|S\.p\.A|BV|B\.V|NV|N\.V|AB|ASA|Oy|"
    r"A/S|ApS|plc|PLC|Corp|Corporation|Company|Co|Group|Holdings|Partners|Associates|LLP|LP|Bank|Insurance|"
    r"University|Institute|Foundation|Solutions|Systems|Technologies|Labs|Consulting|Capital|Ventures|"
    r"Industries|Enterprises|Agency|Hospital|Clinic|Orchestra|Society|Association|Trust|Pty"
)
_CAP = r"[A-Z][\w&'\u2019-]{1,30}"
_JOIN = r"(?:,? (?:and|&) | |, )"


class OrgRecognizer(Recognizer):
    label = "ORG"
    prefilter = r"[A-Z]"
    patterns = (
        # (?<![\w-])(?:{_CAP}{_JOIN}){1,4}, written capital-first (see base.class_first)
        Pattern(
            "suffix",
            rf"[A-Z](?<![\w-][A-Z]){_CAP[5:]}{_JOIN}(?:{_CAP}{_JOIN}){{0,3}}(?:{_SUFFIX})\b\.?",
            0.8,
        ),
        Pattern("partnership", rf"(?<![\w-]){_CAP}, {_CAP},? (?:and|&) {_CAP}(?![\w-])", 0.9),
        Pattern("sons", rf"(?<![\w-]){_CAP}(?: (?:and|&) (?:Sons|Daughters|Partners|Co\.?))(?![\w-])", 0.75),
    )

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        self._first_names = gazetteer.first_names if gazetteer is not None else frozenset()
        # everyday words that are not also names: "National", "General" (not "Johnson")
        self._generic = (
            gazetteer.common_words - gazetteer.first_names - gazetteer.last_names
            if gazetteer is not None
            else frozenset()
        )

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        words = re.findall(r"[^\W\d_][\w'\u2019-]*", text[start:end])
        if any(w.lower() in BRANDS for w in words):
            return (
                None  # "Ford Motor Company", "Apple, Microsoft and Nvidia": well-known firms, no one's data
            )
        if pattern.name == "suffix" and len(words) == 2 and words[0].lower() in self._generic:
            return None  # "National Insurance", "General Hospital": a generic phrase, not a named firm
        if pattern.name == "partnership":
            if text[max(0, start - 3) : start].rstrip().endswith(":"):
                return None  # "our founders: Kónya, Becker and Vasquez" lists people
            if any(w.lower() in self._first_names for w in words if w not in {"and"}):
                return None  # "Kevin, Brittany and Terri": given names, so people
        return pattern.score
