"""What the product logs as it works: refused sign-ins and planner runs, as production writes them (logs.py)."""

import json
import logging
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from saas_app import metrics
from saas_app.services import accounts
from saas_app.services.errors import ServiceError
from saas_app.worker.dispatcher import run_planner
from tests.integration.services.test_collections import NOW
from tests.integration.worker.test_dispatcher import campaign_world
from tests.logging_capture import JsonLines


@pytest.fixture
def json_lines() -> Iterator[JsonLines]:
    handler = JsonLines(logging.INFO)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_refused_sign_in_is_logged_with_the_address_and_a_masked_email(
    session: Session, json_lines: JsonLines
) -> None:
    accounts.create_user(session, email="maria.silva@example.com", name="Maria", password="correct horse battery")
    session.commit()
    with pytest.raises(ServiceError):
        accounts.log_in(session, email="maria.silva@example.com", password="wrong password", ip="198.51.100.7")
    with pytest.raises(ServiceError):
        accounts.log_in(session, email="nobody@example.com", password="whatever", ip="198.51.100.7")
    refused = [line for line in json_lines.lines if line["logger"] == "cobro.signin"]
    assert [line["event"] for line in refused] == ["sign-in refused: wrong email or password"] * 2
    assert [(line["email"], line["known_user"], line["ip"]) for line in refused] == [
        ("m***@example.com", True, "198.51.100.7"),
        ("n***@example.com", False, "198.51.100.7"),
    ]
    assert "maria.silva" not in json.dumps(json_lines.lines)
    assert "wrong password" not in json.dumps(json_lines.lines), "never the password typed"


def test_a_planner_run_is_timed_and_logged_with_what_it_scheduled(session: Session, json_lines: JsonLines) -> None:
    campaign_world(session, 3)  # plans its messages itself: the next run finds nothing new
    runs_before = _planner_runs()
    assert run_planner(session, NOW) == 0
    line = next(line for line in json_lines.lines if line["event"].startswith("planner:"))
    assert line["planned"] == 0
    assert line["seconds"] >= 0
    assert _planner_runs() == runs_before + 1


def _planner_runs() -> float:
    return next(
        sample.value
        for family in metrics.PLANNER_SECONDS.collect()
        for sample in family.samples
        if sample.name.endswith("_count")
    )
