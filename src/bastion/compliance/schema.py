"""The compliance tables (built by the migration `storage/migrations/versions/compliance_0001.py`): use cases
added through the admin API (config entries stay in the config file) and the review queue."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

use_cases = sa.Table(
    "compliance_use_cases",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("data", sa.JSON, nullable=False),  # the UseCase fields
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=True),
)

reviews = sa.Table(
    "compliance_reviews",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("request_id", sa.String(128), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("team", sa.String(200), nullable=True),
    sa.Column("key_id", sa.String(64), nullable=True),
    sa.Column("use_case", sa.String(100), nullable=True),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("api", sa.String(40), nullable=True),
    sa.Column("reasons", sa.JSON, nullable=False),  # [{"source", "reason", "detail"?}]
    sa.Column("status", sa.String(20), nullable=False),  # open | accepted | escalated | false_positive
    sa.Column("decided_at", sa.Double, nullable=True),
    sa.Column("decided_by", sa.JSON, nullable=True),  # the reviewer (actor: key_id, name, role, team)
    sa.Column("note", sa.Text, nullable=True),
)

INDEXES = (
    (("status", "created_at"), "ix_compliance_reviews_status"),
    (("request_id",), "ix_compliance_reviews_request_id"),
    (("created_at",), "ix_compliance_reviews_created_at"),
)
for _cols, _name in INDEXES:
    sa.Index(_name, *(reviews.c[c] for c in _cols))
