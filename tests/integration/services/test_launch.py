"""Launching from the browser: the live count, who is left out and why, when messages go, and the launch."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from saas_app.core.segments import parse_rules
from saas_app.models import AuditLog, Debtor, Enrollment, Invoice, Organization, TemplateVariant, WhatsAppAccount
from saas_app.services import campaigns, debtors, launch, segments
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
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
