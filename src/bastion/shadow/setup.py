"""The catalogue and the user identifiers a configuration asks for (shared by the CLI and the gateway)."""

from __future__ import annotations

from bastion.config.schema import Config
from bastion.shadow.catalogue import Catalogue
from bastion.shadow.users import Users


def catalogue_for(
    config: Config, extra: list[str] | None = None, sanctioned: list[str] | None = None
) -> Catalogue:
    files = [config.shadow.catalogue_extra] if config.shadow.catalogue_extra else []
    return Catalogue.build(
        [*files, *(extra or [])],
        providers=[(p.type, p.url) for p in config.providers if p.url],
        sanctioned=[*config.shadow.sanctioned, *(sanctioned or [])],
    )


def users_for(config: Config) -> Users:
    s = config.shadow
    return Users(s.pseudonym_key.get_secret_value() if s.pseudonymize_users and s.pseudonym_key else None)
