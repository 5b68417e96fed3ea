"""Hot reload: a valid change replaces the running config, an invalid one never does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connector.workflows import ConfigError, ConfigReloader
from tests.unit.lifecycle.world import SHIPPED_CONFIG


class LogRecorder:
    """Records structlog-style calls: (level, event, fields)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict]] = []

    def info(self, event: str, **fields) -> None:
        self.lines.append(("info", event, fields))

    def warning(self, event: str, **fields) -> None:
        self.lines.append(("warning", event, fields))


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SHIPPED_CONFIG, tmp_path / "config"))


@pytest.fixture
def log() -> LogRecorder:
    return LogRecorder()


def set_mql_threshold(config_dir: Path, threshold: str) -> int:
    """Edit lifecycle.yaml's MQL threshold as an admin would; the line it is on."""
    lifecycle = config_dir / "lifecycle.yaml"
    lines = lifecycle.read_text().splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if line.startswith("    min_score: "))
    lines[number] = f"    min_score: {threshold}\n"
    lifecycle.write_text("".join(lines))
    return number + 1


def test_it_does_nothing_while_the_files_are_unchanged(config_dir: Path, log: LogRecorder) -> None:
    reloader = ConfigReloader(config_dir, log=log)
    running = reloader.current
    assert reloader.check() is None
    assert reloader.current is running
    assert log.lines == []


def test_it_swaps_in_a_valid_change_and_logs_its_version(
    config_dir: Path, log: LogRecorder
) -> None:
    reloader = ConfigReloader(config_dir, log=log)
    previous = reloader.current.version
    set_mql_threshold(config_dir, "70")
    swapped = reloader.check()
    assert swapped is reloader.current
    assert swapped.lifecycle.stages.marketingqualifiedlead.min_score == 70
    assert log.lines == [
        ("info", "config.reloaded", {"version": swapped.version, "previous": previous})
    ]


def test_it_keeps_the_running_config_when_a_change_is_invalid(
    config_dir: Path, log: LogRecorder
) -> None:
    reloader = ConfigReloader(config_dir, log=log)
    running = reloader.current
    line = set_mql_threshold(config_dir, "lots")
    assert reloader.check() is None
    assert reloader.check() is None
    assert reloader.current is running
    [(level, event, fields)] = log.lines
    assert (level, event, fields["running"]) == ("warning", "config.rejected", running.version)
    assert fields["errors"] == [
        f"{config_dir.as_posix()}/lifecycle.yaml:{line}: stages.marketingqualifiedlead.min_score:"
        " should be a valid number, unable to parse string as a number"
    ]


def test_it_takes_up_the_fix_of_a_rejected_change(config_dir: Path, log: LogRecorder) -> None:
    reloader = ConfigReloader(config_dir, log=log)
    set_mql_threshold(config_dir, "lots")
    reloader.check()
    set_mql_threshold(config_dir, "55")
    assert reloader.check().lifecycle.stages.marketingqualifiedlead.min_score == 55
    assert [event for _level, event, _fields in log.lines] == ["config.rejected", "config.reloaded"]


def test_it_refuses_to_start_on_an_invalid_config(config_dir: Path, log: LogRecorder) -> None:
    (config_dir / "scoring.yaml").unlink()
    with pytest.raises(ConfigError) as raised:
        ConfigReloader(config_dir, log=log)
    assert raised.value.errors == (f"{config_dir.as_posix()}/scoring.yaml:1: the file is missing",)
