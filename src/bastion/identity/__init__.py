"""Identity and access: teams, virtual keys, the in-process key cache and its refresh, the CLI.

keygen.py         key material: generation (256 random bits, `bk-` prefix), SHA-256 hash, display prefix
cache.py          the in-process snapshot the authenticate stage reads (no database on the hot path)
authenticator.py  admin key or virtual key -> Principal
service.py        create / list / update / rotate / revoke (shared by the admin API and the CLI)
sync.py           how every worker learns of a change: Redis pub/sub, else a version-row poll
runtime.py        `Identity`: the above wired together for one gateway worker
cli.py            `bastion keys ...`, `bastion teams ...`
"""
