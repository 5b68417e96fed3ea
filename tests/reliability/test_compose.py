"""docker-compose.yml runs PostgreSQL, the sandbox and two connector replicas that can
reach both: their settings are valid, point at the compose PostgreSQL, and carry the
token and secret the sandbox accepts and signs with (docker is not needed to check)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from sqlalchemy.engine import make_url

from connector.sandbox.command import sandbox_command
from connector.settings import Settings

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def compose() -> dict:
    return YAML(typ="safe").load((REPO / "docker-compose.yml").read_text())


def with_defaults(value: object) -> str:
    """A value as compose resolves it when no variable is set (`${NAME:-default}`)."""
    return DEFAULTED.sub(lambda found: found[2], str(value))


def replicas() -> dict[str, dict]:
    return {name: s for name, s in compose()["services"].items() if name.startswith("connector")}


def replica_settings(service: dict) -> Settings:
    environ = {name: with_defaults(value) for name, value in service["environment"].items()}
    return Settings.from_environment(environ, dotenv_path=None)


def test_it_runs_postgresql_the_sandbox_and_two_replicas_of_the_connector():
    services = compose()["services"]
    assert {"postgres", "sandbox"} <= set(services)
    assert len(replicas()) == 2
    for service in replicas().values():
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
    image_command = re.search(r"^CMD (.*)$", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    command = json.loads(image_command[1])
    assert command[:2] == ["connector", "serve"]
    assert "--production" in command  # gunicorn for HTTP and one worker for the jobs
    assert command[command.index("--port") + 1] == "8000"


@pytest.mark.parametrize("name", sorted(replicas()))
def test_each_replica_reaches_postgresql_and_the_sandbox(name):
    settings = replica_settings(replicas()[name])
    services = compose()["services"]
    database, postgres = make_url(settings.database_url), services["postgres"]["environment"]
    assert (database.host, database.username, database.password, database.database) == (
        "postgres",
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    )
    assert settings.shares_rate_budget
    sandbox = sandbox_command.make_context("sandbox", list(services["sandbox"]["command"][2:]))
    assert settings.hubspot_base_url == f"http://sandbox:{sandbox.params['port']}"
    assert settings.hubspot_access_token == sandbox.params["token"]
    assert settings.hubspot_client_secret == sandbox.params["client_secret"]
    webhooks = make_url(sandbox.params["webhook_url"].replace("http://", "postgresql://", 1))
    assert (webhooks.host, webhooks.port) in {(replica, 8000) for replica in replicas()}
