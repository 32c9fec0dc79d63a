"""Radar configuration: YAML files validated at load (see loader.py, schema.py)."""

from config.loader import DEFAULT_CONFIG, ConfigError, ConfigIssue, load_config
from config.schema import BrandConfig, RadarConfig
from config.sources import SourceConfig

__all__ = [
    "DEFAULT_CONFIG",
    "BrandConfig",
    "ConfigError",
    "ConfigIssue",
    "RadarConfig",
    "SourceConfig",
    "load_config",
]
