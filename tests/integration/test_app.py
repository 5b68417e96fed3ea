"""The service's own endpoints: health, readiness and metrics."""

import pytest

from connector.app import create_app
from connector.settings import Settings
from connector.store import Store


@pytest.fixture
def client(settings):
    return create_app(settings).test_client()


def test_it_answers_healthz_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_it_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["problems"] == []


def test_it_is_not_ready_before_migrations(tmp_path):
    settings = Settings.from_environment(
        {"LEADFLOW_DEMO": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"},
        dotenv_path=None,
    )
    response = create_app(settings).test_client().get("/readyz")
    assert response.status_code == 503
    assert "connector db upgrade" in response.json["problems"][0]


def test_it_is_not_ready_when_the_database_is_gone(settings):
    store = Store.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = create_app(settings, store).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["problems"] == ["database unreachable: OperationalError"]


def test_it_exports_prometheus_metrics(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    assert b"python_info" in response.data


def test_it_opens_on_the_dashboard(client):
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/dashboard"
