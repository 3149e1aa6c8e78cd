"""Meta's webhooks for one organization's number: verified, stored, then applied idempotently.

Statuses only move forward; a debtor's reply is kept as evidence, read for its intent, and acted
on the way the cadence says: opt-out stops everything, a dated promise pauses until then, anything
else pauses the reminders until a person has answered.
"""

import json
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, and_, bindparam, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from saas_app import db
from saas_app.auth.secrets import unseal
from saas_app.core import library
from saas_app.core.intents import Intent, classify
from saas_app.core.invoices import can_move
from saas_app.core.messages import MessageStatus
from saas_app.core.roles import Role
from saas_app.models import (
    Debtor,
    InboundMessage,
    Invoice,
    Message,
    Template,
    TemplateVariant,
    WebhookEvent,
    WhatsAppAccount,
)
from saas_app.models.base import utcnow
from saas_app.services import debtors, inbox, invoices, outbound, reminders, whatsapp
from saas_app.services.context import OrgContext
from saas_app.whatsapp import templates as template_format
from saas_app.whatsapp.errors import TTL_EXPIRED_CODE
from saas_app.whatsapp.webhooks import (
    Batch,
    InboundEvent,
    StatusEvent,
    TemplateStatusEvent,
    handshake,
    moves_forward,
    parse,
    signature_is_valid,
)

_STAMP: dict[str, str] = {
    MessageStatus.SENT: "sent_at",
    MessageStatus.DELIVERED: "delivered_at",
    MessageStatus.READ: "read_at",
    MessageStatus.FAILED: "failed_at",
}


def _status_to_store(status: StatusEvent) -> str:
    """Meta's status as ours: a failure because the time-to-live ran out is `expired`, not `failed`."""
    if status.status == MessageStatus.FAILED and status.error_code == str(TTL_EXPIRED_CODE):
        return MessageStatus.EXPIRED
    return status.status


@dataclass
class Outcome:
    """What a POST did, for the HTTP answer and for tests."""

    http_status: int
    statuses_applied: int = 0
    templates_updated: int = 0
    replies: list[InboundMessage] = field(default_factory=list)


def verify_subscription(session: Session, params: dict[str, str]) -> str | None:
    """Meta's GET handshake: the challenge, if the verify token is one of ours."""
    account = whatsapp.by_verify_token(session, params.get("hub.verify_token", ""))
    return handshake(params, account.verify_token) if account else None


@dataclass(frozen=True)
class _Account:
    """What verifying and applying a webhook needs of an account: a plain row, its secret unsealed."""

    org_id: int
    phone_number_id: str
    waba_id: str
    app_secret: str


_ACCOUNT = WhatsAppAccount.__table__  # type: ignore[attr-defined]
_ACCOUNT_COLUMNS = (_ACCOUNT.c.org_id, _ACCOUNT.c.phone_number_id, _ACCOUNT.c.waba_id, _ACCOUNT.c.app_secret_sealed)


@dataclass
class _Known:
    """The accounts POSTs are about, as plain rows with their secrets unsealed.

    As this process read them a moment ago (whatsapp.accounts_by_number), unless asked for fresh ones.
    """

    session: Session

    def account(self, phone_number_id: str, fresh: bool = False) -> _Account | None:
        key = (self.session.get_bind(), phone_number_id)
        if fresh:
            whatsapp.accounts_by_number.forget(key)
        found = whatsapp.accounts_by_number.get(key, lambda: self._one(_ACCOUNT.c.phone_number_id == phone_number_id))
        return cast(_Account | None, found)

    def of_businesses(self, waba_ids: set[str]) -> list[_Account]:
        return self._select(_ACCOUNT.c.waba_id.in_(waba_ids))

    def _one(self, where: Any) -> _Account | None:
        found = self._select(where)
        return found[0] if found else None

    def _select(self, where: Any) -> list[_Account]:
        rows = self.session.execute(sa_select(*_ACCOUNT_COLUMNS).where(where)).all()
        return [_Account(org_id, number, waba_id, unseal(sealed)) for org_id, number, waba_id, sealed in rows]


def _accounts(batch: Batch, payload: dict[str, Any], known: _Known, fresh: bool = False) -> list[_Account] | None:
    """The accounts the events are about; None if any of them is not connected here."""
    found: list[_Account] = []
    for phone_number_id in batch.phone_number_ids:
        account = known.account(phone_number_id, fresh)
        if account is None:
            return None
        found.append(account)
    if batch.templates:
        waba_ids = {str(entry.get("id", "")) for entry in payload.get("entry") or []}
        found += [account for account in known.of_businesses(waba_ids) if account not in found]
    return found or None


@dataclass(frozen=True)
class _Verified:
    raw_body: bytes
    batch: Batch
    accounts: list[_Account]


# Where a body names the accounts it is about, found in its raw bytes: the signature is checked
# against their app secrets before anything parses the body (a crafted body must cost no more than
# this scan). At most _CANDIDATES of each are looked up.
_NUMBER_IDS = re.compile(rb'"phone_number_id"\s*:\s*"(\d{1,32})"')
_ENTRY_IDS = re.compile(rb'"id"\s*:\s*"(\d{1,32})"')
_CANDIDATES = 50
# What a signed body of an odd shape raises while it is read: json's ValueError, RecursionError when
# nested deep, OverflowError for a timestamp like 1e30, the rest for a list where an object should be.
_MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError, RecursionError)


def _named(pattern: re.Pattern[bytes], raw_body: bytes) -> list[str]:
    """The distinct ids the pattern finds in the body, in order, at most _CANDIDATES of them."""
    return list(dict.fromkeys(match.decode() for match in pattern.findall(raw_body)))[:_CANDIDATES]


def _signed_by_one_of_ours(raw_body: bytes, signature: str, known: _Known) -> bool:
    """The raw body is signed with the app secret of an account it names (its number, else its WABA)."""
    numbers = _named(_NUMBER_IDS, raw_body)
    for fresh in (False, True):
        accounts = [account for number in numbers if (account := known.account(number, fresh)) is not None]
        if any(signature_is_valid(raw_body, signature, account.app_secret) for account in accounts):
            return True
    # Template updates name no number, only their WABA (the entry's id): rare, so read from the database.
    businesses = set(_named(_ENTRY_IDS, raw_body))
    if not businesses:
        return False
    return any(signature_is_valid(raw_body, signature, a.app_secret) for a in known.of_businesses(businesses))


def _read(raw_body: bytes) -> tuple[dict[str, Any], Batch] | None:
    """The signed body as events; None when it is not the JSON object Meta posts."""
    try:
        payload = json.loads(raw_body)
        if not isinstance(payload, dict):
            return None
        return payload, parse(payload)
    except _MALFORMED:
        return None


def _verify(raw_body: bytes, signature: str, known: _Known) -> _Verified | Outcome:
    """Unsigned: 401; mis-signed or for a number we do not know: 403; signed but malformed: 400.

    The signature is checked on the raw bytes first, so that an unsigned or mis-signed body is never
    parsed. Once parsed, every account its events are about must have signed it too: the scan above
    reads bytes, not JSON, and must not let one tenant's secret vouch for another tenant's events.
    """
    if not signature:
        return Outcome(401)
    if not _signed_by_one_of_ours(raw_body, signature, known):
        return Outcome(403)
    read = _read(raw_body)
    if read is None:
        return Outcome(400)
    payload, batch = read
    # A secret this process remembers from a moment ago may just have been replaced: before refusing
    # a POST, the database has the last word.
    for fresh in (False, True):
        accounts = _accounts(batch, payload, known, fresh)
        if accounts is None:
            return Outcome(403)
        if all(signature_is_valid(raw_body, signature, account.app_secret) for account in accounts):
            return _Verified(raw_body, batch, accounts)
    return Outcome(403)


def receive(session: Session, raw_body: bytes, signature: str, now: datetime | None = None) -> Outcome:
    """One POST to /webhooks/whatsapp."""
    return receive_many(session, [(raw_body, signature)], now)[0]


def receive_many(
    session: Session, posts: list[tuple[bytes, str]], now: datetime | None = None, *, commit: bool = False
) -> list[Outcome]:
    """POSTs that arrived together, verified one by one and applied in one transaction.

    Meta usually sends one status per POST; grouping them (see api.webhook_routes) is what lets
    one process keep up with a campaign's thousands of statuses per second: all their statuses
    are matched in two queries and written in one flush. A POST that fails verification changes
    nothing and gets its own answer. The caller commits, unless `commit`: then the writes travel
    with the COMMIT (see db.committed_with), which saves a group of small POSTs two round trips.
    """
    now = now or utcnow()
    known = _Known(session)
    checked = [_verify(raw_body, signature, known) for raw_body, signature in posts]
    verified = [(i, v) for i, v in enumerate(checked) if isinstance(v, _Verified)]
    outcomes = [v if isinstance(v, Outcome) else Outcome(200) for v in checked]
    statuses = [(i, status) for i, v in verified for status in v.batch.statuses]
    org_of = {a.phone_number_id: a.org_id for _, v in verified for a in v.accounts}
    moved_by_post, changes = _apply_statuses(session, org_of, statuses)
    for i, moved in moved_by_post.items():
        outcomes[i].statuses_applied = moved
    if any(v.batch.inbound or v.batch.templates for _, v in verified):
        # Replies act on what the statuses left (a message's wamid, its status): written before them.
        _write_changes(session, changes)
        changes = {}
        for i, v in verified:
            _apply_the_rest(session, v, outcomes[i], now)
    # Last, and only writes: the statuses' changes (their messages locked since they were read) and
    # the raw events, kept as evidence in the same transaction as their effects.
    with db.committed_with(session) if commit else nullcontext():
        _write_changes(session, changes)
        _store_events(session, [v for _, v in verified], now)
    return outcomes


_EVENT = WebhookEvent.__table__  # type: ignore[attr-defined]
_INSERT_EVENTS = insert(_EVENT)  # built once: SQLAlchemy keys a statement's compiled form per object


def _store_events(session: Session, posts: list[_Verified], now: datetime) -> None:
    """Each POST's body as it was signed, attributed to its organization when it was about one."""
    if not posts:
        return
    org_ids = [post.accounts[0].org_id if len(post.accounts) == 1 else None for post in posts]
    bodies = [post.raw_body.decode("utf-8", errors="replace") for post in posts]
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # one statement over column arrays, as _write_changes
        arrays = db.column_arrays(("int", "text"))
        connection.exec_driver_sql(
            "INSERT INTO webhookevent (org_id, source, body, received_at, processed_at)"  # noqa: S608
            f" SELECT org_id, 'whatsapp', body, %b, %b FROM unnest({arrays}) AS v(org_id, body)",
            (now, now, org_ids, bodies),
        )
        return
    # Core, not the ORM, and so without the model's defaults: `source` is written here.
    rows = [
        {"org_id": org_id, "source": "whatsapp", "body": body, "received_at": now, "processed_at": now}
        for org_id, body in zip(org_ids, bodies, strict=True)
    ]
    connection.execute(_INSERT_EVENTS, rows)


def _apply_the_rest(session: Session, verified: _Verified, outcome: Outcome, now: datetime) -> None:
    """Replies and template updates: rare next to statuses, applied one by one."""
    by_number = {a.phone_number_id: a.org_id for a in verified.accounts}
    for inbound in verified.batch.inbound:
        reply = _apply_reply(session, by_number[inbound.phone_number_id], inbound, now)
        if reply is not None:
            outcome.replies.append(reply)
    by_waba = {a.waba_id: a.org_id for a in verified.accounts if a.waba_id}
    for template in verified.batch.templates:
        if template.waba_id in by_waba:
            outcome.templates_updated += _apply_template_status(session, by_waba[template.waba_id], template)


# What a status needs of its message, read as plain rows with Core columns: during a campaign
# thousands of statuses arrive each second, and the ORM's loading cost several times as much. Of each
# stamp, only whether it is set: parsing four timestamps a row cost more than the rest of the row.
_MESSAGE = Message.__table__  # type: ignore[attr-defined]
_DEBTOR = Debtor.__table__  # type: ignore[attr-defined]
_STATUS_COLUMNS = (
    _MESSAGE.c.id,
    _MESSAGE.c.wamid,
    _MESSAGE.c.status,
    *(_MESSAGE.c[stamp].is_not(None).label(stamp) for stamp in _STAMP.values()),
    _MESSAGE.c.debtor_id,
    _MESSAGE.c.invoice_id,
    _MESSAGE.c.campaign_id,
    # Whether the debtor's BSUID is known yet: a status naming it teaches it once, with no query of its own.
    _DEBTOR.c.whatsapp_user_id.is_not(None).label("debtor_user_id_known"),
)


def _messages_for(session: Session, org_id: int, statuses: list[StatusEvent]) -> dict[str, dict[str, Any]]:
    """The messages a batch of statuses is about, by wamid, in two queries whatever the batch size.

    A status whose wamid we never stored (the worker died before writing it) is matched by the
    message id we sent in biz_opaque_callback_data.
    """
    wamids = {s.wamid for s in statuses if s.wamid}
    dialect = session.get_bind().dialect.name
    found = session.execute(_messages_by(dialect, "wamid"), {"org_id": org_id, "keys": list(wamids)}).mappings()
    by_wamid = {row["wamid"] or "": dict(row) for row in found}
    orphans = {int(s.callback_data): s.wamid for s in statuses if s.wamid not in by_wamid and s.callback_data.isdigit()}
    if orphans:
        rows = session.execute(_messages_by(dialect, "id"), {"org_id": org_id, "keys": list(orphans)}).mappings()
        by_wamid.update({orphans[row["id"]]: dict(row) for row in rows})
    return by_wamid


@cache
def _messages_by(dialect: str, key: str) -> Any:
    """An organization's messages whose `key` (wamid or id) is one of `:keys`: built once, see db.one_of.

    Locked until the group commits (SQLite: the whole database, see _write_lock): otherwise a `read`
    and a `delivered` for one message applied at once by two groups or two processes could both
    start from `sent`, and the later commit would move the status back. In id order, so that two
    groups wait for each other instead of deadlocking.
    """
    mine = and_(_MESSAGE.c.org_id == bindparam("org_id"), db.one_of(dialect, _MESSAGE.c[key], "keys"))
    with_debtor = _MESSAGE.join(_DEBTOR, _DEBTOR.c.id == _MESSAGE.c.debtor_id)
    query = sa_select(*_STATUS_COLUMNS).select_from(with_debtor).where(mine).order_by(_MESSAGE.c.id)
    return query.with_for_update(of=_MESSAGE)  # the messages only: a debtor's row is not the statuses' to hold


def _apply_statuses(
    session: Session, org_of: dict[str, int], statuses: list[tuple[int, StatusEvent]]
) -> tuple[dict[int, int], dict[int, dict[str, Any]]]:
    """Record each status that moves its message forward; fill in missing earlier stamps either way.

    `statuses` are (post index, status); returns how many each post moved forward, and the columns
    to write per message id, for _write_changes (the messages stay locked until the transaction ends).
    """
    by_org: dict[int, list[tuple[int, StatusEvent]]] = {}
    for post, status in statuses:
        by_org.setdefault(org_of[status.phone_number_id], []).append((post, status))
    moved: dict[int, int] = {}
    if by_org:
        _write_lock(session)
    listening = outbound.listening_orgs(session, "message.status_changed") if by_org else set()
    changes: dict[int, dict[str, Any]] = {}  # message id -> the columns to write
    for org_id, events in by_org.items():
        changed: list[dict[str, Any]] = []
        user_ids: dict[int, str] = {}  # debtor id -> the BSUID a status names, for debtors without one yet
        messages = _messages_for(session, org_id, [status for _, status in events])
        for post, status in events:
            message, stamp = messages.get(status.wamid), _STAMP.get(status.status)
            moved.setdefault(post, 0)
            if message is not None and status.user_id and not message["debtor_user_id_known"]:
                user_ids.setdefault(message["debtor_id"], status.user_id)
            if message is None or stamp is None:
                continue
            change = changes.setdefault(message["id"], {})
            if not message["wamid"]:
                message["wamid"] = change["wamid"] = status.wamid
            if not message[stamp]:
                message[stamp], change[stamp] = True, status.at
            if moves_forward(message["status"], status.status):
                moved[post] += 1
                message["status"] = change["status"] = _status_to_store(status)
                if status.status == MessageStatus.FAILED:
                    change["error_code"], change["error_message"] = status.error_code, status.error_message
                if org_id in listening:
                    changed.append(_status_event(message, status))
        if changed:
            outbound.emit(session, org_id, "message.status_changed", changed)
        _remember_user_ids(session, org_id, user_ids)
    return moved, changes


# A debtor's BSUID, written once: never over one already known, never one another debtor of the
# organization holds (the unique index would refuse the whole POST, and Meta would retry it for days).
_OTHER = _DEBTOR.alias("other")
_REMEMBER_USER_ID = (
    update(_DEBTOR)
    .where(
        _DEBTOR.c.org_id == bindparam("org"),
        _DEBTOR.c.id == bindparam("debtor"),
        _DEBTOR.c.whatsapp_user_id.is_(None),
        ~sa_select(_OTHER.c.id)
        .where(_OTHER.c.org_id == bindparam("org"), _OTHER.c.whatsapp_user_id == bindparam("user_id"))
        .exists(),
    )
    .values(whatsapp_user_id=bindparam("user_id"))
)


def _remember_user_ids(session: Session, org_id: int, user_ids: dict[int, str]) -> None:
    """Stores the BSUID Meta named for each debtor (id -> BSUID) that has none yet."""
    # In id order, as every writer takes rows, so that two groups wait for each other rather than deadlock.
    rows = [{"org": org_id, "debtor": debtor, "user_id": user_id[:140]} for debtor, user_id in sorted(user_ids.items())]
    if rows:
        session.connection().execute(_REMEMBER_USER_ID, rows)


def _write_lock(session: Session) -> None:
    """SQLite: the database's write lock, before reading the messages to change.

    pysqlite begins a transaction only at the first write, so without it the messages would be read
    outside it, and a status read before another writer's commit could move a message back.
    PostgreSQL locks just the rows instead (see _messages_for).
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    sqlite = connection.connection.driver_connection
    if sqlite is not None and not sqlite.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# The columns a status may change, and their PostgreSQL types for the arrays they travel in.
_CHANGEABLE = {
    "status": "text",
    "wamid": "text",
    **dict.fromkeys(_STAMP.values(), "timestamptz"),
    "error_code": "text",
    "error_message": "text",
}


# No SET clause: it is the columns named in the rows, the same in every row of one execution.
_UPDATE_BY_ID = update(_MESSAGE).where(_MESSAGE.c.id == bindparam("message_id"))


def _write_changes(session: Session, changes: dict[int, dict[str, Any]]) -> None:
    """The group's changes to its messages. PostgreSQL: one UPDATE whatever columns each message changes.

    One statement fires the campaign counters' trigger once, which takes the counter rows it moves in
    one sorted order: two groups written at once (api.webhook_routes), or a group and the worker, wait
    for each other instead of deadlocking, as they could when a group wrote its `delivered` and its
    `read` statuses in two statements, each locking its own counter rows.
    SQLite: one UPDATE by primary key per set of changed columns (usually one: a status and its stamp).
    """
    changed = {message_id: change for message_id, change in changes.items() if change}
    if not changed:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _write_changes_in_one_statement(connection, changed)
        return
    by_columns: dict[tuple[str, ...], list[int]] = {}
    for message_id, change in changed.items():
        by_columns.setdefault(tuple(sorted(change)), []).append(message_id)
    for ids in by_columns.values():
        connection.execute(_UPDATE_BY_ID, [{"message_id": i, **changed[i]} for i in ids])


def _write_changes_in_one_statement(connection: Connection, changed: dict[int, dict[str, Any]]) -> None:
    """Over column arrays (row by row, each UPDATE was a round trip of its own): a NULL keeps the column."""
    columns = sorted({name for change in changed.values() for name in change})
    ids = sorted(changed)
    sets = ", ".join(f"{name} = coalesce(v.{name}, message.{name})" for name in columns)
    arrays = db.column_arrays(["int", *(_CHANGEABLE[name] for name in columns)])
    connection.exec_driver_sql(
        f"UPDATE message SET {sets} FROM unnest({arrays}) AS v(id, {', '.join(columns)})"  # noqa: S608
        " WHERE message.id = v.id",
        (ids, *([changed[i].get(name) for i in ids] for name in columns)),
    )


def _status_event(message: dict[str, Any], status: StatusEvent) -> dict[str, Any]:
    return outbound.message_event(
        message_id=message["id"],
        status=message["status"],
        at=status.at,
        debtor_id=message["debtor_id"],
        invoice_id=message["invoice_id"],
        campaign_id=message["campaign_id"],
        error_code=status.error_code,
    )


def _apply_template_status(session: Session, org_id: int, event: TemplateStatusEvent) -> int:
    """Meta approved, rejected, paused or disabled one of our templates in one language, and why."""
    status = template_format.STATUSES.get(event.status.upper())
    if status is None:
        return 0
    named = or_(
        col(TemplateVariant.whatsapp_name) == event.name,
        and_(col(TemplateVariant.whatsapp_name) == "", col(Template.key) == event.name),
    )
    variants = session.exec(
        select(TemplateVariant)
        .join(Template, col(Template.id) == TemplateVariant.template_id)
        .where(TemplateVariant.org_id == org_id, TemplateVariant.language == event.language, named)
    ).all()
    # Meta says why it refused (INVALID_FORMAT, PROMOTIONAL ...) and "NONE" otherwise; a new verdict
    # replaces the reason for an older one.
    reason = "" if event.reason.upper() in ("", "NONE") else event.reason[:500]
    for variant in variants:
        variant.status, variant.rejection_reason, variant.updated_at = status, reason, utcnow()
        session.add(variant)
    return len(variants)


def _system(org_id: int) -> OrgContext:
    """The webhook acts for the organization with a collector's rights, recorded as no user."""
    return OrgContext(user_id=None, org_id=org_id, role=Role.COLLECTOR, ip="whatsapp-webhook")


def _apply_reply(session: Session, org_id: int, inbound: InboundEvent, now: datetime) -> InboundMessage | None:
    known = session.exec(
        select(InboundMessage.id).where(InboundMessage.org_id == org_id, InboundMessage.wamid == inbound.wamid)
    ).first()
    if known is not None:  # Meta retries and duplicates: a reply is acted on once
        return None
    debtor = _sender_of(session, org_id, inbound)
    replied_to = None
    if inbound.replied_to:
        replied_to = session.exec(
            select(Message).where(Message.org_id == org_id, Message.wamid == inbound.replied_to)
        ).first()
    button = (
        library.REPLY_BUTTONS.index(inbound.button_payload) if inbound.button_payload in library.REPLY_BUTTONS else None
    )
    reading = classify(inbound.text, now.date(), button_index=button)
    reply = InboundMessage(
        org_id=org_id,
        debtor_id=debtor.id if debtor else None,
        wamid=inbound.wamid,
        sender=(inbound.sender or inbound.user_id)[:140],
        profile_name=inbound.profile_name[:200],
        kind=inbound.kind[:20],
        text=inbound.text[:4096],
        replied_to_message_id=replied_to.id if replied_to else None,
        intent=reading.intent.value,
        promised_on=reading.promised_on,
        received_at=inbound.at,
    )
    session.add(reply)
    session.flush()
    event = {
        "reply_id": reply.id,
        "debtor_id": reply.debtor_id,
        "sender": reply.sender,
        "text": reply.text,
        "intent": reply.intent,
        "promised_on": reply.promised_on.isoformat() if reply.promised_on else None,
        "replied_to_message_id": reply.replied_to_message_id,
        "received_at": reply.received_at.isoformat(),
    }
    outbound.emit(session, org_id, "reply.received", [event], now)
    if debtor is not None:
        _act_on(session, org_id, debtor, replied_to, reading.intent, reading.promised_on, now)
    return reply


def _sender_of(session: Session, org_id: int, inbound: InboundEvent) -> Debtor | None:
    """The organization's debtor who wrote: by phone number, else by their BSUID (a user with a username
    is named only by it), which the debtor's row learns here if it did not know it yet."""
    debtor = None
    if inbound.sender:
        debtor = session.exec(select(Debtor).where(Debtor.org_id == org_id, Debtor.phone == inbound.sender)).first()
    if debtor is None and inbound.user_id:
        by_user_id = (Debtor.org_id == org_id, Debtor.whatsapp_user_id == inbound.user_id)
        debtor = session.exec(select(Debtor).where(*by_user_id)).first()
    if debtor is not None and inbound.user_id and debtor.whatsapp_user_id is None:
        _remember_user_ids(session, org_id, {debtor.id or 0: inbound.user_id})
    return debtor


def _act_on(
    session: Session,
    org_id: int,
    debtor: Debtor,
    replied_to: Message | None,
    intent: Intent,
    promised_on: Any,
    now: datetime,
) -> None:
    ctx = _system(org_id)
    if debtor.opted_in_at is None and debtor.opted_out_at is None:
        debtor.opt_in_source, debtor.opted_in_at = "replied_first", now  # they wrote to the business first
        session.add(debtor)
    if intent == Intent.OPT_OUT:
        debtors.opt_out(session, ctx, debtor.id or 0, source="whatsapp_reply")
        return
    invoice = _invoice_of(session, org_id, debtor, replied_to)
    if intent == Intent.NOT_RECEIVED and invoice is not None and invoice.document_url:
        inbox.queue_document(session, invoice, now)  # "I never got it": here it is, in the chat they opened
    promise_applies = (
        intent == Intent.PROMISE
        and promised_on is not None
        and invoice is not None
        and can_move(invoice.status, "promised")
        and promised_on >= now.date()
    )
    if promise_applies and invoice is not None:
        invoices.change_status(session, ctx, invoice.id or 0, "promised", promised_on=promised_on, today=now.date())
        return
    reminders.pause_for_reply(session, org_id, debtor.id or 0, now.date())


def _invoice_of(session: Session, org_id: int, debtor: Debtor, replied_to: Message | None) -> Invoice | None:
    """The invoice a reply is about: the one of the message it answers, else the debtor's only open one."""
    if replied_to is not None and replied_to.invoice_id is not None:
        return session.get(Invoice, replied_to.invoice_id)
    open_ones = session.exec(
        select(Invoice).where(
            Invoice.org_id == org_id,
            Invoice.debtor_id == debtor.id,
            col(Invoice.status).in_(("open", "partially_paid")),
        )
    ).all()
    return open_ones[0] if len(open_ones) == 1 else None
