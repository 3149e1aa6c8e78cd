"""Launching from the browser: the live count, who is left out and why, when messages go, and the launch."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from saas_app.core.segments import InvoiceFacts, matches, parse_rules
from saas_app.models import (
    AuditLog,
    Debtor,
    Enrollment,
    Invoice,
    Organization,
    Segment,
    TemplateVariant,
    WhatsAppAccount,
)
from saas_app.services import campaigns, debtors, launch, segments
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
from saas_app.services.segments import rule_choices
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence, today_of

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _book(session: Session, ctx: OrgContext, today: date) -> dict[str, int]:
    """A small ledger: each invoice named by who it reaches (or why it does not)."""
    ids = {}
    for name, days_late, consent, locale in [
        ("late", 10, True, "en"),
        ("later", 40, True, "en_GB"),
        ("silent", 10, False, "en"),
        ("gone", 12, True, "en"),
        ("french", 15, True, "fr"),
        ("future", -20, True, "en"),
    ]:
        debtor_id, invoice_id = debtor_with_invoice(
            session,
            ctx,
            phone=f"+3934712345{len(ids):02d}",
            number=name.upper(),
            due=today - timedelta(days=days_late),
            consent=consent,
            locale=locale,
        )
        ids[name] = invoice_id
        if name == "gone":
            debtors.opt_out(session, ctx, debtor_id, source="manual")
    session.commit()
    return ids


def _overdue() -> launch.Selection:
    return launch.Selection(rules=parse_rules({"min_days_overdue": 1}))


def test_the_count_agrees_with_the_rows_as_the_rule_changes(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    _book(session, ctx, today)
    session.add(
        Invoice(
            org_id=ctx.org_id,
            debtor_id=session.exec(select(Debtor.id).where(Debtor.locale == "fr")).one() or 0,
            number="USD-1",
            amount_minor=50_000,
            currency="USD",
            issued_on=today - timedelta(days=60),
            due_on=today - timedelta(days=31),
        )
    )
    session.commit()

    everyone = launch.audience(session, ctx, launch.Selection(rules=parse_rules({})), today)
    assert (everyone.invoices, everyone.debtors) == (7, 6)
    assert everyone.outstanding_minor == {"EUR": 6 * 12345, "USD": 50_000}

    overdue = launch.audience(session, ctx, _overdue(), today)
    assert (overdue.invoices, overdue.debtors) == (6, 5)
    old = launch.audience(session, ctx, launch.Selection(rules=parse_rules({"min_days_overdue": 31})), today)
    assert (old.invoices, old.debtors, old.outstanding_minor) == (2, 2, {"EUR": 12345, "USD": 50_000})
    dollars = parse_rules({"min_amount_minor": 1, "currency": "USD"})
    assert launch.audience(session, ctx, launch.Selection(rules=dollars), today).invoices == 1
    french = launch.audience(session, ctx, launch.Selection(rules=parse_rules({"locales": ["fr"]})), today)
    assert (french.invoices, french.debtors) == (2, 1)
    # The old count of the segment service says the same.
    assert segments.count(session, ctx, parse_rules({"min_days_overdue": 31}), today).matching == 2


def test_the_preview_counts_who_is_left_out_by_reason(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    ids = _book(session, ctx, today)
    cadence_id = simple_cadence(session, ctx, offsets=(-7, 0, 5, 30))
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    org.language_fallback = ["it"]  # no English fallback: the French debtor has no template
    session.add(org)
    other_cadence = simple_cadence(session, ctx)
    earlier = campaigns.create_campaign(
        session, ctx, name="Earlier", cadence_id=other_cadence, invoice_ids=[ids["later"]], now=NOW
    )
    session.commit()
    assert earlier.id

    shown = launch.preview(session, ctx, _overdue(), cadence_id, now=NOW, today=today)

    assert {reason: (n.invoices, n.debtors) for reason, n in shown.left_out.items()} == {
        launch.NO_CONSENT: (1, 1),
        launch.OPTED_OUT: (1, 1),
        launch.BUSY: (1, 1),
        launch.NO_TEMPLATE: (1, 1),
    }
    assert (shown.invoices, shown.debtors) == (1, 1)  # only "late", 10 days overdue: steps at 5 and 30 days
    assert shown.messages == 2
    assert shown.first_day == today
    assert shown.last_day == today - timedelta(days=10) + timedelta(days=30)
    assert [s.invoice_number for s in shown.samples] == ["LATE"]


def test_the_messaging_limit_spreads_the_messages_over_days(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    for n in range(5):
        debtor_with_invoice(session, ctx, phone=f"+34612345{n:03d}", number=f"N-{n}", due=today - timedelta(days=3))
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).one()
    account.messaging_limit = 2
    session.add(account)
    session.commit()
    shown = launch.preview(session, ctx, _overdue(), cadence_id, now=NOW, today=today)
    assert shown.per_day == 1  # the planner keeps one place of two free
    assert (shown.messages, shown.first_day, shown.last_day) == (5, today, today + timedelta(days=4))


def test_spread_fills_each_day_up_to_the_limit() -> None:
    day = date(2026, 3, 1)
    assert launch.spread([(day, 3), (day + timedelta(days=5), 1)], 2, day) == (day, day + timedelta(days=5))
    assert launch.spread([(day, 5)], 2, day) == (day, day + timedelta(days=2))
    assert launch.spread([(day, 1)], 2, day, already=4) == (day + timedelta(days=2), day + timedelta(days=2))
    assert launch.spread([(day - timedelta(days=9), 3)], 0, day) == (day, day)
    assert launch.spread([], 2, day) is None


def test_launch_enrolls_exactly_the_previewed_invoices_and_is_audited(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    ids = _book(session, ctx, today)
    cadence_id = simple_cadence(session, ctx)
    segment = segments.save_segment(session, ctx, name="Overdue", rules={"min_days_overdue": 1})
    campaign = launch.launch(
        session,
        ctx,
        name="March",
        cadence_id=cadence_id,
        selection=_overdue(),
        now=NOW,
        today=today,
        segment_id=segment.id,
    )
    session.commit()
    enrolled = set(session.exec(select(Enrollment.invoice_id).where(Enrollment.campaign_id == campaign.id)))
    # The French debtor falls back to English; the silent and the opted-out debtors are left out.
    assert enrolled == {ids["late"], ids["later"], ids["french"]}
    assert campaign.segment_id == segment.id
    entry = session.exec(select(AuditLog).where(AuditLog.action == "campaign.launched")).one()
    assert entry.details["invoices"] == 3
    assert entry.details["left_out"] == {"no_consent": 1, "opted_out": 1}


def test_a_cadence_with_problems_is_refused(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    _book(session, ctx, today)
    cadence_id = simple_cadence(session, ctx)
    for variant in session.exec(select(TemplateVariant).where(TemplateVariant.org_id == ctx.org_id)):
        variant.status = "rejected"
        session.add(variant)
    session.commit()
    with pytest.raises(campaigns.CadenceNotReady):
        launch.preview(session, ctx, _overdue(), cadence_id, now=NOW, today=today)
    with pytest.raises(campaigns.CadenceNotReady):
        launch.launch(session, ctx, name="X", cadence_id=cadence_id, selection=_overdue(), now=NOW, today=today)
    assert session.exec(select(Enrollment)).all() == []


def test_another_organizations_rows_are_refused(session: Session) -> None:
    _, ctx = sign_up(session)
    _, stranger = sign_up(session)
    today = today_of(session, ctx)
    ids = _book(session, ctx, today)
    theirs = _book(session, stranger, today)
    their_cadence = simple_cadence(session, stranger)
    their_segment = segments.save_segment(session, stranger, name="Theirs", rules={})
    mine = simple_cadence(session, ctx)
    session.commit()

    with pytest.raises(NotFound):
        launch.picked(session, ctx, [ids["late"], theirs["late"]])
    with pytest.raises(NotFound):
        launch.preview(session, ctx, _overdue(), their_cadence, now=NOW, today=today)
    with pytest.raises(NotFound):
        launch.launch(
            session,
            ctx,
            name="X",
            cadence_id=mine,
            selection=_overdue(),
            now=NOW,
            today=today,
            segment_id=their_segment.id,
        )
    # A hand-picked selection of my own invoices counts them alone.
    picked = launch.picked(session, ctx, [ids["late"], ids["silent"]])
    assert launch.audience(session, ctx, picked, today).invoices == 2
    assert launch.preview(session, ctx, picked, mine, now=NOW, today=today).invoices == 1


def test_a_viewer_may_preview_but_not_launch(session: Session) -> None:
    _, owner = sign_up(session)
    today = today_of(session, owner)
    _book(session, owner, today)
    cadence_id = simple_cadence(session, owner)
    viewer = add_member(session, owner, "viewer")
    collector = add_member(session, owner, "collector")
    assert launch.audience(session, viewer, _overdue(), today).invoices == 5
    with pytest.raises(PermissionDenied):
        launch.launch(session, viewer, name="X", cadence_id=cadence_id, selection=_overdue(), now=NOW, today=today)
    assert session.exec(select(Enrollment)).all() == []
    launch.launch(session, collector, name="X", cadence_id=cadence_id, selection=_overdue(), now=NOW, today=today)
    assert len(session.exec(select(Enrollment)).all()) == 3


def test_nobody_reachable_is_refused(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    debtor_with_invoice(session, ctx, phone="+393471111111", number="Q-1", due=today - timedelta(days=2), consent=False)
    cadence_id = simple_cadence(session, ctx)
    with pytest.raises(ServiceError) as refused:
        launch.launch(session, ctx, name="X", cadence_id=cadence_id, selection=_overdue(), now=NOW, today=today)
    assert "nobody" in refused.value.message
    assert session.exec(select(col(Enrollment.id))).all() == []


def _mix(session: Session, ctx: OrgContext, today: date, rng: random.Random) -> None:
    """Forty debtors of every kind (country, language, tags, behaviour), each with one to three invoices."""
    for n in range(40):
        debtor = Debtor(
            org_id=ctx.org_id,
            name=f"Mix {n}",
            phone=f"+3933300{n:05d}",
            locale=rng.choice(["en", "it", "pt", "pt_BR", "pt_PT", "es", "es_MX", "fr"]),
            country=rng.choice(["", "IT", "BR", "PT", "ES", "MX", "US"]),
            tags=rng.sample(["vip", "retail", "north", "south", "o'hara"], rng.randint(0, 3)),
            behaviour=rng.choice(["punctual", "late", "chronic", "unknown"]),
        )
        session.add(debtor)
        session.flush()
        for k in range(rng.randint(1, 3)):
            amount = rng.randrange(1_000, 200_000)
            session.add(
                Invoice(
                    org_id=ctx.org_id,
                    debtor_id=debtor.id or 0,
                    number=f"MIX-{n}-{k}",
                    amount_minor=amount,
                    paid_minor=rng.choice([0, 0, amount // 2]),
                    currency=rng.choice(["EUR", "BRL"]),
                    due_on=today - timedelta(days=rng.randint(-40, 200)),
                    status=rng.choice(["open", "open", "partially_paid", "promised", "paid", "disputed"]),
                )
            )
    session.commit()


def _random_rule(rng: random.Random) -> dict:
    rule: dict = {"statuses": rng.sample(["open", "partially_paid", "promised"], rng.randint(1, 3))}
    if rng.random() < 0.5:
        rule["min_days_overdue"] = rng.randint(-30, 60)
    if rng.random() < 0.3:
        rule["max_days_overdue"] = rng.randint(60, 200)
    if rng.random() < 0.3:
        rule |= {"currency": rng.choice(["EUR", "BRL"]), "min_amount_minor": rng.randrange(0, 100_000)}
    for name, values in [
        ("tags", ["vip", "retail", "north", "south", "o'hara", "nobody"]),
        ("locales", ["en", "it", "pt", "pt_BR", "es", "fr"]),
        ("countries", ["IT", "BR", "PT", "ES", "MX", "US", "FR"]),
        ("behaviours", ["punctual", "late", "chronic", "unknown"]),
    ]:
        if rng.random() < 0.6:
            rule[name] = rng.sample(values, rng.randint(1, 3))
    return rule


def test_the_sql_selects_what_core_matches_on_a_seeded_mix(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    rng = random.Random(21)
    _mix(session, ctx, today, rng)
    rows = session.exec(select(Invoice, Debtor).join(Debtor, col(Debtor.id) == Invoice.debtor_id)).all()
    facts = {
        invoice.id: InvoiceFacts(
            invoice.due_on,
            invoice.amount_minor - invoice.paid_minor,
            invoice.currency,
            invoice.status,
            debtor.behaviour,
            tuple(debtor.tags),
            debtor.locale,
            debtor.country,
        )
        for invoice, debtor in rows
    }
    sizes = set()
    for _ in range(60):
        raw = _random_rule(rng)
        rules = parse_rules(raw)
        expected = {i for i, f in facts.items() if matches(rules, f, today)}
        assert set(segments.free_invoice_ids(session, ctx, rules, today)) == expected, raw
        assert launch.audience(session, ctx, launch.Selection(rules=rules), today).invoices == len(expected), raw
        sizes.add(len(expected))
    assert len(sizes) > 10, "the rules drawn select many different sets, not all or nothing"


def test_several_countries_tags_and_languages_count_together(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    due = today - timedelta(days=10)
    for phone, locale, tags in [
        ("+393471000001", "it", ["vip"]),  # Italy
        ("+5511987650001", "pt_BR", ["retail"]),  # Brazil
        ("+351912000001", "pt", ["vip", "north"]),  # Portugal
        ("+34612000001", "es", []),  # Spain
    ]:
        debtor_id, _ = debtor_with_invoice(session, ctx, phone=phone, number=phone, due=due, locale=locale)
        debtor = session.get(Debtor, debtor_id)
        assert debtor is not None
        debtor.tags = tags
        session.add(debtor)
    session.commit()

    def counted(raw: dict) -> int:
        return launch.audience(session, ctx, launch.Selection(rules=parse_rules(raw)), today).invoices

    assert counted({"countries": ["IT"]}) == 1
    assert counted({"countries": ["IT", "BR"]}) == 2
    assert counted({"countries": ["it", "br", "pt"]}) == 3
    assert counted({"countries": ["PT", "BR"], "locales": ["pt"]}) == 2
    assert counted({"countries": ["PT", "BR"], "tags": ["vip", "north"]}) == 1
    assert counted({"tags": ["vip", "retail"], "locales": ["it", "pt"]}) == 3

    # The pickers offer what the debtors have, with how many debtors have it.
    offered = rule_choices(session, ctx)
    assert offered.countries == [("BR", 1), ("ES", 1), ("IT", 1), ("PT", 1)]
    assert offered.languages == [("es", 1), ("it", 1), ("pt", 2)]
    assert offered.tags == [("north", 1), ("retail", 1), ("vip", 2)]


def test_a_saved_segment_keeps_its_countries_and_an_old_one_still_reads(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    debtor_with_invoice(session, ctx, phone="+393471000002", number="IT-1", due=today - timedelta(days=3))
    saved = segments.save_segment(session, ctx, name="Italy", rules={"countries": ["it"], "tags": []})
    assert saved.rules == {"statuses": ["open", "partially_paid"], "countries": ["IT"]}
    with pytest.raises(ServiceError) as refused:
        segments.save_segment(session, ctx, name="Nowhere", rules={"countries": ["XX"]})
    assert refused.value.field == "countries"
    old = Segment(org_id=ctx.org_id, name="Old", rules={"statuses": ["open"], "locales": ["en"], "tags": []})
    session.add(old)
    session.commit()
    for segment in (saved, old):
        rules = segments.rules_from(segments.get_segment(session, ctx, segment.id or 0).rules)
        assert segments.count(session, ctx, rules, today).matching == 1


def test_picked_invoices_leave_out_the_closed_and_refuse_too_many(session: Session) -> None:
    _, ctx = sign_up(session)
    today = today_of(session, ctx)
    ids = _book(session, ctx, today)
    paid = session.get(Invoice, ids["later"])
    assert paid is not None
    paid.status = "paid"
    session.add(paid)
    session.commit()
    chosen = launch.picked(session, ctx, [ids["late"], ids["later"], ids["late"]])
    assert (chosen.invoice_ids, chosen.closed) == ((ids["late"],), 1)
    with pytest.raises(ServiceError) as refused:
        launch.picked(session, ctx, [ids["later"]])
    assert refused.value.field == "invoices"
    with pytest.raises(ServiceError) as refused:
        launch.picked(session, ctx, list(range(1, launch.MAX_PICKED + 2)))
    assert refused.value.field == "invoices"
    assert "at most" in refused.value.message
