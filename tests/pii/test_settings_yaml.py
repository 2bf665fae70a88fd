"""`pii.response_scan: off` written bare in YAML (which YAML 1.1 reads as false) means `off`."""

from __future__ import annotations

import pytest
import yaml

from bastion.config import ConfigError, parse_config


def test_bare_off_is_the_off_scan() -> None:
    config = parse_config(yaml.safe_load("pii:\n  response_scan: off\n"))
    assert config.pii.response_scan == "off"


def test_other_booleans_are_still_refused() -> None:
    with pytest.raises(ConfigError, match=r"pii\.response_scan"):
        parse_config(yaml.safe_load("pii:\n  response_scan: on\n"))
