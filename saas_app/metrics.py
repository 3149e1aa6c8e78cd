"""Prometheus metrics: what each process counts as it works, and what a scrape reads from the database.

Kept cheap where the traffic is: a send or a webhook POST touches a counter or a histogram already
labelled (no label lookup, no allocation); the figures that live in the database (messages by
status, the queue) are read when Prometheus asks, never on each event.

Several processes (docs/deploy.md): an app with several backend processes on one host sets
PROMETHEUS_MULTIPROC_DIR, and any of them answers /metrics for all; each `cobro worker` serves its own
figures with `--metrics-port`.
"""

import hmac
import ipaddress
import logging
import os
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from saas_app.core.messages import MessageStatus, SendOutcome
from saas_app.db import get_engine
from saas_app.models import CampaignCounter, Message, WhatsAppAccount
from saas_app.models.base import utcnow

log = logging.getLogger("cobro.metrics")

# Meta answers a send in 0.1-0.5 s from Europe or Brazil; a timeout is 15 s.
SEND_SECONDS = Histogram(
    "cobro_send_seconds",
    "A send request to the Cloud API, from leaving the worker to its answer, by outcome.",
    ["outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 15.0),
)
# Meta stamps events in whole seconds and retries a failed POST for days: the buckets reach far.
WEBHOOK_LAG_SECONDS = Histogram(
    "cobro_webhook_lag_seconds",
    "From Meta's timestamp on a webhook event to its effect committed in the database.",
    buckets=(1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0),
)
PLANNER_SECONDS = Histogram(
    "cobro_planner_run_seconds",
    "One planner run over every running enrollment, start to commit.",
    buckets=(0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
HTTP_REQUESTS = Counter(
    "cobro_http_requests",
    "HTTP requests answered, by route template (never a path with its ids), method and status code.",
    ["route", "method", "code"],
)
# One child per outcome, made once: labels() takes a lock and builds a key on every call.
SEND_SECONDS_BY_OUTCOME = {outcome: SEND_SECONDS.labels(outcome.value) for outcome in SendOutcome}

UNLIMITED = "unlimited"
NO_ACCOUNT = "none"


def tier_label(messaging_limit: int | None) -> str:
    """The organization's WhatsApp messaging tier as a label: 250, 2000, ..., unlimited, or none."""
    if messaging_limit is None:
        return NO_ACCOUNT
    return UNLIMITED if messaging_limit == 0 else str(messaging_limit)


class DatabaseCollector:
    """Figures read from the database on each scrape: two small queries, whatever the traffic."""

    def collect(self) -> Iterator[Metric]:
        """Messages by status and tier (from the campaign counters) and the queue of due messages."""
        try:
            with Session(get_engine()) as session:
                by_status = messages_by_status_and_tier(session)
                due = queue_depth(session)
        except SQLAlchemyError as error:  # the scrape still answers with the process's own figures
            log.warning("metrics: the database could not be read (%s)", error.__class__.__name__)
            return
        messages = GaugeMetricFamily(
            "cobro_messages",
            "Campaign messages by status and by the organization's WhatsApp messaging tier (the campaign counters).",
            labels=["status", "tier"],
        )
        for (status, tier), count in sorted(by_status.items()):
            messages.add_metric([status, tier], count)
        yield messages
        yield GaugeMetricFamily("cobro_queue_depth", "Messages due now and not yet claimed by a worker.", value=due)


def messages_by_status_and_tier(session: Session) -> dict[tuple[str, str], int]:
    """Sums of the campaign counters (kept by triggers): a few rows per campaign, not one per message."""
    statuses = [status.value for status in MessageStatus]
    rows = session.execute(
        select(col(CampaignCounter.status), col(WhatsAppAccount.messaging_limit), func.sum(CampaignCounter.count))
        .outerjoin(WhatsAppAccount, col(WhatsAppAccount.org_id) == col(CampaignCounter.org_id))
        .where(col(CampaignCounter.status).in_(statuses))
        .group_by(col(CampaignCounter.status), col(WhatsAppAccount.messaging_limit))
    ).all()
    totals: dict[tuple[str, str], int] = {}
    for status, limit, count in rows:
        key = (status, tier_label(limit))
        totals[key] = totals.get(key, 0) + int(count or 0)
    return totals


def queue_depth(session: Session) -> int:
    """Messages scheduled for now or earlier: a count over the index workers claim by (ix_message_due)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Message)
            .where(col(Message.status) == MessageStatus.SCHEDULED, col(Message.scheduled_at) <= utcnow())
        ).scalar_one()
    )


class WorkerStats(Protocol):
    sent: int
    failed: int
    retried: int
    uncertain: int
    held_back: int
    recovered: int


class WorkerCollector:
    """A worker's running totals, read on the scrape from the counts it keeps anyway (no cost per send)."""

    def __init__(self, stats: Callable[[], WorkerStats]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        """Sends by outcome, held back and recovered, since the worker started."""
        stats = self.stats()
        sends = CounterMetricFamily("cobro_worker_sends", "Sends this worker made, by outcome.", labels=["outcome"])
        for outcome, count in (
            ("sent", stats.sent),
            ("failed", stats.failed),
            ("retry", stats.retried),
            ("uncertain", stats.uncertain),
        ):
            sends.add_metric([outcome], count)
        yield sends
        yield CounterMetricFamily(
            "cobro_worker_held_back",
            "Claimed messages a last check held back (stopped, skipped).",
            value=stats.held_back,
        )
        yield CounterMetricFamily(
            "cobro_worker_recovered",
            "Messages whose lease ran out without news, put back in the queue.",
            value=stats.recovered,
        )


class _Together:
    """Several collectors as one registry, for one scrape."""

    def __init__(self, *sources: Any) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        """Every source's metrics, in turn."""
        for source in self.sources:
            yield from source.collect()


def process_figures() -> Any:
    """This process's own metrics, or, in multiprocess mode, every process's of this host summed."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition(sources: Iterable[Any], accept: str) -> tuple[bytes, str]:
    """The metrics in the format the scraper asked for (Prometheus text, or OpenMetrics) and its content type."""
    encoder, content_type = choose_encoder(accept)
    return encoder(_Together(*sources)), content_type


def access(authorization: str, client_host: str, *, proxied: bool, token: str) -> int:
    """Whether to answer a scrape: 200; 401 without the configured bearer token; 404 for a stranger.

    Without a token only this machine is answered, and not a request a proxy on this machine passed
    on (it carries a forwarding header): behind a proxy, set a token.
    """
    if token:
        scheme, _, given = authorization.partition(" ")
        return 200 if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token) else 401
    return 200 if is_loopback(client_host) and not proxied else 404


def is_loopback(host: str) -> bool:
    """127.0.0.0/8 or ::1 (an IPv4 address in IPv6 form too); anything else, names included, is not."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        """Scrapes every few seconds are not news."""


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


def serve(host: str, port: int, sources: Iterable[Any], token: str) -> WSGIServer:
    """`/metrics` on its own port, in a thread, for a process without an HTTP side (the worker).

    The same rule as the app's: the bearer token when one is set, else this machine only.
    """
    sources = tuple(sources)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        proxied = any(f"HTTP_{name.upper().replace('-', '_')}" in environ for name in FORWARDING_HEADERS)
        verdict = access(
            environ.get("HTTP_AUTHORIZATION", ""), environ.get("REMOTE_ADDR", ""), proxied=proxied, token=token
        )
        if verdict == 401:
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"a bearer token is needed"]
        if verdict != 200 or environ.get("PATH_INFO", "/") not in ("/", "/metrics"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        body, content_type = exposition(sources, environ.get("HTTP_ACCEPT", ""))
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    server_class = _ThreadingServer6 if ":" in host else _ThreadingServer
    server = make_server(host, port, app, server_class=server_class, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="cobro-metrics", daemon=True).start()
    return server
