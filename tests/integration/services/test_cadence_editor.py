"""The cadence editor's services: every rule kept on the server, versioned saves, campaigns under way, dry runs."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from saas_app.models import AuditLog, Campaign, Message, Organization, Template, TemplateVariant
from saas_app.services import cadences, campaigns
from saas_app.services.cadences import CadenceSettings, StepDraft
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
from saas_app.services.presence import StaleSave
from saas_app.worker import planner
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday


def drafts(session: Session, cadence_id: int) -> list[StepDraft]:
    return [StepDraft(s.offset_days, s.template_id) for s in cadences.steps_of(session, cadence_id)]


def save(session: Session, ctx, cadence_id: int, steps: list[StepDraft], **changes) -> None:
    cadence = cadences.get_cadence(session, ctx, cadence_id)
    cadences.save_cadence(
        session,
        ctx,
        cadence_id,
        name=changes.pop("name", cadence.name),
        steps=steps,
        settings=changes.pop("settings", CadenceSettings.of(cadence)),
        version=changes.pop("version", cadence.version),
        **changes,
    )
    session.commit()


@pytest.fixture
def owner(session: Session):
    _, ctx = sign_up(session, org_name="Alpha", email="alpha@example.com")
    session.commit()
    return ctx


@pytest.mark.parametrize(
    ("offsets", "refusal"),
    [
        ((-61, 0, 5), r"between -60 and \+365"),
        ((-7, 0, 366), r"between -60 and \+365"),
        ((-7, 3, 3), "same day"),
        ((-7, 5, 3), "order of their days"),
        (tuple(range(13)), "at most 12 steps"),
    ],
)
def test_offsets_and_order_the_editor_would_not_allow_are_refused(session: Session, owner, offsets, refusal) -> None:
    cadence_id = simple_cadence(session, owner)
    before = drafts(session, cadence_id)
    template_id = before[0].template_id
    with pytest.raises(ServiceError, match=refusal):
        save(session, owner, cadence_id, [StepDraft(o, template_id) for o in offsets])
    session.rollback()
    assert drafts(session, cadence_id) == before


def test_another_tenant_s_template_and_impossible_rules_are_refused(session: Session, owner) -> None:
    cadence_id = simple_cadence(session, owner)
    _, beta = sign_up(session, org_name="Beta", email="beta@example.com")
    theirs = session.exec(select(Template).where(Template.org_id == beta.org_id)).first()
    assert theirs is not None
    with pytest.raises(NotFound):
        save(session, owner, cadence_id, [StepDraft(0, theirs.id or 0)])
    session.rollback()
    steps = drafts(session, cadence_id)
    for bad in (
        CadenceSettings(window_start_minute=19 * 60, window_end_minute=9 * 60),
        CadenceSettings(weekdays=()),
        CadenceSettings(weekdays=(7,)),
        CadenceSettings(weekly_cap=99),
        CadenceSettings(reply_pause_days=-1),
    ):
        with pytest.raises(ServiceError):
            save(session, owner, cadence_id, steps, settings=bad)
        session.rollback()


def test_a_viewer_cannot_save_or_create(session: Session, owner) -> None:
    cadence_id = simple_cadence(session, owner)
    viewer = add_member(session, owner, "viewer", email="viewer@example.com")
    steps = drafts(session, cadence_id)
    with pytest.raises(PermissionDenied):
        save(session, viewer, cadence_id, [StepDraft(s.offset_days + 1, s.template_id) for s in steps])
    with pytest.raises(PermissionDenied):
        cadences.create_cadence(session, viewer, "Mine")
    session.rollback()
    assert drafts(session, cadence_id) == steps


def test_a_stale_save_is_refused_naming_who_saved_and_what_changed(session: Session, owner) -> None:
    cadence_id = simple_cadence(session, owner)
    carla = add_member(session, owner, "collector", email="carla@example.com")
    read = cadences.get_cadence(session, owner, cadence_id).version
    steps = drafts(session, cadence_id)
    moved = [steps[0], steps[1], StepDraft(9, steps[2].template_id)]
    save(session, carla, cadence_id, moved, version=read)
    with pytest.raises(StaleSave) as refused:
        save(session, owner, cadence_id, steps, name="Mine", version=read)
    assert refused.value.who == "Member"
    assert refused.value.parts == ["steps"]
    session.rollback()
    cadence = cadences.get_cadence(session, owner, cadence_id)
    assert (cadence.name, cadence.version) == ("Test cadence", read + 1)
    assert [s.offset_days for s in drafts(session, cadence_id)] == [-7, 0, 9]
    entry = session.exec(select(AuditLog).where(AuditLog.action == "cadence.saved")).one()
    assert entry.details["changed"] == ["steps"]


def _dry_run_days(session: Session, ctx, cadence_id: int, invoice_id: int, steps=None) -> list[date]:
    found = cadences.dry_run(session, ctx, cadence_id, invoice_id, NOW, steps=steps)
    return [s.local.date() for s in found if s.local is not None]


def test_moving_a_step_from_plus_3_to_plus_5_moves_its_dry_run_by_two_days_or_past_the_weekend(
    session: Session, owner
) -> None:
    standard = cadences.standard_cadence(session, owner)
    assert standard is not None
    steps = drafts(session, standard.id or 0)
    assert [s.offset_days for s in steps][:3] == [-7, 0, 3]
    # Due on Monday 7 December 2026: +3 is a Thursday, +5 a Saturday (sent on Monday 14th).
    _, monday_due = debtor_with_invoice(session, owner, phone="+393331112222", number="F-1", due=date(2026, 12, 7))
    # Due on Sunday 6 December 2026: +3 is a Wednesday, +5 a Friday.
    _, sunday_due = debtor_with_invoice(session, owner, phone="+393331112223", number="F-2", due=date(2026, 12, 6))
    moved = [*steps[:2], StepDraft(5, steps[2].template_id), *steps[3:]]
    assert _dry_run_days(session, owner, standard.id or 0, sunday_due)[2] == date(2026, 12, 9)
    assert _dry_run_days(session, owner, standard.id or 0, sunday_due, moved)[2] == date(2026, 12, 11)
    assert _dry_run_days(session, owner, standard.id or 0, monday_due)[2] == date(2026, 12, 10)
    assert _dry_run_days(session, owner, standard.id or 0, monday_due, moved)[2] == date(2026, 12, 14)


def test_readiness_names_the_language_a_new_step_s_template_lacks(session: Session, owner) -> None:
    debtor_with_invoice(session, owner, phone="+393331112224", number="F-3", due=date(2026, 12, 7), locale="it")
    org = session.get(Organization, owner.org_id)
    assert org is not None
    org.language_fallback = []  # no fallback: Italians get Italian or nothing
    session.add(org)
    english_only = Template(org_id=owner.org_id, key="english_only", name="English only", purpose="due_today")
    session.add(english_only)
    session.flush()
    session.add(
        TemplateVariant(org_id=owner.org_id, template_id=english_only.id or 0, language="en", body="Pay {{amount}}.")
    )
    session.commit()
    standard = cadences.standard_cadence(session, owner)
    assert standard is not None
    steps = [(i, s.template_id) for i, s in enumerate(drafts(session, standard.id or 0))]
    locales = cadences.debtor_locales(session, owner)
    chain = cadences.language_chain(session, owner.org_id)
    assert cadences.problems_in(cadences.coverage(session, owner, steps, locales), chain, require_approval=False) == []
    steps.append((len(steps), english_only.id or 0))
    covered = cadences.coverage(session, owner, steps, locales)
    problems = cadences.problems_in(covered, chain, require_approval=False)
    assert [(p.step_position, p.language, p.status) for p in problems] == [(len(steps) - 1, "it_IT", "missing")]


def _running_campaign(session: Session, ctx) -> tuple[int, int]:
    cadence_id = simple_cadence(session, ctx, offsets=(5, 10, 20))
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393331112225", number="F-4", due=date(2026, 12, 1))
    campaign = campaigns.create_campaign(
        session, ctx, name="December", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW
    )
    session.commit()
    planner.plan_all(session, now=NOW)
    session.commit()
    return cadence_id, campaign.id or 0


def test_a_cadence_campaigns_use_asks_first_then_replans_what_is_not_sent(session: Session, owner) -> None:
    cadence_id, campaign_id = _running_campaign(session, owner)
    scheduled = session.exec(select(Message).where(Message.campaign_id == campaign_id)).all()
    assert len(scheduled) == 1
    steps = drafts(session, cadence_id)
    moved = [StepDraft(7, steps[0].template_id), *steps[1:]]
    with pytest.raises(cadences.ChoiceNeeded) as asked:
        save(session, owner, cadence_id, moved)
    assert asked.value.campaigns == ["December"]
    session.rollback()
    save(session, owner, cadence_id, moved, running=cadences.REPLAN)
    assert session.exec(select(Message).where(Message.campaign_id == campaign_id)).all() == []
    planner.plan_all(session, now=NOW)
    session.commit()
    again = session.exec(select(Message).where(Message.campaign_id == campaign_id)).one()
    assert again.scheduled_at.date() == date(2026, 12, 8)


def test_new_campaigns_only_leaves_the_running_one_on_a_copy_of_the_cadence_as_it_was(session: Session, owner) -> None:
    cadence_id, campaign_id = _running_campaign(session, owner)
    steps = drafts(session, cadence_id)
    save(session, owner, cadence_id, [StepDraft(7, steps[0].template_id), *steps[1:]], running=cadences.NEW_ONLY)
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    session.refresh(campaign)
    assert campaign.cadence_id != cadence_id
    assert [s.offset_days for s in drafts(session, campaign.cadence_id)] == [5, 10, 20]
    assert [s.offset_days for s in drafts(session, cadence_id)] == [7, 10, 20]
    kept = session.exec(select(Message).where(col(Message.campaign_id) == campaign_id)).one()
    assert kept.scheduled_at.date() == date(2026, 12, 6)


def test_a_new_cadence_is_blank_or_a_copy_of_the_standard_one(session: Session, owner) -> None:
    standard = cadences.standard_cadence(session, owner)
    assert standard is not None
    copy = cadences.create_cadence(session, owner, "Gentler", copy_of=standard.id)
    blank = cadences.create_cadence(session, owner, "Empty")
    assert [s.offset_days for s in drafts(session, copy.id or 0)] == [-7, 0, 3, 14, 28, 45, 75, 95, 120]
    assert drafts(session, blank.id or 0) == []
    assert not copy.built_in
