"""IP_ADDRESS: IPv4 dotted quads and IPv6 (compressed, IPv4-suffixed); versions and times rejected."""

from __future__ import annotations

import ipaddress
import re

from bastion.pii.recognizers.base import Pattern, Recognizer

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Whole words only: "ver 10.0.0.1" is a version, "our server 203.0.113.77" is an address.
_VERSION_BEFORE = re.compile(
    r"(?i)(?<![^\W_])(?:v|ver\.?|vers\.?|version|release|build|rev|revision)\s{0,2}[:=]?\s{0,2}$"
)


class IpAddressRecognizer(Recognizer):
    label = "IP_ADDRESS"
    prefilter = r"\d\.\d|:[0-9A-Fa-f]{0,4}:"
    patterns = (
        Pattern("ipv4", rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?:/\d{{1,2}})?(?![\w]|\.\d)", 0.85),
        Pattern(
            "ipv6",
            r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|:){1,7}(?::|[0-9A-Fa-f]{1,4}|"
            + _OCTET
            + r"(?:\."
            + _OCTET
            + r"){3})(?![\w:]|\.\d)",
            0.85,
        ),
    )

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        value = text[start:end]
        if pattern.name == "ipv4":
            if _VERSION_BEFORE.search(text, max(0, start - 12), start):
                return None
            address = value.split("/", 1)[0]
            try:
                ipaddress.IPv4Address(address)
            except ValueError:
                return None
            return pattern.score
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return None
        groups = [g for g in value.replace(".", ":").split(":") if g]
        if len(groups) < 2 or (len(groups) < 4 and "::" not in value):
            return None
        if sum(len(g) for g in groups) < 5:
            return None
        return pattern.score
