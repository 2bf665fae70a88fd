"""The embedded default: SQLite in the working directory and the built-in demo provider."""

from __future__ import annotations

from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    "database_url": "sqlite:///bastion.db",
    "providers": [{"name": "demo", "type": "demo", "region": "local", "trusted": True}],
    "models": [
        {"name": "demo-echo", "provider": "demo", "model": "echo"},
        {"name": "demo-echo-large", "provider": "demo", "model": "echo-large"},
        {"name": "demo-judge", "provider": "demo", "model": "judge", "modes": ["chat"]},
        {"name": "demo-embed", "provider": "demo", "model": "embed", "modes": ["embeddings"]},
    ],
}
