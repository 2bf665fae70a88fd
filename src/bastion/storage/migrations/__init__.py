"""Alembic migrations, shipped in the package and run at start-up by `bastion.storage.migrate`.

How to add one: copy the latest file in `versions/`, bump the revision (`0002_...`), set
`down_revision` to the previous one, write `upgrade()` with `op.*` calls (never import `schema.py`:
a migration must keep describing the schema of its own time), then update `schema.py` to match.
"""
