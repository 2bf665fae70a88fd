"""Runtime configuration: providers, models, routing groups, prices, PII and cache settings changed without a
restart, through the admin API or a reload of the config file (`runtime.LiveConfig`), versioned in the
database (`store`), combined with the file as an overlay (`overlay`). See docs/operations.md."""

from bastion.liveconfig.runtime import LiveConfig, ReloadResult

__all__ = ["LiveConfig", "ReloadResult"]
