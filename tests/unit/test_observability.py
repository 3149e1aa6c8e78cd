"""Logs that say what happened without giving away a phone number or a secret, and who may read the metrics."""

import json
import logging
import os
import subprocess
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from saas_app import logs, metrics
from saas_app.api import webhook_routes
from saas_app.settings import Settings
from saas_app.worker.dispatcher import Stats

TOKEN = "scrape-token-0123456789"

PRODUCTION = {"COBRO_ENV": "production", "SECRET_KEY": "s", "COBRO_ENCRYPTION_KEY": "k"}


def record(message: str, *args: object, exc_info: object = None, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("cobro.test", logging.WARNING, __file__, 1, message, args, exc_info)  # type: ignore[arg-type]
    made.__dict__.update(extra)
    return made


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+5511987654321", "+*********4321"),
        ("5511987654321", "*********4321"),  # Meta's wa_id has no "+"
        ("+39 333 123 4567", "+** *** *** 4567"),
    ],
)
def test_a_phone_number_keeps_only_its_last_four_digits(phone: str, masked: str) -> None:
    assert logs.mask_phone(phone) == masked


def test_phone_numbers_are_masked_wherever_they_appear_in_a_line() -> None:
    line = logs.redact('send to +5511987654321 failed; {"wa_id": "393331234567"}; sent 1,234 (56/s) in 2026')
    assert line == 'send to +*********4321 failed; {"wa_id": "********4567"}; sent 1,234 (56/s) in 2026'


def test_secrets_lose_their_values_but_keep_their_names() -> None:
    line = logs.redact(
        'Authorization: Bearer EAAG-abc.123 access_token=EAAGxyz "app_secret": "s3cr3t" password=hunter2'
    )
    for secret in ("EAAG-abc.123", "EAAGxyz", "s3cr3t", "hunter2"):
        assert secret not in line
    assert "access_token=[redacted]" in line
    assert '"app_secret": "[redacted]"' in line


def test_production_writes_one_json_object_per_line_with_the_ids_it_is_about() -> None:
    formatter = logs.JsonFormatter()
    with logs.bound(request_id="r-1", org_id=7):
        line = formatter.format(
            record("send %s to %s", "failed", "+5511987654321", campaign_id=3, message_id=42, access_token="EAAG-x")
        )
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "warning"
    assert entry["logger"] == "cobro.test"
    assert entry["event"] == "send failed to +*********4321"
    assert (entry["request_id"], entry["org_id"], entry["campaign_id"], entry["message_id"]) == ("r-1", 7, 3, 42)
    assert entry["access_token"] == logs.REDACTED
    assert entry["time"].endswith("+00:00")
    outside = json.loads(formatter.format(record("later")))
    assert "request_id" not in outside, "ids bound to a request end with it"


def test_a_traceback_is_kept_in_the_line_with_its_phone_numbers_masked() -> None:
    try:
        raise ValueError("no WhatsApp for +5511987654321")
    except ValueError:
        entry = json.loads(logs.JsonFormatter().format(record("boom", exc_info=sys.exc_info(), reference="ab12cd34")))
    assert entry["reference"] == "ab12cd34"
    assert "ValueError: no WhatsApp for +*********4321" in entry["error"]
    assert "987654321" not in json.dumps(entry)


def test_development_writes_a_line_a_person_reads() -> None:
    with logs.bound(org_id=7):
        line = logs.TextFormatter().format(record("sign-in refused: %s", "wrong password", ip="10.0.0.1"))
    assert line.endswith("WARNING cobro.test: sign-in refused: wrong password  org_id=7 ip=10.0.0.1")


def test_an_email_keeps_its_first_letter_and_domain() -> None:
    assert logs.mask_email("maria.silva@example.com") == "m***@example.com"
    assert logs.mask_email("not an email") == "***"


def test_json_in_production_text_in_development_and_either_on_request() -> None:
    assert Settings.from_env(PRODUCTION).log_format == "json"
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env(PRODUCTION | {"COBRO_LOG_FORMAT": "text"}).log_format == "text"
    assert Settings.from_env({"COBRO_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(RuntimeError, match="COBRO_LOG_FORMAT"):
        Settings.from_env({"COBRO_LOG_FORMAT": "xml"})


def test_configure_writes_through_one_handler_however_often_it_runs(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        for _ in range(3):
            logs.configure(Settings.from_env(PRODUCTION))
        ours = [h for h in root.handlers if h not in before]
        assert len(ours) <= 1  # none when an earlier test configured it already
        logging.getLogger("cobro.test").warning("sign-in refused for %s", "+5511987654321")
        entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert entry["event"] == "sign-in refused for +*********4321"
    finally:
        logs.configure(Settings.from_env({}))


@pytest.mark.parametrize(
    ("authorization", "client", "proxied", "token", "answer"),
    [
        ("", "127.0.0.1", False, "", 200),
        ("", "::1", False, "", 200),
        ("", "::ffff:127.0.0.1", False, "", 200),
        ("", "10.0.0.5", False, "", 404),
        ("", "127.0.0.1", True, "", 404),  # a proxy on this machine forwarding someone else
        ("", "localhost", False, "", 404),  # a name is not an address
        ("", "127.0.0.1", False, TOKEN, 401),  # with a token, the token decides
        ("Bearer wrong", "10.0.0.5", False, TOKEN, 401),
        (f"Bearer {TOKEN}", "10.0.0.5", True, TOKEN, 200),
        (f"bearer {TOKEN}", "10.0.0.5", False, TOKEN, 200),
        (f"Basic {TOKEN}", "10.0.0.5", False, TOKEN, 401),
    ],
)
def test_who_may_read_the_metrics(authorization: str, client: str, proxied: bool, token: str, answer: int) -> None:
    assert metrics.access(authorization, client, proxied=proxied, token=token) == answer


def test_a_worker_serves_its_own_figures_on_its_port_to_the_token_only() -> None:
    stats = Stats(sent=12, failed=1, retried=2)
    server = metrics.serve("127.0.0.1", 0, (metrics.WorkerCollector(lambda: stats),), TOKEN)
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        assert httpx.get(url).status_code == 401
        answer = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        sends = {
            sample.labels["outcome"]: sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples
            if sample.name == "cobro_worker_sends_total"
        }
        assert sends == {"sent": 12, "failed": 1, "retry": 2, "uncertain": 0}
        stats.sent += 5  # read at each scrape, nothing counted twice
        assert (
            'cobro_worker_sends_total{outcome="sent"} 17.0'
            in httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).text
        )
        assert (
            httpx.get(url.replace("/metrics", "/other"), headers={"Authorization": f"Bearer {TOKEN}"}).status_code
            == 404
        )
    finally:
        server.shutdown()
        server.server_close()


def test_messaging_tiers_are_named_as_meta_names_them() -> None:
    assert [metrics.tier_label(limit) for limit in (250, 2000, 100000, 0, None)] == [
        "250",
        "2000",
        "100000",
        "unlimited",
        "none",
    ]


def _lag_count() -> float:
    return next(
        sample.value
        for family in metrics.WEBHOOK_LAG_SECONDS.collect()
        for sample in family.samples
        if sample.name.endswith("_count")
    )


def test_every_event_of_a_post_is_timed_however_meta_spaces_its_json() -> None:
    compact = b'{"statuses":[{"id":"a","timestamp":"1795000000"},{"id":"b","timestamp":"1795000060"}]}'
    spaced = b'{"messages": [{"id": "c", "timestamp" : "1795000000", "text": {"body": "timestamp"}}]}'
    before = _lag_count()
    webhook_routes._observe_lag(compact, 1795000100.0)
    webhook_routes._observe_lag(spaced, 1795000100.0)
    assert _lag_count() == before + 3, "two statuses and a reply; the word in the reply's text is not a timestamp"


def test_the_app_processes_of_a_host_answer_for_each_other_in_multiprocess_mode(tmp_path) -> None:
    """Granian hands a scrape to any backend process: with PROMETHEUS_MULTIPROC_DIR, each one sums them all."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from saas_app import metrics; metrics.HTTP_REQUESTS.labels('/api/health', 'GET', '200').inc()"
    for _ in range(2):  # two backend processes, one request each
        subprocess.run([sys.executable, "-c", count], env=env, check=True, capture_output=True)
    scrape = (
        "from saas_app import metrics; import sys;"
        "sys.stdout.write(metrics.exposition((metrics.process_figures(),), '')[0].decode())"
    )
    text = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, capture_output=True).stdout.decode()
    assert 'cobro_http_requests_total{code="200",method="GET",route="/api/health"} 2.0' in text
