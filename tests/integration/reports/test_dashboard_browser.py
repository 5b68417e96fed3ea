"""The dashboard in a real browser: headless Chromium loads it over loopback with the token,
and the charts come out drawn, with data, in the DOM and in the screenshot."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime

import pytest
from PIL import Image
from werkzeug.serving import make_server

from connector.app import create_app
from connector.reports.charts import PALETTE
from connector.store import Store
from tests.integration.reports.synthetic import insert_world

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
TOKEN = "browser-test-token"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,2000",
]


@pytest.fixture
def chromium() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
    pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")


@pytest.fixture
def dashboard_url(settings, sqlite_url):
    store = Store.from_url(sqlite_url)
    insert_world(store, contacts=600, until=NOW)
    app = create_app(dataclasses.replace(settings, dashboard_token=TOKEN), store, clock=lambda: NOW)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/dashboard?days=120&token={TOKEN}"
    server.shutdown()
    thread.join()
    store.close()


def run_chromium(chromium: str, profile, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_it_draws_every_chart_with_data_in_headless_chromium(chromium, dashboard_url, tmp_path):
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", dashboard_url).stdout
    assert "<h1>leadflow</h1>" in dom  # the token was accepted and the redirect followed
    assert dom.count('<svg class="chart"') == 4
    bar_widths = [float(w) for w in re.findall(r'class="bar" data-value="\d+"[^>]*width="([\d.]+)"',
                                              dom)]  # fmt: skip
    assert len(bar_widths) > 20 and sum(w > 0 for w in bar_widths) > 10
    assert re.search(r'<path class="series" d="M[\d.]+,[\d.]+ L', dom)
    assert "no data in this period" not in dom

    screenshot = tmp_path / "dashboard.png"
    run_chromium(chromium, tmp_path / "profile", f"--screenshot={screenshot}", dashboard_url)
    image = Image.open(screenshot).convert("RGB")
    assert image.size == (1280, 2000)
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    assert len(colours) > 50  # text, tables and charts, not a blank or error page
    assert _rgb(PALETTE[0]) in colours and _rgb(PALETTE[1]) in colours  # bars were painted


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
