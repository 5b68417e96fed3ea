"""Hostile or broken input never crashes leadflow and never gets stored.

- `POST /webhooks/hubspot` (and the workflow endpoint) fuzzed with random JSON,
  signed and unsigned: the answer is always a JSON 200/400/401/413, never a 500
  or a traceback, and every stored event is one HubSpot could have sent.
- A signed request replayed after five minutes, or dated in the future, is refused.
- An oversized body is refused from its Content-Length without being read; JSON
  nested deeper than the parser goes is a 400.
- The shipped config, edited at random (values, keys, whole lines), either loads
  or is refused with `file:line` messages; it never raises anything else.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from werkzeug.serving import make_server

from connector.app import MAX_REQUEST_BYTES, create_app
from connector.domain import Contact
from connector.lifecycle import evaluate
from connector.settings import Settings
from connector.store import Store
from connector.workflows.config.loader import parse_config, read_config_files
from connector.workflows.config.source import ConfigError
from tests.integration.webhooks.test_receiver import EVENT
from tests.live import SHIPPED_CONFIG
from tests.reliability.conftest import scaled
from tests.reliability.webhooks import PATH, post_signed, signed_headers

EXAMPLES = scaled(150, 2_000)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
SECRET = "hostile-test-client-secret"
REQUIRED = ("eventId", "subscriptionId", "portalId", "occurredAt", "subscriptionType", "objectId")
ANSWERS = {200, 400, 401, 413}
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
# Mostly what HubSpot sends, sometimes anything: a field may be missing, of another
# type, negative, huge (past 64 bits), or the event may carry fields nobody knows.
whole = st.integers(min_value=0, max_value=2**40)
hostile = st.integers(min_value=-3, max_value=2**70) | json_values
events = st.fixed_dictionaries(
    {
        "eventId": whole | whole | hostile,
        "subscriptionId": whole | whole | hostile,
        "portalId": whole | whole | hostile,
        "occurredAt": st.integers(min_value=0, max_value=2**45)
        | st.integers(min_value=-(2**66), max_value=2**66)
        | json_values,
        "subscriptionType": st.sampled_from(["contact.creation", "contact.propertyChange"])
        | st.text(max_size=80)
        | json_values,
        "objectId": whole | whole | hostile,
    },
    optional={"attemptNumber": json_values, "propertyValue": json_values},
)
dropped = st.just(frozenset()) | st.frozensets(st.sampled_from(REQUIRED), max_size=2)
extra = st.dictionaries(st.text(max_size=10), json_values, max_size=3)
events = st.tuples(events, dropped, extra).map(
    lambda parts: {**parts[2], **{k: v for k, v in parts[0].items() if k not in parts[1]}}
)
contacts = st.fixed_dictionaries(
    {"objectId": whole | hostile | st.text(st.characters(categories=["Nd"]), max_size=30)},
    optional={"properties": st.dictionaries(st.text(max_size=8), json_values, max_size=3)},
)
bodies = st.lists(events, max_size=4) | json_values
raw_bodies = st.binary(max_size=200)


def is_hubspot_event(payload: object) -> bool:
    """What HubSpot's Webhooks API sends, as HUBSPOT-API.md §6 describes it (independent
    of leadflow's parser): ids and times are non-negative whole numbers, the type a name."""
    if not isinstance(payload, dict) or any(name not in payload for name in REQUIRED):
        return False
    numbers = [payload[name] for name in REQUIRED if name != "subscriptionType"]
    kind = payload["subscriptionType"]
    return (
        all(type(n) is int and 0 <= n < 2**63 for n in numbers)
        and isinstance(kind, str)
        and 0 < len(kind) <= 64
    )


@pytest.fixture
def receiver(database_url):
    store = Store.from_url(database_url)
    settings_ = Settings.from_environment(
        {
            "DATABASE_URL": database_url,
            "HUBSPOT_CLIENT_SECRET": SECRET,
            "LEADFLOW_WORKFLOW_SECRET": SECRET,
        },
        dotenv_path=None,
    )
    yield create_app(settings_, store, lambda: NOW).test_client(), store
    store.close()


def row_count(store: Store) -> int:
    return sum(store.inbox_depth().values())


def stored_payloads(store: Store) -> list[object]:
    return [e.payload for e in store.claim_inbox_events("fuzz-check", NOW, 1_000_000)]


def assert_answered_cleanly(answer) -> None:
    text = answer.get_data(as_text=True)
    assert answer.status_code in ANSWERS, (answer.status_code, text)
    assert answer.is_json, text
    assert "Traceback" not in text


def test_it_answers_any_signed_json_cleanly_and_stores_only_real_events(receiver, figures):
    client, store = receiver
    answers: Counter = Counter()

    @FUZZ
    @given(body=bodies)
    def post(body):
        before = row_count(store)
        answer = post_signed(client, SECRET, body, NOW_MS)
        assert_answered_cleanly(answer)
        answers[answer.status_code] += 1
        if answer.status_code != 200:
            assert row_count(store) == before, "a refused batch left rows behind"

    post()
    payloads = stored_payloads(store)
    invalid = [p for p in payloads if not is_hubspot_event(p)]
    figures(
        requests=sum(answers.values()),
        answers=dict(answers),
        stored=len(payloads),
        invalid_stored=len(invalid),
    )
    assert answers[200] and answers[400]
    assert invalid == []


def test_it_answers_any_workflow_call_cleanly(receiver, figures):
    client, store = receiver
    answers: Counter = Counter()

    @FUZZ
    @given(body=contacts | bodies, secret=st.sampled_from([SECRET, SECRET, "wrong", None]))
    def post(body, secret):
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Leadflow-Workflow-Secret"] = secret
        before = row_count(store)
        answer = client.post(f"{PATH}/workflow", data=data, headers=headers)
        assert_answered_cleanly(answer)
        answers[answer.status_code] += 1
        if answer.status_code != 200:
            assert row_count(store) == before

    post()
    payloads = stored_payloads(store)
    figures(requests=sum(answers.values()), answers=dict(answers), stored=len(payloads))
    assert answers[200]
    assert all(isinstance(p, dict) for p in payloads)


def test_it_refuses_every_unsigned_or_badly_signed_request_and_stores_nothing(receiver, figures):
    client, store = receiver
    answers: Counter = Counter()

    @FUZZ
    @given(
        body=raw_bodies | bodies.map(lambda b: json.dumps(b).encode()),
        forged=st.sampled_from(["none", "random", "other-secret", "v1-only", "bad-timestamp"]),
        text=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    )
    def post(body, forged, text):
        headers = {"Content-Type": "application/json"}
        if forged == "random":
            headers |= {"X-HubSpot-Signature-v3": text, "X-HubSpot-Request-Timestamp": str(NOW_MS)}
        elif forged == "other-secret":
            headers |= signed_headers("not-" + SECRET, body, NOW_MS)
        elif forged == "v1-only":
            headers |= {"X-HubSpot-Signature-Version": "v1", "X-HubSpot-Signature": text}
        elif forged == "bad-timestamp":
            headers |= signed_headers(SECRET, body, NOW_MS)
            headers["X-HubSpot-Request-Timestamp"] = text
        answer = client.post(PATH, data=body, headers=headers)
        assert_answered_cleanly(answer)
        assert answer.status_code == 401
        answers[forged] += 1

    post()
    figures(requests=sum(answers.values()), refused=sum(answers.values()), stored=row_count(store))
    assert row_count(store) == 0


@pytest.mark.parametrize(
    ("signed_at", "status"),
    [
        # HubSpot's own retry, signed a moment ago
        (NOW - timedelta(seconds=10), 200),
        # just inside the five minutes HubSpot's SDK allows
        (NOW - timedelta(seconds=290), 200),
        # a captured request replayed six minutes later
        (NOW - timedelta(minutes=6), 401),
        # a day later
        (NOW - timedelta(days=1), 401),
        # dated ahead of our clock: refused too, or it could be replayed later
        (NOW + timedelta(minutes=6), 401),
    ],
)
def test_it_refuses_a_signed_request_replayed_after_five_minutes(receiver, signed_at, status):
    client, store = receiver
    answer = post_signed(client, SECRET, [EVENT], int(signed_at.timestamp() * 1000))
    assert answer.status_code == status
    assert row_count(store) == (1 if status == 200 else 0)


def test_it_refuses_an_oversized_body_before_it_arrives(receiver, figures):
    """Over real HTTP: the answer comes back while 99.999% of the body was never sent."""
    client, store = receiver
    server = make_server("127.0.0.1", 0, client.application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    size, sent = 100 * MAX_REQUEST_BYTES, 1_000
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            sock.sendall(
                f"POST {PATH} HTTP/1.1\r\nHost: leadflow\r\nContent-Type: application/json\r\n"
                f"Content-Length: {size}\r\n\r\n".encode()
                + b"[" * sent
            )
            status_line = sock.makefile("rb").readline()
    finally:
        server.shutdown()
        thread.join(timeout=5)
    figures(body_bytes=size, limit=MAX_REQUEST_BYTES, bytes_sent=sent, answer=status_line.strip())
    assert status_line.split()[1] == b"413"
    assert row_count(store) == 0


@pytest.mark.parametrize(
    "depth",
    [
        # ordinary nesting inside an event HubSpot might add one day
        10,
        # just under where the JSON parser stops
        900,
        # at and past it
        1_000,
        100_000,
    ],
)
def test_it_survives_deeply_nested_json(receiver, depth):
    client, store = receiver
    nested = b"[" * depth + b"]" * depth
    for body in (
        nested,
        b'[{"eventId":1,"subscriptionId":1,"portalId":1,"occurredAt":1,'
        b'"subscriptionType":"contact.creation","objectId":1,"x":' + nested + b"}]",
    ):
        answer = post_signed(client, SECRET, body, NOW_MS)
        assert_answered_cleanly(answer)
        assert answer.status_code in (200, 400)


def shipped_config() -> dict[str, bytes]:
    return read_config_files(SHIPPED_CONFIG)


YAML_FILES = sorted(name for name in shipped_config() if name.endswith(".yaml"))
SAMPLE = Contact(
    id="1",
    properties={
        "email": "dm@bigco.test",
        "jobtitle": "VP Marketing",
        "hs_buying_role": "DECISION_MAKER",
    },
)


SAFE_YAML = YAML(typ="safe", pure=True)


def dump_yaml(tree: object) -> str:
    stream = io.StringIO()
    SAFE_YAML.dump(tree, stream)
    return stream.getvalue()


@st.composite
def edited(draw, text: str) -> str:
    """`text` after one random edit: a value replaced, a key dropped or renamed, an item
    repeated (on the YAML tree), or a line deleted, repeated or garbled (on the text)."""
    tree = parsed(text)
    if tree is None or draw(st.booleans()):
        return edited_lines(draw, text.splitlines())
    node, key = pick(draw, tree)
    how = draw(st.sampled_from(["value", "drop", "rename", "repeat"]))
    if node is None:
        return dump_yaml(draw(yaml_values))
    if how == "value" or (how == "repeat" and not isinstance(node, list)):
        node[key] = draw(yaml_values)
    elif how == "drop":
        del node[key]
    elif how == "rename" and isinstance(node, dict):
        node[draw(st.text(max_size=12))] = node.pop(key)
    elif isinstance(node, list):
        node.insert(key, node[key])
    return dump_yaml(tree)


def parsed(text: str) -> object:
    """The YAML tree of `text`, or None when an earlier edit left it unreadable."""
    try:
        return SAFE_YAML.load(text)
    except YAMLError:
        return None


def edited_lines(draw, lines: list[str]) -> str:
    index = draw(st.integers(0, max(len(lines) - 1, 0)))
    how = draw(st.sampled_from(["delete", "repeat", "replace", "indent", "truncate"]))
    if not lines:
        lines = [draw(st.text(max_size=30))]
    elif how == "delete":
        del lines[index]
    elif how == "repeat":
        lines.insert(index, lines[index])
    elif how == "replace":
        lines[index] = draw(st.text(max_size=30))
    elif how == "indent":
        lines[index] = draw(st.sampled_from(["\t", " ", "   "])) + lines[index]
    else:
        lines = lines[:index]
    return "\n".join(lines)


yaml_values = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "(", "[a-", "*", "25:00", "2026-02-30", "Mars/Olympus", "-1", "1e309"])
    | st.lists(st.text(max_size=8), max_size=3)
    | st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2)
)


def pick(draw, tree):
    """A random (container, key) inside `tree`; (None, None) for a scalar document."""
    node, key = None, None
    current = tree
    while isinstance(current, (dict, list)) and current:
        keys = list(current) if isinstance(current, dict) else list(range(len(current)))
        node, key = current, draw(st.sampled_from(keys))
        current = current[key]
        if draw(st.integers(0, 3)) == 0:
            break
    return node, key


def test_it_loads_or_clearly_refuses_any_edit_of_the_shipped_config(figures):
    shipped = shipped_config()
    results: Counter = Counter()

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(data=st.data())
    def load(data):
        files = dict(shipped)
        for _ in range(data.draw(st.integers(1, 3))):
            name = data.draw(st.sampled_from(YAML_FILES))
            text = files[name].decode() if isinstance(files[name], bytes) else files[name]
            files[name] = data.draw(edited(text))
        try:
            config = parse_config(files, origin="config/")
        except ConfigError as error:
            assert error.errors
            for line in error.errors:
                assert re.match(r"config/[\w./-]+(:\d+)?: ", line), line
            results["refused"] += 1
            return
        evaluate(SAMPLE, (), config.ruleset, NOW)
        results["loaded"] += 1

    load()
    figures(edits=sum(results.values()), **dict(results), crashes=0)
    assert results["refused"] and results["loaded"]
