"""The simulated debtors' behaviour: who they are follows from the seed and their phone, what they do
from their profile, and what they pay is read back from the reminder Cobro sent them."""

import json
import time
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from saas_app.core import signatures
from saas_app.core.invoices import Behaviour
from saas_app.core.library import REPLY_BUTTONS, texts
from saas_app.core.message_values import MessageFacts, placeholder_values
from saas_app.core.payment_events import PaymentNotice, read_cobro, read_stripe
from saas_app.core.templates import render
from saas_app.whatsapp.client import CloudClient, Endpoint
from saas_app.whatsapp.simulator import Behaviour as Rates
from saas_app.whatsapp.simulator import Number, SimulatorState, create_simulator, post_due
from saas_app.whatsapp.simulator_world import (
    PROFILES,
    Kind,
    PaymentTarget,
    Reminder,
    World,
    WorldParameters,
    parse_shares,
    persona,
    post_payments,
    reminder_of,
    signed,
)
from tests.aio import run

PHONES = [f"+5511{n:09d}" for n in range(10_000)]
SEED = 7
TOKEN, NUMBER, WABA = "EAAG-sim-token", "106540352242922", "102290129340398"
TARGET = PaymentTarget("http://app/webhooks/payments/abc", cobro_secret="whsec_ours", stripe_secret="whsec_stripe")


def only(behaviour: Behaviour, kind: Kind = Kind.CASUAL, **rest: Any) -> WorldParameters:
    """A world where every debtor has this behaviour and none opts out unless told."""
    intentional = 1.0 if kind == Kind.INTENTIONAL else 0.0
    chosen = {"opt_out_share": 0.0, "intentional_share": intentional} | rest
    return WorldParameters(seed=SEED, shares={behaviour: 1.0}, **chosen)


def test_a_debtor_is_the_same_person_for_the_same_seed_and_phone_and_the_shares_hold_over_many() -> None:
    parameters = WorldParameters(seed=SEED)
    people = [persona(parameters, phone) for phone in PHONES]
    assert people == [persona(parameters, phone) for phone in PHONES], "a restart meets the same debtors"
    assert persona(parameters, "+5511000000042") == persona(parameters, "5511000000042")
    behaviours = Counter(p.behaviour for p in people)
    # Exact for this seed; each within a point of 50/30/20.
    assert behaviours == {Behaviour.PUNCTUAL: 4997, Behaviour.LATE: 3015, Behaviour.CHRONIC: 1988}
    assert Counter(p.kind for p in people) == {Kind.CASUAL: 6992, Kind.INTENTIONAL: 3008}
    assert sum(p.opts_out for p in people) == 325  # 3 %
    assert Counter(p.provider for p in people) == {"stripe": 5169, "cobro": 4831}
    assert {p.method for p in people if p.provider == "cobro"} == {"pix"}, "Brazilians pay by Pix"
    other_seed = [persona(WorldParameters(seed=SEED + 1), phone) for phone in PHONES[:100]]
    assert other_seed != people[:100], "another seed, another world"


def test_shares_are_configurable_and_checked() -> None:
    assert parse_shares("late=2, chronic=1") == {Behaviour.PUNCTUAL: 0, Behaviour.LATE: 2, Behaviour.CHRONIC: 1}
    parameters = WorldParameters(seed=SEED, shares=parse_shares("late=2,chronic=1"))
    behaviours = Counter(persona(parameters, phone).behaviour for phone in PHONES[:3000])
    assert behaviours == {Behaviour.LATE: 1994, Behaviour.CHRONIC: 1006}, "2 to 1, none punctual"
    with pytest.raises(ValueError, match="punctual"):
        parse_shares("sloppy=1")
    with pytest.raises(ValueError, match="shares"):
        WorldParameters(shares={Behaviour.LATE: 0.0})
    with pytest.raises(ValueError, match="day_seconds"):
        WorldParameters(day_seconds=0)


def sent_reminder(language: str, locale: str, amount_minor: int, currency: str, number: str = "NF-42") -> dict:
    """The body of a send as the worker makes it: the library's reminder with the debtor's values."""
    facts = MessageFacts(
        customer_name="Ana",
        locale=locale,
        amount_due_minor=amount_minor,
        currency=currency,
        due_on=date(2026, 11, 20),
        invoice_number=number,
        service="Plan",
        payment_link="https://pay.example.com/x",
        payment_methods="Pix",
        company_name="Loja",
        contact="+55 11 3333-4444",
    )
    variant = next(t for t in texts(language) if t.key == "overdue_1_30_friendly").variant
    parameters = render(variant, placeholder_values(facts, date(2026, 12, 5))).parameters
    return {
        "type": "template",
        "template": {
            "name": "overdue_1_30_friendly",
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", **p} for p in parameters]}],
        },
    }


@pytest.mark.parametrize(
    ("language", "locale", "phone", "currency"),
    [
        ("pt_BR", "pt_BR", "+5511987654321", "BRL"),
        ("pt_BR", "pt_PT", "+351912345678", "EUR"),
        ("es", "es", "+525512345678", "MXN"),
        ("es", "es_MX", "+525512345678", "MXN"),
        ("en", "en_US", "+12015550123", "USD"),
        ("en", "en_GB", "+447400123456", "GBP"),
        ("fr", "fr_CA", "+15145551234", "CAD"),
        ("it", "it_CH", "+41781234567", "CHF"),
        ("it", "it", "+393331234567", "EUR"),
    ],
)
def test_the_debtor_reads_which_invoice_and_how_much_from_the_reminder(
    language: str, locale: str, phone: str, currency: str
) -> None:
    body = sent_reminder(language, locale, 123_456, currency)
    assert reminder_of(body, phone) == Reminder("NF-42", 123_456, currency)


def test_a_message_about_no_invoice_is_no_reminder() -> None:
    assert reminder_of({"type": "text", "text": {"body": "Hello"}}, "+5511987654321") is None
    body = sent_reminder("en", "en", 100, "EUR")
    body["template"]["components"][0]["parameters"] = [{"type": "text", "parameter_name": "amount", "text": "€1.00"}]
    assert reminder_of(body, "+393331234567") is None


def queued(world: World) -> list[tuple[str, int, str]]:
    return [(d.payment.invoice_number, d.payment.amount_minor, d.payment.currency) for d in sorted(world.due)]


def remind(world: World, phone: str, times: int, amount: int = 100_000) -> list:
    return [world.react(NUMBER, phone, Reminder("INV-1", amount, "BRL"), 0.0) for _ in range(times)]


def test_punctual_debtors_pay_in_full_after_the_first_reminder_they_read() -> None:
    world = World(only(Behaviour.PUNCTUAL))
    payers = [p for p in PHONES[:200] if not world.persona(p).pays_in_parts]
    for phone in payers:
        plans = remind(world, phone, 3)
        read = [n for n, plan in enumerate(plans) if plan.read_after is not None]
        paid = [d.payment for d in world.due if d.payment.phone == phone.lstrip("+")]
        assert [p.amount_minor for p in paid] == ([100_000] if read else []), phone
    assert (len(payers), len(world.due)) == (189, 189), "each read one of three reminders and paid once"


def test_late_debtors_pay_after_two_reminders_and_chronic_ones_never() -> None:
    late = World(only(Behaviour.LATE))
    for phone in PHONES[:50]:
        plans = remind(late, phone, 1)
        assert not late.due or all(d.payment.phone != phone.lstrip("+") for d in late.due), "not after one"
        plans += remind(late, phone, 5)
        reads = [n for n, plan in enumerate(plans) if plan.read_after is not None]
        paid = sum(d.payment.amount_minor for d in late.due if d.payment.phone == phone.lstrip("+"))
        assert paid == (100_000 if len(reads) >= 2 else 0), phone
    chronic = World(only(Behaviour.CHRONIC))
    for phone in PHONES[:200]:
        remind(chronic, phone, 10)
    assert chronic.due == []


def test_some_pay_in_two_parts_that_make_the_whole() -> None:
    world = World(only(Behaviour.LATE))
    parts = [p for p in PHONES[:400] if world.persona(p).pays_in_parts]
    assert len(parts) == 137  # 35 % of late casual debtors
    for phone in parts:
        remind(world, phone, 8, amount=123_456)
    by_phone: dict[str, list[int]] = {}
    for due in sorted(world.due):
        by_phone.setdefault(due.payment.phone, []).append(due.payment.amount_minor)
    assert all(sum(amounts) == 123_456 for amounts in by_phone.values())
    split = [amounts for amounts in by_phone.values() if len(amounts) == 2]
    assert len(split) == len(by_phone) == 137
    assert all(first % 100 == 0 for first, _ in split), "the first part in whole reais"
    assert all(0.3 * 123_456 - 100 <= first <= 0.7 * 123_456 for first, _ in split), "30 to 70 % of it"


def test_a_debtor_who_opts_out_says_so_once_then_does_nothing() -> None:
    world = World(only(Behaviour.PUNCTUAL, opt_out_share=1.0))
    plans = remind(world, PHONES[0], 4)
    intents = [plan.intent for plan in plans if plan.intent]
    assert intents in (["opt_out"], ["opt_out_button"])
    assert world.due == []


def test_a_kept_promise_is_paid_on_the_promised_day_in_the_worlds_time() -> None:
    world = World(only(Behaviour.CHRONIC, day_seconds=60))
    world.react(NUMBER, PHONES[0], Reminder("INV-1", 5_000, "EUR"), 0.0)
    world.promised(NUMBER, PHONES[0], "INV-1", days=3, at=1000.0)
    [due] = world.due
    assert 1000 + 3 * 60 + 9 / 24 * 60 <= due.at <= 1000 + 3 * 60 + 18 / 24 * 60, "during the third day"
    assert (due.payment.amount_minor, due.payment.currency) == (5_000, "EUR")
    world.promised(NUMBER, PHONES[0], "INV-1", days=1, at=1000.0)
    assert len(world.due) == 1, "a debtor pays an invoice once"


def test_each_profile_answers_with_intents_the_replies_know() -> None:
    from saas_app.whatsapp.simulator_replies import INTENTS

    for profile in PROFILES.values():
        assert set(profile.stalls) <= set(INTENTS)


@pytest.mark.parametrize("provider", ["stripe", "cobro"])
def test_payments_are_signed_events_cobro_reads_as_paying_that_invoice(provider: str) -> None:
    world = World(only(Behaviour.PUNCTUAL, stripe_share=1.0 if provider == "stripe" else 0.0), {"": TARGET})
    phone = next(p for p in PHONES if not world.persona(p).pays_in_parts and remind(world, p, 1)[0].read_after)
    [due] = world.due
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    made = signed(due.payment, TARGET, now)
    assert made is not None
    raw, headers = made
    secret = TARGET.stripe_secret if provider == "stripe" else TARGET.cobro_secret
    header = headers["Stripe-Signature" if provider == "stripe" else "Cobro-Signature"]
    assert signatures.verify(header, secret, raw, now.timestamp())
    event = json.loads(raw)
    notice = read_stripe(event) if provider == "stripe" else read_cobro(event)
    assert isinstance(notice, PaymentNotice)
    assert (notice.invoice_number, notice.amount_minor, notice.currency) == ("INV-1", 100_000, "BRL")
    assert notice.paid_on == now.date()
    assert due.payment.phone == phone.lstrip("+")
    only_stripe = PaymentTarget(TARGET.url, stripe_secret="whsec_stripe")
    assert only_stripe.provider_for("cobro") == "stripe", "a debtor pays how the organization can take it"


def test_payments_are_posted_when_due_and_again_after_a_server_error() -> None:
    world = World(only(Behaviour.PUNCTUAL, day_seconds=60), {"": TARGET})
    payers = [p for p in PHONES[:20] if not world.persona(p).pays_in_parts]
    for phone in payers:
        world.react(NUMBER, phone, Reminder(f"INV-{phone[-2:]}", 1_000, "EUR"), 0.0)
    paying = len(world.due)
    assert paying == 17, "of 18, one did not read it"
    answers = iter([503] + [200] * 100)
    urls: list[str] = []

    async def pay(url: str, raw: bytes, headers: dict[str, str]) -> int:
        urls.append(url)
        return next(answers)

    soonest = min(d.at for d in world.due)
    assert run(post_payments(world, pay, until=soonest - 1)) == 0, "nothing due yet"
    assert run(post_payments(world, pay, until=soonest)) == 0, "the first one was refused with a 503"
    accepted = run(post_payments(world, pay, until=float("inf")))
    assert accepted == paying == len({p.invoice_number for p, _ in world.posted})
    assert [answer for _, answer in world.posted] == [200] * paying
    assert set(urls) == {TARGET.url}


def simulated(seed: int) -> tuple[SimulatorState, CloudClient]:
    rates = Rates(failure_rate=0, delivered_rate=1, batch_share=0)
    state = SimulatorState(behaviour=rates)
    state.rng.seed(seed)
    state.world = World(WorldParameters(seed=seed, day_seconds=60), {NUMBER: TARGET})
    state.numbers[NUMBER] = Number(NUMBER, WABA, TOKEN, throughput=1000)
    for language in ("pt_BR", "es", "it", "fr", "en"):
        text = next(t for t in texts(language) if t.key == "overdue_1_30_friendly")
        state.add_template(WABA, text.key, language, text.variant.body).buttons = text.variant.buttons
    clock = iter(range(0, 10**9, 60))
    app = create_simulator(state, lambda: float(next(clock)))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return state, CloudClient(Endpoint("http://simulator", "v24.0", NUMBER, TOKEN), http)


def a_week_of_reminders(seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, int, str]], Counter[str]]:
    """Forty debtors reminded once: (what they said), (what they paid), and the statuses posted."""
    state, client = simulated(seed)
    for n in range(40):
        phone = f"+55119876{n:05d}"
        body = sent_reminder("pt_BR", "pt_BR", 10_000 + n, "BRL", number=f"NF-{n}")["template"]
        parameters = body["components"][0]["parameters"]
        run(client.send_template(phone, body["name"], "pt_BR", parameters, button_payloads=REPLY_BUTTONS))
    posted: list[dict[str, Any]] = []

    async def deliver(raw: bytes, signature: str) -> None:
        posted.append(json.loads(raw))

    paid: list[tuple[str, int, str]] = []

    async def pay(url: str, raw: bytes, headers: dict[str, str]) -> int:
        event = json.loads(raw)
        notice = read_stripe(event) if "Stripe-Signature" in headers else read_cobro(event)
        assert isinstance(notice, PaymentNotice)
        paid.append((notice.invoice_number, notice.amount_minor, notice.method))
        return 200

    week = time.monotonic() + 7 * 60
    run(post_due(state, deliver, until=week))
    run(post_payments(state.world, pay, until=week))  # type: ignore[arg-type]
    statuses = Counter(
        s["status"] for p in posted for c in p["entry"][0]["changes"] for s in c["value"].get("statuses", [])
    )
    said = [(r.intent, r.text) for r in state.replies]
    return said, sorted(paid), statuses


def test_a_seeded_world_does_the_same_things_again_and_its_debtors_pay_what_they_were_asked(midday: date) -> None:
    """At noon of a fixed day: promises name dates, and both runs must see the same today."""
    said, paid, statuses = a_week_of_reminders(SEED)
    assert (said, paid, statuses) == a_week_of_reminders(SEED)
    assert statuses["delivered"] == 40
    assert 0 < statuses["read"] < 40, "some never open it"
    assert said, "some answered"
    assert all(text for _, text in said)
    assert paid, "within a week of behaviour some have paid"
    asked = {f"NF-{n}": 10_000 + n for n in range(40)}
    by_invoice: Counter[str] = Counter()
    for number, amount, _ in paid:
        by_invoice[number] += amount
    assert all(total <= asked[number] for number, total in by_invoice.items()), "never more than asked"
    assert {method for _, _, method in paid} <= {"stripe", "pix"}
