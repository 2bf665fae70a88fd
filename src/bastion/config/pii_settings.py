"""Validated configuration for the PII engine and vault (pydantic v2, unknown keys rejected), and the
entity labels it names (`LABELS`; `bastion.pii` detects them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LABELS: tuple[str, ...] = (
    "PERSON",
    "EMAIL",
    "PHONE",
    "SSN",
    "CREDIT_CARD",
    "IBAN",
    "IP_ADDRESS",
    "LOCATION",
    "DATE_TIME",
    "ID_NUMBER",
    "URL",
    "SECRET",
    "ORG",
    # GDPR Art. 9 special categories (recognizers/special_category.py)
    "HEALTH",
    "RELIGION",
    "ETHNICITY",
    "POLITICAL_OPINION",
    "SEXUAL_ORIENTATION",
    "TRADE_UNION",
    "BIOMETRIC",
    "GENETIC",
)

Action = Literal["pseudonymize", "mask", "hash", "block", "allow"]
ResponseScan = Literal["off", "flag", "mask"]


class NerSettings(BaseModel):
    """Optional spaCy backend. ``model``: an installed pipeline package name or a saved pipeline's path."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    labels: dict[str, str] = Field(
        default_factory=lambda: {
            "PERSON": "PERSON",
            "PER": "PERSON",
            "GPE": "LOCATION",
            "LOC": "LOCATION",
            "FAC": "LOCATION",
        },
        description="spaCy entity label -> Bastion label; others are ignored (add 'ORG': 'ORG' for ORGs).",
    )
    score: float = Field(
        0.55,
        ge=0.0,
        le=1.0,
        description="score of NER spans; below the built-in recognizers' confident scores, so NER fills gaps "
        "(names and places the gazetteers miss) rather than relabelling built-in findings",
    )
    max_chars: int = Field(20_000, gt=0, description="texts longer than this skip the NER backend")


class PiiSettings(BaseModel):
    """What to detect and what to do with it.

    ``actions`` overrides ``default_action`` per label. ``entities`` restricts detection (default: all).
    ``hash_key`` keys the HMAC used by the ``hash`` action; without it a random per-process key is used,
    so hashes are then only stable within one process.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    actions: dict[str, Action] = Field(default_factory=dict)
    default_action: Action = "pseudonymize"
    min_score: float = Field(0.5, ge=0.0, le=1.0)
    entities: list[str] = Field(default_factory=lambda: list(LABELS))
    hash_key: str | None = None
    ner: NerSettings | None = None
    response_scan: ResponseScan = "off"
    max_chars: int = Field(
        2_000_000,
        gt=0,
        description="detection looks at most at this many characters of one text (cap on work)",
    )

    @field_validator("response_scan", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        """YAML 1.1 reads a bare `off` as the boolean false: take it back."""
        return "off" if value is False else value

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown PII entity labels: {unknown}; known: {list(LABELS)}")
        return value

    @field_validator("actions")
    @classmethod
    def _known_action_labels(cls, value: dict[str, Action]) -> dict[str, Action]:
        unknown = sorted(set(value) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown PII entity labels in actions: {unknown}; known: {list(LABELS)}")
        return value

    def action_for(self, label: str) -> Action:
        return self.actions.get(label, self.default_action)

    def action_map(self) -> dict[str, Action]:
        """The action for every label (explicit ones plus the default)."""
        return {label: self.action_for(label) for label in LABELS}
