"""Configuration: the YAML file, its schema and the embedded default."""

from bastion.config.loader import ConfigError, load_config, parse_config
from bastion.config.schema import Config, ModelEntry, ProviderConfig

__all__ = ["Config", "ConfigError", "ModelEntry", "ProviderConfig", "load_config", "parse_config"]
