"""Loading a config directory: the shipped default, versions, paths in messages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from connector.workflows import ConfigError, load_config, validate_directory
from tests.unit.lifecycle.world import SHIPPED_CONFIG


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the shipped config an admin can edit."""
    return Path(shutil.copytree(SHIPPED_CONFIG, tmp_path / "config"))


def test_it_ships_a_valid_default_config() -> None:
    result = validate_directory(SHIPPED_CONFIG)
    assert result.errors == ()
    assert re.fullmatch(
        r"config [0-9a-f]{12} is valid: 2 scoring models with \d+ rules, stage rules for lead,"
        r" marketingqualifiedlead, salesqualifiedlead, 4 personas",
        result.summary,
    )


def test_it_versions_a_config_by_its_content(config_dir: Path, tmp_path: Path) -> None:
    original = load_config(config_dir).version
    assert load_config(shutil.copytree(config_dir, tmp_path / "copy")).version == original
    scoring = config_dir / "scoring.yaml"
    scoring.write_text(scoring.read_text() + "# a comment is a change too\n")
    assert load_config(config_dir).version != original


def test_it_counts_email_templates_as_part_of_the_config(config_dir: Path) -> None:
    before = load_config(config_dir).version
    welcome = config_dir / "emails" / "welcome.txt"
    welcome.write_text(welcome.read_text() + "\nSee you soon.\n")
    assert load_config(config_dir).version != before


def test_it_names_files_by_their_path_in_messages(config_dir: Path) -> None:
    (config_dir / "lifecycle.yaml").write_text("stages:\n  leed: {}\n")
    result = validate_directory(config_dir)
    assert result.errors == (
        f"{config_dir.as_posix()}/lifecycle.yaml:2: stages.leed: unknown stage 'leed'"
        " (did you mean 'lead'?)",
    )
    assert (result.config, result.summary) == (None, "1 problem found; the config was not loaded")


def test_it_says_when_the_directory_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "nowhere")
    assert raised.value.errors == (f"{tmp_path / 'nowhere'}: no such config directory",)
