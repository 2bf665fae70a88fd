"""Compliance: use cases and the risk register, the human review queue, the compliance report
(docs/compliance.md)."""
