"""Workflows (PURE apart from reading the config directory): the admins' config
models and, beside them, the planners built on `connector.lifecycle.Evaluation`."""

from connector.workflows.config.loader import (
    CONFIG_FILES,
    CROSS_CHECKS,
    Config,
    ConfigFile,
    Validation,
    load_config,
    parse_config,
    read_config_files,
    validate_directory,
)
from connector.workflows.config.reloader import ConfigReloader
from connector.workflows.config.source import ConfigError, Problem
from connector.workflows.forecast import EffectCounts, EffectForecast, Planned, nothing_planned
from connector.workflows.planner import ContactState, FunnelState, Plan, PlannedStep, plan

__all__ = [
    "CONFIG_FILES",
    "CROSS_CHECKS",
    "Config",
    "ConfigError",
    "ConfigFile",
    "ConfigReloader",
    "Problem",
    "Validation",
    "load_config",
    "parse_config",
    "read_config_files",
    "validate_directory",
    "ContactState",
    "EffectCounts",
    "EffectForecast",
    "FunnelState",
    "Plan",
    "Planned",
    "PlannedStep",
    "nothing_planned",
    "plan",
]
