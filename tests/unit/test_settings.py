"""Settings fail fast and name the variable at fault."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.services import settings_clock, utc_now
from connector.settings import Settings, SettingsError

DEMO = {"LEADFLOW_DEMO": "true"}


def test_it_has_defaults_that_run_on_sqlite_under_var():
    settings = Settings.from_environment(DEMO, dotenv_path=None)
    assert settings.database_url == "sqlite:///var/leadflow.db"
    assert settings.hubspot_base_url == "https://api.hubapi.com"
    assert settings.config_dir == Path("config")
    assert settings.hubspot_rate_budget == 0.9


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        # a typo in the scheme is caught before any connection is tried
        ("DATABASE_URL", "postgress://x", "DATABASE_URL"),
        # only the two supported databases are accepted
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL must be a sqlite:// or postgresql://"),
        # not a URL at all
        ("DATABASE_URL", "::::", "DATABASE_URL is not a database URL"),
        # limits are whole positive numbers
        ("HUBSPOT_RATE_LIMIT", "fast", "HUBSPOT_RATE_LIMIT"),
        ("HUBSPOT_RATE_LIMIT", "0", "HUBSPOT_RATE_LIMIT must be a positive whole number"),
        # a budget is a share of the portal's limit
        (
            "HUBSPOT_RATE_BUDGET",
            "1.5",
            "HUBSPOT_RATE_BUDGET must be a number above 0 and at most 1",
        ),
        # booleans are spelled out
        ("LEADFLOW_DEMO", "maybe", "LEADFLOW_DEMO must be true or false"),
        # log levels are a closed list
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of debug, info, warning, error"),
        # a test's frozen clock names its offset, so nobody guesses the zone
        ("LEADFLOW_NOW", "2026-11-23 08:00", "LEADFLOW_NOW must be an ISO 8601 time"),
        ("LEADFLOW_NOW", "monday", "LEADFLOW_NOW must be an ISO 8601 time"),
    ],
)
def test_it_names_the_variable_that_is_wrong(variable, value, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_environment({**DEMO, variable: value}, dotenv_path=None)
    assert message in str(raised.value)
    assert variable in str(raised.value)


def test_it_requires_a_token_only_to_talk_to_hubspot():
    settings = Settings.from_environment({}, dotenv_path=None)
    with pytest.raises(SettingsError, match="HUBSPOT_ACCESS_TOKEN is required"):
        settings.require_hubspot_access()
    Settings.from_environment(
        {"HUBSPOT_ACCESS_TOKEN": "pat-1"}, dotenv_path=None
    ).require_hubspot_access()


def test_it_holds_the_connectors_clock_still_at_leadflow_now_for_tests():
    settings = Settings.from_environment(
        {**DEMO, "LEADFLOW_NOW": "2026-11-23T03:00:00-05:00"}, dotenv_path=None
    )
    assert settings_clock(settings)() == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert settings_clock(Settings.from_environment(DEMO, dotenv_path=None)) is utc_now


def test_it_refuses_a_frozen_clock_in_production():
    with pytest.raises(SettingsError, match="LEADFLOW_NOW is for tests only"):
        Settings.from_environment(
            {
                **DEMO,
                "LEADFLOW_ENV": "production",
                "LEADFLOW_DASHBOARD_TOKEN": "dash-1",
                "LEADFLOW_NOW": "2026-11-23T08:00:00Z",
            },
            dotenv_path=None,
        )


def test_it_refuses_production_without_a_dashboard_token():
    with pytest.raises(SettingsError, match="LEADFLOW_DASHBOARD_TOKEN"):
        Settings.from_environment({**DEMO, "LEADFLOW_ENV": "production"}, dotenv_path=None)


def test_it_reads_dotenv_under_the_environment(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("HUBSPOT_RATE_LIMIT=100\nLOG_LEVEL=debug\n")
    settings = Settings.from_environment({**DEMO, "LOG_LEVEL": "error"}, dotenv_path=dotenv)
    assert settings.hubspot_rate_limit == 100
    assert settings.log_level == "error"


def test_it_reads_secrets_from_a_file(tmp_path):
    secret = tmp_path / "token"
    secret.write_text("pat-from-file\n")
    settings = Settings.from_environment(
        {"HUBSPOT_ACCESS_TOKEN_FILE": str(secret)}, dotenv_path=None
    )
    assert settings.hubspot_access_token == "pat-from-file"
    assert settings.secrets == ("pat-from-file",)


def test_it_names_an_unreadable_secret_file(tmp_path):
    with pytest.raises(SettingsError, match="HUBSPOT_CLIENT_SECRET_FILE cannot be read"):
        Settings.from_environment(
            {"HUBSPOT_CLIENT_SECRET_FILE": str(tmp_path / "missing")}, dotenv_path=None
        )


def test_it_uses_psycopg3_for_plain_postgresql_urls():
    settings = Settings.from_environment(
        {**DEMO, "DATABASE_URL": "postgresql://u:p@db/leadflow"}, dotenv_path=None
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db/leadflow"
