"""A local stand-in for the Cloud API, in its own wire format, with Meta's error codes for bad input.

The same client code talks to it or to Meta: only the base URL and credentials differ. It keeps
its numbers, templates and recent sends in memory, and posts signed webhooks back to the app the
way Meta does: sent, delivered and read after a while, some failures, and some replies in the
debtor's language (payment claims, promises, opt-outs), so that a demo campaign moves by itself.
Sandbox numbers (whatsapp.sandbox) need no set-up: their credentials come from a shared secret.

Meta's limits are enforced as Meta enforces them: a number's throughput (130429), the pair rate
(131056), the messaging-limit tier when the behaviour asks for it, and a template's time-to-live
for recipients whose phone stays off (a `failed` status with 410 once it runs out).
"""

import asyncio
import base64
import hashlib
import heapq
import itertools
import json
import random
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from saas_app.core import library
from saas_app.core.pacing import MESSAGING_TIERS
from saas_app.core.ratelimit import most_in_any_second
from saas_app.core.schedule import PAIR_SPACING
from saas_app.core.templates import placeholders_in
from saas_app.whatsapp import sandbox, simulator_replies, simulator_world
from saas_app.whatsapp import simulator_webhooks as meta
from saas_app.whatsapp.errors import MESSAGING_LIMIT_CODE, TTL_EXPIRED_CODE
from saas_app.whatsapp.templates import UTILITY_TTL
from saas_app.whatsapp.webhooks import envelope, signature_of

_E164_DIGITS = re.compile(r"^[1-9]\d{7,14}$")
_DAY = 24 * 3600.0
# Meta's time-to-live when a template sets none (utility and marketing): a message is dropped after it.
DEFAULT_TTL_SECONDS = 30 * _DAY
# message_send_ttl_seconds Meta accepts per category, in seconds.
_TTL_RANGES = {"AUTHENTICATION": (30, 900), "UTILITY": (30, 43_200), "MARKETING": (43_200, 2_592_000)}
# Sending a template Meta paused (low quality) or disabled (paused too often) is refused with these.
_PAUSED = {"PAUSED": (132015, "Template is paused"), "DISABLED": (132016, "Template is disabled")}
# Sandbox numbers hold the built-in library as Cobro would have submitted it.
_OUR_TTL = int(UTILITY_TTL.total_seconds())


@dataclass
class Number:
    phone_number_id: str
    waba_id: str
    access_token: str
    display_phone_number: str = "+1 555 0100"
    verified_name: str = "Cobro Simulator"
    throughput: int = 80
    messaging_limit: str = "TIER_250"
    app_secret: str = ""  # signs the webhooks about this number


@dataclass
class SimTemplate:
    id: str
    name: str
    language: str
    category: str
    body: str
    status: str = "APPROVED"
    ttl_seconds: int | None = None  # message_send_ttl_seconds, as submitted
    buttons: tuple[str, ...] = ()  # quick-reply labels

    def as_json(self) -> dict[str, Any]:
        """The template as Meta's template listing shows it, with named parameters."""
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "status": self.status,
            "parameter_format": "NAMED",
            "components": [{"type": "BODY", "text": self.body}],
        }


@dataclass(frozen=True)
class Behaviour:
    """How the simulated world answers: delays in seconds, rates between 0 and 1."""

    answer_delay: float = 0.0  # before answering a send (a round trip to Meta is ~0.2 s)
    sent_after: float = 1.0
    delivered_after: float = 3.0
    read_after: float = 20.0
    reply_after: float = 40.0
    failure_rate: float = 0.03  # undeliverable (131026)
    delivered_rate: float = 0.95
    read_rate: float = 0.7
    reply_rate: float = 0.2  # of the messages read
    approve_after: float = 5.0  # a submitted template's review
    webhooks: bool = True
    offline_rate: float = 0.0  # recipients whose phone stays off: never delivered, dropped after the TTL
    ttl_scale: float = 1.0  # simulated seconds per second of a time-to-live (a demo may use 0.001)
    # Refuse templates to new people beyond each number's messaging-limit tier. Off by default: demos
    # and benchmarks send to thousands at once from fresh sandbox numbers (TIER_250).
    messaging_limits: bool = False
    # Meta posts one change at a time, and now and then several together: the share of POSTs that
    # carry every change due for their number at that moment (up to BATCH_MOST).
    batch_share: float = 0.05


BATCH_MOST = 1000  # changes Meta puts in one POST at most


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    phone_number_id: str = field(compare=False)
    value: dict[str, Any] = field(compare=False)  # one change: contacts and statuses or messages; or approved


@dataclass
class _Reached:
    """The people one number reached with templates outside their service window, in a moving 24 h."""

    last: dict[str, float] = field(default_factory=dict)  # person: the latest send counted
    order: deque[tuple[float, str]] = field(default_factory=deque)

    def admits(self, to: str, now: float, limit: int) -> bool:
        """Whether a template to `to` fits in the limit (counted if so); people already reached always fit."""
        while self.order and now - self.order[0][0] >= _DAY:
            at, person = self.order.popleft()
            if self.last.get(person) == at:
                del self.last[person]
        if to not in self.last and len(self.last) >= limit:
            return False
        self.last[to] = now
        self.order.append((now, to))
        return True


@dataclass
class SimulatorState:
    numbers: dict[str, Number] = field(default_factory=dict)
    templates: dict[str, dict[tuple[str, str], SimTemplate]] = field(default_factory=lambda: defaultdict(dict))
    sent: list[dict[str, Any]] = field(default_factory=list)
    send_times: list[float] = field(default_factory=list)  # clock() of each accepted send, for rate checks
    _recent: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _last_to: dict[tuple[str, str], float] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    behaviour: Behaviour = field(default_factory=Behaviour)
    sandbox_secret: str = ""  # set: sandbox numbers work without being added
    rng: random.Random = field(default_factory=random.Random)
    pending: list[_Due] = field(default_factory=list)  # webhooks to post, soonest first
    delivered_webhooks: int = 0
    read_receipts: list[str] = field(default_factory=list)  # wamids the business marked read
    wrote_at: dict[tuple[str, str], float] = field(default_factory=dict)  # (number, debtor): last message
    throttled: int = 0  # sends refused with 130429
    offline: set[str] = field(default_factory=set)  # recipients (digits) whose phone stays off
    reached: dict[str, _Reached] = field(default_factory=lambda: defaultdict(_Reached))  # per number
    # (number, recipient): the language of the last template, what a debtor answers free text in
    languages: dict[tuple[str, str], str] = field(default_factory=dict)
    replies: list[simulator_replies.Reply] = field(default_factory=list)  # what debtors wrote, in order
    # wamid: the last status its webhooks will tell (what the app's row must end at), for tests
    last_status: dict[str, str] = field(default_factory=dict)
    # Debtors with a behaviour who read, answer, promise and pay (simulator_world); without it every
    # message is read and answered at the Behaviour's flat rates, and nobody pays.
    world: simulator_world.World | None = None

    def number(self, phone_number_id: str) -> Number | None:
        """A known number, or a sandbox one made on first use with the built-in library approved."""
        found = self.numbers.get(phone_number_id)
        if found is None and self.sandbox_secret and sandbox.is_sandbox(phone_number_id):
            token, secret = sandbox.credentials(self.sandbox_secret, phone_number_id)
            found = Number(
                phone_number_id,
                sandbox.waba_of(phone_number_id),
                token,
                display_phone_number="+1 555 " + phone_number_id[-4:],
                verified_name="Cobro Sandbox",
                app_secret=secret,
            )
            self.numbers[phone_number_id] = found
            for language in library.LANGUAGES:
                for text in library.texts(language):
                    added = self.add_template(
                        found.waba_id, text.key, language, text.variant.body, ttl_seconds=_OUR_TTL
                    )
                    added.buttons = text.variant.buttons
        return found

    def debtor_wrote(self, phone_number_id: str, to: str, at: float | None = None) -> None:
        """The debtor's message opens the 24-hour window for free text (a test can open it too)."""
        self.wrote_at[(phone_number_id, to.lstrip("+"))] = time.monotonic() if at is None else at

    def window_open(self, phone_number_id: str, to: str) -> bool:
        """Whether the debtor wrote within 24 hours, the only time WhatsApp takes free text."""
        wrote = self.wrote_at.get((phone_number_id, to.lstrip("+")))
        return wrote is not None and 0 <= time.monotonic() - wrote < 24 * 3600

    def later(self, delay: float, phone_number_id: str, **value: Any) -> None:
        """Queues a webhook value for the number, to be posted after `delay` seconds."""
        heapq.heappush(self.pending, _Due(time.monotonic() + delay, next(self._ids), phone_number_id, value))

    def add_template(
        self,
        waba_id: str,
        name: str,
        language: str,
        body: str,
        status: str = "APPROVED",
        ttl_seconds: int | None = None,
    ) -> SimTemplate:
        """A template on the simulated WABA, approved unless told otherwise, replacing any of that name and language."""
        template = SimTemplate(str(next(self._ids)), name, language, "UTILITY", body, status, ttl_seconds)
        self.templates[waba_id][(name, language)] = template
        return template

    def next_wamid(self) -> str:
        """A new message id in the shape of Meta's wamids."""
        return f"wamid.SIM{next(self._ids):012d}"

    def template_of(self, number: Number, body: dict[str, Any]) -> SimTemplate | None:
        """The template a send names, if it is a template message."""
        content = body.get("template") or {}
        name, language = str(content.get("name", "")), str((content.get("language") or {}).get("code", ""))
        return self.templates[number.waba_id].get((name, language)) if content else None

    def ttl_of(self, number: Number, body: dict[str, Any]) -> float:
        """How long Meta tries to deliver this message: its template's TTL, else Meta's default."""
        template = self.template_of(number, body)
        return float(template.ttl_seconds) if template and template.ttl_seconds else DEFAULT_TTL_SECONDS


def _error(code: int, message: str, http_status: int = 400, details: str = "") -> JSONResponse:
    body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "SIMULATOR"}
    if details:
        body["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return JSONResponse({"error": body}, status_code=http_status)


def _lifecycle(state: SimulatorState, number: Number, wamid: str, body: dict[str, Any], version: str) -> None:
    """What Meta would tell the app about this message later, drawn from the behaviour's rates."""
    world, rng = state.behaviour, state.rng
    if not world.webhooks:
        return
    to, callback = str(body.get("to", "")).lstrip("+"), str(body.get("biz_opaque_callback_data", ""))
    now = datetime.now(UTC)
    user_id = meta.bsuid(number.waba_id, to)
    person = meta.contact(to, user_id, _profile_name(body))
    category, free = _billing(state, number, body, to)
    # Up to v23.0 every message opens its own conversation, announced on `sent` and `delivered`.
    conversation_id = hashlib.md5(wamid.encode()).hexdigest()  # noqa: S324 (an id, not a secret)
    with_conversations = meta.version_number(version) <= meta.LAST_VERSION_WITH_CONVERSATIONS

    def status(delay: float, name: str, failure: dict[str, Any] | None = None) -> None:
        at = now + timedelta(seconds=delay)
        billed = failure is None and name in ("sent", "delivered")
        conversation = None
        if billed and with_conversations:
            conversation = meta.conversation(conversation_id, category, at if name == "sent" else None)
        item = meta.status(
            wamid,
            name,
            at,
            to,
            user_id,
            callback_data=callback,
            billing=meta.pricing(category, free) if billed else None,
            conversation_block=conversation,
            failure=failure,
        )
        state.last_status[wamid] = name  # called in the order of the statuses' delays
        change: dict[str, Any] = {"statuses": [item]}
        if failure is None:  # Meta leaves the contacts block out of failed statuses
            change = {"contacts": [person], **change}
        state.later(delay, number.phone_number_id, **change)

    if to in state.offline or (world.offline_rate and rng.random() < world.offline_rate):
        status(world.sent_after, "sent")  # on WhatsApp's servers; the phone never picks it up
        expiry = max(world.sent_after, state.ttl_of(number, body) * world.ttl_scale)
        details = "Message failed to send during its Time To Live (TTL) duration"
        status(expiry, "failed", meta.error(TTL_EXPIRED_CODE, "Message expired", details))
        return
    if rng.random() < world.failure_rate:
        undeliverable = "Message failed to send because of an unknown error or the recipient is not on WhatsApp."
        status(world.sent_after, "failed", meta.error(131026, "Message undeliverable", undeliverable))
        return
    status(world.sent_after, "sent")
    if rng.random() >= world.delivered_rate:
        return
    status(world.delivered_after, "delivered")
    if state.world is not None:
        _as_the_debtor_would(state, number, wamid, body, person, status, world.delivered_after)
        return
    if rng.random() >= world.read_rate:
        return
    status(world.read_after, "read")
    if rng.random() < world.reply_rate:
        _reply(state, number, wamid, body, person, world.reply_after)


def _as_the_debtor_would(
    state: SimulatorState,
    number: Number,
    wamid: str,
    body: dict[str, Any],
    person: dict[str, Any],
    status: Callable[[float, str], None],
    delivered_after: float,
) -> None:
    """The debtor's behaviour decides whether they read the message, what they answer, and whether they pay."""
    world = state.world
    assert world is not None
    to = str(person["wa_id"])
    reminder = simulator_world.reminder_of(body, to)
    plan = world.react(number.phone_number_id, to, reminder, time.monotonic() + delivered_after)
    if plan.read_after is None:
        return
    read_after = delivered_after + plan.read_after
    status(read_after, "read")
    if not plan.intent:
        return
    reply_after = read_after + plan.reply_after
    said = _reply(state, number, wamid, body, person, reply_after, intent=plan.intent, rng=world.rng_of(to))
    if reminder is not None and said is not None and said.promised_on is not None and plan.keeps_promise:
        today = (datetime.now(UTC) + timedelta(seconds=reply_after)).date()
        days = max(0, (said.promised_on - today).days)
        world.promised(number.phone_number_id, to, reminder.invoice_number, days, time.monotonic() + reply_after)


def _profile_name(body: dict[str, Any]) -> str:
    """The debtor's WhatsApp profile name: the name the business addressed them by, if it did."""
    for component in (body.get("template") or {}).get("components") or []:
        for parameter in component.get("parameters") or []:
            if parameter.get("parameter_name") == "customer_name" and str(parameter.get("text", "")).strip():
                return str(parameter["text"])
    return "Simulated debtor"


def _billing(state: SimulatorState, number: Number, body: dict[str, Any], to: str) -> tuple[str, bool]:
    """The pricing category, and whether the message is free: a utility template or anything but a
    marketing template costs nothing inside the 24-hour service window."""
    if body.get("type") != "template":
        return "service", True
    template = state.template_of(number, body)
    category = (template.category if template else "UTILITY").lower()
    return category, category != "marketing" and state.window_open(number.phone_number_id, to)


def _quick_replies(state: SimulatorState, number: Number, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, payload) of each quick reply on a template message: the payload the business set, or the label."""
    template = state.template_of(number, body)
    language = str(((body.get("template") or {}).get("language") or {}).get("code", "en"))
    buttons = [c for c in (body.get("template") or {}).get("components") or [] if c.get("type") == "button"]
    labels = list(template.buttons) if template and template.buttons else list(_library_labels(language))
    found: list[tuple[str, str]] = []
    for position, button in enumerate(buttons[: len(labels)]):
        payloads = [p.get("payload") for p in button.get("parameters") or [] if p.get("type") == "payload"]
        found.append((labels[position], str(payloads[0]) if payloads else labels[position]))
    return found


def _library_labels(language: str) -> tuple[str, ...]:
    """The built-in reminders' quick replies in the nearest language Cobro's library has."""
    base = language.split("_")[0]
    nearest = next((lang for lang in library.LANGUAGES if lang == language or lang.split("_")[0] == base), "en")
    return next((text.variant.buttons for text in library.texts(nearest) if text.variant.buttons), ())


def _reply(
    state: SimulatorState,
    number: Number,
    wamid: str,
    body: dict[str, Any],
    person: dict[str, Any],
    delay: float,
    intent: str = "",
    rng: random.Random | None = None,
) -> simulator_replies.Reply | None:
    """The debtor answers our message `wamid`: in their language, with what they tap or type.

    With `intent` they mean that (their behaviour chose it); `rng` draws the words (default: the state's).
    Returns what they wrote, or None for a tap on an interactive message's button.
    """
    to = str(person["wa_id"])
    at = datetime.now(UTC) + timedelta(seconds=delay)
    kind = body.get("type")
    interactive = [
        b.get("reply") or {} for b in ((body.get("interactive") or {}).get("action") or {}).get("buttons") or []
    ]
    quick = _quick_replies(state, number, body) if kind == "template" else []
    language = state.languages.get((number.phone_number_id, to), "en")
    today = at.date()
    reply_id = f"wamid.SIMIN{next(state._ids):012d}"

    def posted(**content: Any) -> None:
        message = meta.message(reply_id, to, person["user_id"], at, number.display_phone_number, wamid, **content)
        state.later(delay, number.phone_number_id, contacts=[person], messages=[message])

    drawn = None
    if kind == "interactive" and interactive:  # the debtor taps one of the reply buttons
        tapped = state.rng.choice(interactive)
        posted(interactive={"type": "button_reply", "button_reply": {"id": tapped["id"], "title": tapped["title"]}})
    else:
        labels = tuple(label for label, _ in quick)
        drawn = simulator_replies.draw(rng or state.rng, language, to, today, labels, intent=intent)
        state.replies.append(drawn)
        if drawn.kind == "button" and drawn.button is not None:
            label, payload = quick[drawn.button]
            posted(button={"payload": payload, "text": label})
        elif drawn.kind == "image":  # a photo of the bank receipt, captioned
            digest = hashlib.sha256(reply_id.encode()).digest()
            image = {"caption": drawn.text, "mime_type": "image/jpeg", "sha256": base64.b64encode(digest).decode()}
            posted(image=image | {"id": str(int.from_bytes(digest[:6]))})
        else:
            posted(text={"body": drawn.text})
    state.debtor_wrote(number.phone_number_id, to, time.monotonic() + delay)
    return drawn


Deliver = Callable[[bytes, str], Awaitable[None]]
WEBHOOK_RETRY_SECONDS = 5.0  # Meta retries undelivered webhooks for days; the simulator, every few seconds


async def post_due(state: SimulatorState, deliver: Deliver, until: float | None = None) -> int:
    """Post every webhook due by `until` (default now), signed, as Meta does: mostly one change per POST,
    and for a share of POSTs (Behaviour.batch_share) every change then due for that number."""
    limit = time.monotonic() if until is None else until
    due: list[_Due] = []
    while state.pending and state.pending[0].at <= limit:
        due.append(heapq.heappop(state.pending))
    posts = 0
    while due:
        first = due.pop(0)
        group = [first]
        if "approved" not in first.value and state.rng.random() < state.behaviour.batch_share:
            together = [d for d in due if d.phone_number_id == first.phone_number_id and "approved" not in d.value]
            group += together[: BATCH_MOST - 1]
            due = [d for d in due if d not in group]
        number = state.numbers[first.phone_number_id]
        if "approved" in first.value:
            template = first.value["approved"][0]
            template.status = "APPROVED"
            payload = meta.template_status(
                number.waba_id, int(template.id), template.name, template.language, template.category, "APPROVED",
                datetime.now(UTC),
            )  # fmt: skip
        else:
            value = meta.as_posted(_merged(group))
            payload = envelope(number.waba_id, number.phone_number_id, number.display_phone_number, **value)
        raw = json.dumps(payload, ensure_ascii=False).encode()
        if await _post(deliver, raw, number):
            posts += 1
        else:  # like Meta: the app was unreachable, so the same events come again later
            for change in group:
                state.later(WEBHOOK_RETRY_SECONDS, change.phone_number_id, **change.value)
    state.delivered_webhooks += posts
    return posts


def _merged(group: list[_Due]) -> dict[str, list[Any]]:
    """Several changes as one `value`: each person once in `contacts`, then the statuses and messages."""
    value: dict[str, list[Any]] = {}
    for change in group:
        for key, items in change.value.items():
            value.setdefault(key, []).extend(i for i in items if key != "contacts" or i not in value.get(key, []))
    return value


async def _post(deliver: Deliver, raw: bytes, number: Number) -> bool:
    try:
        await deliver(raw, signature_of(raw, number.app_secret))
    except (httpx.HTTPError, WebhookRefused):
        return False
    return True


class WebhookRefused(Exception):
    """The app answered 5xx: it did not store the events."""


def http_deliverer(url: str | list[str], client: httpx.AsyncClient) -> Deliver:
    """Posts signed webhooks to the app's URL; a 5xx raises, so the simulator tries them again.

    With several URLs (several backends), posts take turns, and one the next URL refuses or cannot
    reach goes to the others before it is given up for now, as a load balancer in front of them would.
    """
    urls = [url] if isinstance(url, str) else url
    turns = itertools.cycle(range(len(urls)))
    headers = {"Content-Type": "application/json"}

    async def deliver(raw: bytes, signature: str) -> None:
        first = next(turns)
        for tried in range(len(urls)):
            try:
                target = urls[(first + tried) % len(urls)]
                answer = await client.post(target, content=raw, headers=headers | {"X-Hub-Signature-256": signature})
                if answer.status_code >= 500:
                    raise WebhookRefused(answer.status_code)
                return
            except (httpx.HTTPError, WebhookRefused):
                if tried == len(urls) - 1:
                    raise

    return deliver


async def post_forever(
    state: SimulatorState, deliver: Deliver, every: float = 0.2, pay: simulator_world.Pay | None = None
) -> None:
    """Posts due webhooks, and with `pay` the world's due payments, every `every` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        await post_due(state, deliver)
        if pay is not None and state.world is not None:
            await simulator_world.post_payments(state.world, pay)


def create_simulator(
    state: SimulatorState,
    clock: Any = time.monotonic,
    deliver: Deliver | None = None,
    pay: simulator_world.Pay | None = None,
) -> Starlette:
    """The ASGI app; `state` is shared so tests and the demo can inspect and seed it.

    With `deliver`, the app posts its webhooks (and with `pay`, the debtors' payments) by itself while
    it runs; without, tests call post_due and simulator_world.post_payments.
    """

    def authorized(request: Request, number: Number) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {number.access_token}"

    def over_throughput(number: Number, now: float) -> bool:
        window = state._recent[number.phone_number_id]
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= number.throughput:
            return True
        window.append(now)
        return False

    def within_messaging_limit(number: Number, to: str, now: float) -> bool:
        """Meta counts the unique people a number reaches outside their service window in a moving 24 h."""
        limit = MESSAGING_TIERS.get(number.messaging_limit.upper(), 0)
        if not state.behaviour.messaging_limits or not limit or state.window_open(number.phone_number_id, to):
            return True
        return state.reached[number.phone_number_id].admits(to, now, limit)

    def check_template(waba_id: str, content: dict[str, Any]) -> JSONResponse | None:
        name = str(content.get("name", ""))
        language = str((content.get("language") or {}).get("code", ""))
        template = state.templates[waba_id].get((name, language))
        if template is not None and template.status in _PAUSED:
            code, title = _PAUSED[template.status]
            return _error(code, f"(#{code}) {title}", 400, f"template name ({name}) in {language}")
        if template is None or template.status != "APPROVED":
            details = f"template name ({name}) does not exist in {language}"
            return _error(132001, "(#132001) Template name does not exist in the translation", 404, details)
        body: dict[str, Any] = next(
            # Meta reads the component type in any case: pywa, for one, sends "BODY".
            (c for c in content.get("components") or [] if str(c.get("type", "")).lower() == "body"),
            {"parameters": []},
        )
        given = [p.get("parameter_name") for p in body.get("parameters") or []]
        wanted = placeholders_in(template.body)
        if sorted(str(g) for g in given) != sorted(wanted) or len(given) != len(wanted):
            details = f"body: expected {len(wanted)}, received {len(given)}"
            return _error(132000, "(#132000) Number of parameters does not match the expected number", 400, details)
        if any(not str(p.get("text", "")).strip() for p in body.get("parameters") or []):
            return _error(131008, "(#131008) Required parameter is missing", 400)
        return None

    async def messages(request: Request) -> JSONResponse:
        if state.behaviour.answer_delay:
            await asyncio.sleep(state.behaviour.answer_delay)
        number = state.number(request.path_params["object_id"])
        if number is None:
            return _error(100, "Unsupported post request. Object does not exist or lacks permissions.", 400)
        if not authorized(request, number):
            return _error(190, "Error validating access token: the session is invalid.", 401)
        try:
            body = await request.json()
        except ValueError:
            return _error(100, "(#100) Invalid JSON in the request body", 400)
        if body.get("messaging_product") != "whatsapp":
            return _error(100, "(#100) The parameter messaging_product is required.", 400)
        if body.get("status") == "read":
            state.read_receipts.append(str(body.get("message_id", "")))
            return JSONResponse({"success": True})
        if "to" not in body and body.get("recipient"):  # a BSUID: Meta reaches the phone it stands for
            body["to"] = meta.phone_of(str(body["recipient"]))
        to = str(body.get("to", "")).lstrip("+")
        if not _E164_DIGITS.match(to):
            return _error(100, "(#100) Invalid parameter", 400, "to: not a valid WhatsApp phone number")
        kind = body.get("type")
        if kind not in ("template", "text", "document", "interactive"):
            return _error(131051, "(#131051) Unsupported message type", 400)
        now = clock()
        if over_throughput(number, now):
            state.throttled += 1
            return _error(130429, "(#130429) Rate limit hit", 400, "Cloud API message throughput has been reached.")
        # Meta's reference documents no burst above the pair rate (some BSPs speak of one): none is allowed.
        last = state._last_to.get((number.phone_number_id, to))
        if last is not None and now - last < PAIR_SPACING.total_seconds():
            return _error(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit", 400)
        if kind == "template":
            refused = check_template(number.waba_id, body.get("template") or {})
            if refused is not None:
                return refused
        elif kind in ("text", "interactive") and not state.window_open(number.phone_number_id, to):
            details = "More than 24 hours have passed since the recipient last replied."
            return _error(131047, "(#131047) Re-engagement message", 400, details)
        if kind == "template" and not within_messaging_limit(number, to, now):
            details = "The number reached its messaging limit: unique people per moving 24 hours."
            return _error(MESSAGING_LIMIT_CODE, f"(#{MESSAGING_LIMIT_CODE}) Spam rate limit hit", 400, details)
        state._last_to[(number.phone_number_id, to)] = now
        wamid = state.next_wamid()
        state.sent.append({"wamid": wamid, "phone_number_id": number.phone_number_id, **body})
        state.send_times.append(now)
        if kind == "template":  # the debtor's language, as far as the business knows it
            language = str(((body.get("template") or {}).get("language") or {}).get("code", "en"))
            state.languages[(number.phone_number_id, to)] = language
        _lifecycle(state, number, wamid, body, request.path_params["version"])
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": to}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            }
        )

    async def phone_number(request: Request) -> JSONResponse:
        number = state.number(request.path_params["object_id"])
        if number is None:
            return _error(100, "Unsupported get request. Object does not exist or lacks permissions.", 400)
        if not authorized(request, number):
            return _error(190, "Error validating access token: the session is invalid.", 401)
        return JSONResponse(
            {
                "id": number.phone_number_id,
                "display_phone_number": number.display_phone_number,
                "verified_name": number.verified_name,
                "quality_rating": "GREEN",
                "throughput": {"level": "STANDARD" if number.throughput <= 80 else "HIGH"},
                "whatsapp_business_manager_messaging_limit": number.messaging_limit,
            }
        )

    def waba_number(request: Request) -> Number | None:
        waba_id = request.path_params["object_id"]
        sandbox_number = sandbox.number_of_waba(waba_id)
        found = state.number(sandbox_number) if sandbox_number is not None else None
        if found is not None:
            return found
        return next((n for n in state.numbers.values() if n.waba_id == waba_id), None)

    async def message_templates(request: Request) -> JSONResponse:
        number = waba_number(request)
        if number is None:
            return _error(100, "Unsupported request. Object does not exist or lacks permissions.", 400)
        if not authorized(request, number):
            return _error(190, "Error validating access token: the session is invalid.", 401)
        if request.method == "GET":
            return JSONResponse({"data": [t.as_json() for t in state.templates[number.waba_id].values()]})
        body = await request.json()
        text = next((c.get("text", "") for c in body.get("components") or [] if c.get("type") == "BODY"), "")
        if not body.get("name") or not body.get("language") or not text:
            return _error(100, "(#100) Invalid parameter", 400, "name, language and a BODY component are required")
        category = str(body.get("category", "UTILITY")).upper()
        ttl = body.get("message_send_ttl_seconds")
        low, high = _TTL_RANGES.get(category, (0, 0))
        if ttl is not None and not (isinstance(ttl, int) and low <= ttl <= high):
            details = f"message_send_ttl_seconds must be between {low} and {high} for {category} templates"
            return _error(100, "(#100) Invalid parameter", 400, details)
        template = state.add_template(
            number.waba_id, body["name"], body["language"], text, status="PENDING", ttl_seconds=ttl
        )
        template.category = category
        if state.behaviour.webhooks:  # Meta reviews it, then says so with a template status webhook
            state.later(state.behaviour.approve_after, number.phone_number_id, approved=[template])
        return JSONResponse({"id": template.id, "status": template.status, "category": template.category})

    def arrivals_by_number() -> dict[str, list[float]]:
        by_number: dict[str, list[float]] = defaultdict(list)
        for request, at in zip(state.sent, state.send_times, strict=True):
            by_number[request["phone_number_id"]].append(at)
        return by_number

    async def arrivals(_request: Request) -> JSONResponse:
        """Not Meta's: when (the simulator's clock) it counted each accepted send, per number."""
        return JSONResponse(arrivals_by_number())

    async def stats(_request: Request) -> JSONResponse:
        """Not Meta's: what the simulator saw, for benchmarks and demos."""
        by_number = arrivals_by_number()
        return JSONResponse(
            {
                "sends": len(state.sent),
                "distinct_messages": len({r.get("biz_opaque_callback_data") or r["wamid"] for r in state.sent}),
                "most_in_any_second": {n: most_in_any_second(times) for n, times in by_number.items()},
                "webhook_posts": state.delivered_webhooks,
                "webhooks_pending": len(state.pending),
                "replies": len(state.replies),
                "sending_seconds": state.send_times[-1] - state.send_times[0] if state.send_times else 0.0,
                "refused_over_throughput": state.throttled,
                "payments_posted": [
                    {
                        "invoice_number": p.invoice_number,
                        "amount_minor": p.amount_minor,
                        "currency": p.currency,
                        "provider": p.provider,
                        "status": answer,
                    }
                    for p, answer in (state.world.posted if state.world else [])
                ],
            }
        )

    async def sends(_request: Request) -> JSONResponse:
        """Not Meta's: each accepted send, with the message id the app gave it and the status it will end at."""
        return JSONResponse(
            [
                {
                    "callback": r.get("biz_opaque_callback_data", ""),
                    "wamid": r["wamid"],
                    "last_status": state.last_status.get(r["wamid"], ""),
                }
                for r in state.sent
            ]
        )

    async def approve(request: Request) -> JSONResponse:
        """Not Meta's: approve a template at once (Meta takes minutes to days), for benchmarks and demos."""
        body = await request.json()
        number = state.number(str(body.get("phone_number_id", "")))
        if number is None:
            return _error(100, "unknown phone_number_id", 404)
        template = state.add_template(number.waba_id, body["name"], body["language"], body["body"])
        return JSONResponse(template.as_json())

    async def configure(request: Request) -> JSONResponse:
        """Not Meta's: set a number's throughput or messaging-limit tier, as Meta would after an upgrade."""
        number = state.number(request.path_params["object_id"])
        if number is None:
            return _error(100, "unknown phone_number_id", 404)
        body = await request.json()
        limit = str(body.get("messaging_limit", number.messaging_limit)).upper()
        if limit not in MESSAGING_TIERS:
            return _error(100, f"messaging_limit: one of {', '.join(MESSAGING_TIERS)}", 400)
        number.throughput, number.messaging_limit = int(body.get("throughput", number.throughput)), limit
        return JSONResponse(
            {"id": number.phone_number_id, "throughput": number.throughput, "messaging_limit": number.messaging_limit}
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> Any:
        poster = asyncio.create_task(post_forever(state, deliver, pay=pay)) if deliver else None
        yield
        if poster:
            poster.cancel()

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route("/_simulator/stats", stats, methods=["GET"]),
            Route("/_simulator/sends", sends, methods=["GET"]),
            Route("/_simulator/arrivals", arrivals, methods=["GET"]),
            Route("/_simulator/templates", approve, methods=["POST"]),
            Route("/_simulator/numbers/{object_id}", configure, methods=["POST"]),
            Route("/{version}/{object_id}/messages", messages, methods=["POST"]),
            Route("/{version}/{object_id}/message_templates", message_templates, methods=["GET", "POST"]),
            Route("/{version}/{object_id}", phone_number, methods=["GET"]),
        ],
    )
