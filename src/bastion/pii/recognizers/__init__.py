"""The recognizer registry: one entry per recognizer, keyed by a stable name. See README.md here."""

from __future__ import annotations

from collections.abc import Callable

from bastion.pii.gazetteer import Gazetteer
from bastion.pii.recognizers.base import Pattern, Recognizer
from bastion.pii.recognizers.credit_card import CreditCardRecognizer
from bastion.pii.recognizers.date_time import DateOfBirthRecognizer
from bastion.pii.recognizers.email import EmailRecognizer
from bastion.pii.recognizers.iban import IbanRecognizer
from bastion.pii.recognizers.id_number import IdNumberRecognizer
from bastion.pii.recognizers.ip_address import IpAddressRecognizer
from bastion.pii.recognizers.location import LocationRecognizer
from bastion.pii.recognizers.national_id import NationalIdRecognizer
from bastion.pii.recognizers.org import OrgRecognizer
from bastion.pii.recognizers.person import PersonRecognizer
from bastion.pii.recognizers.person_scripts import ScriptNameRecognizer
from bastion.pii.recognizers.phone import PhoneRecognizer
from bastion.pii.recognizers.secret import SecretRecognizer
from bastion.pii.recognizers.special_category import (
    BiometricRecognizer,
    EthnicityRecognizer,
    GeneticRecognizer,
    HealthRecognizer,
    PoliticalOpinionRecognizer,
    ReligionRecognizer,
    SexualOrientationRecognizer,
    TradeUnionRecognizer,
)
from bastion.pii.recognizers.ssn import SsnRecognizer
from bastion.pii.recognizers.url import UrlRecognizer

# name -> (label, factory). Factories receive the shared gazetteer; pattern-only recognizers ignore it.
REGISTRY: dict[str, tuple[str, Callable[[Gazetteer], Recognizer]]] = {
    "email": ("EMAIL", lambda _g: EmailRecognizer()),
    "phone": ("PHONE", lambda _g: PhoneRecognizer()),
    "ssn": ("SSN", lambda _g: SsnRecognizer()),
    "credit_card": ("CREDIT_CARD", lambda _g: CreditCardRecognizer()),
    "iban": ("IBAN", lambda _g: IbanRecognizer()),
    "ip_address": ("IP_ADDRESS", lambda _g: IpAddressRecognizer()),
    "url": ("URL", lambda _g: UrlRecognizer()),
    "date_of_birth": ("DATE_TIME", lambda _g: DateOfBirthRecognizer()),
    "id_number": ("ID_NUMBER", lambda _g: IdNumberRecognizer()),
    "national_id": ("ID_NUMBER", lambda _g: NationalIdRecognizer()),
    "secret": ("SECRET", SecretRecognizer),
    "person": ("PERSON", PersonRecognizer),
    "person_scripts": ("PERSON", lambda _g: ScriptNameRecognizer()),
    "location": ("LOCATION", LocationRecognizer),
    "org": ("ORG", OrgRecognizer),
    # GDPR Art. 9 special categories: a category term in a statement about a person
    "health": ("HEALTH", HealthRecognizer),
    "religion": ("RELIGION", ReligionRecognizer),
    "ethnicity": ("ETHNICITY", EthnicityRecognizer),
    "political_opinion": ("POLITICAL_OPINION", PoliticalOpinionRecognizer),
    "sexual_orientation": ("SEXUAL_ORIENTATION", SexualOrientationRecognizer),
    "trade_union": ("TRADE_UNION", TradeUnionRecognizer),
    "biometric": ("BIOMETRIC", BiometricRecognizer),
    "genetic": ("GENETIC", GeneticRecognizer),
}

__all__ = ["REGISTRY", "Pattern", "Recognizer"]
