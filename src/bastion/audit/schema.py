"""The audit tables (built by the migration `storage/migrations/versions/audit_0001.py`).

`payload` is the record exactly as hashed; the other record columns are copies for filtering, and the
verifier checks they agree with the payload."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

records = sa.Table(
    "audit_records",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("id", sa.String(32), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("request_id", sa.String(128), nullable=True),
    sa.Column("ts", sa.Double, nullable=False),
    sa.Column("team", sa.String(200), nullable=True),
    sa.Column("key_id", sa.String(64), nullable=True),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("provider", sa.String(200), nullable=True),
    sa.Column("region", sa.String(100), nullable=True),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("decision", sa.String(16), nullable=True),
    sa.Column("pii_types", sa.String(500), nullable=True),  # ",EMAIL,PERSON," for LIKE filters
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("ts", sa.Double, nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
)

meta = sa.Table(
    "audit_meta",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

data_keys = sa.Table(
    "audit_data_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("team", sa.String(200), nullable=False, index=True),
    sa.Column("wrapped", sa.Text, nullable=False),  # base64 nonce + AES-GCM(content key, data key)
    sa.Column("created_at", sa.Double, nullable=False),
)

# (columns, name) of the secondary indexes, shared with the migration
INDEXES = (
    (("request_id",), "ix_audit_records_request_id"),
    (("ts",), "ix_audit_records_ts"),
    (("team", "seq"), "ix_audit_records_team"),
    (("kind", "seq"), "ix_audit_records_kind"),
)
for _cols, _name in INDEXES:
    sa.Index(_name, *(records.c[c] for c in _cols))
