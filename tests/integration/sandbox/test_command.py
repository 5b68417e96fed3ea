"""`connector sandbox` as its own process: it prints where it is and serves the SDK."""

from __future__ import annotations

import signal
import subprocess
import sys

from hubspot import HubSpot

LAUNCH = "from connector.sandbox.command import sandbox_command; sandbox_command()"


def test_it_prints_its_url_token_and_secret_and_serves_demo_contacts():
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", LAUNCH, "--port", "0", "--contacts", "20", "--token", "t-1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = [process.stdout.readline()]
        while "HUBSPOT_ACCESS_TOKEN" not in lines[-1]:
            lines.append(process.stdout.readline())
        base_url = next(line.split()[3] for line in lines if line.startswith("HubSpot sandbox on"))
        client = HubSpot(access_token="t-1", host=base_url, client_side_validation=True)

        page = client.crm.contacts.basic_api.get_page(limit=100)
    finally:
        process.send_signal(signal.SIGTERM)
        rest = process.stdout.read()
        process.wait(timeout=10)

    assert base_url.startswith("http://127.0.0.1:")
    assert "  token:          t-1\n" in lines
    assert "  client secret:  sandbox-demo-client-secret\n" in lines
    assert len(page.results) == 20
    assert "Sandbox stopped." in rest
    assert process.returncode == 0
