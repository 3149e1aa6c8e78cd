"""The templates list: the organization's library by stage, filtered in SQL, and duplicates."""

import pytest
from sqlmodel import Session, select

from saas_app.models import AuditLog, Template, TemplateVariant
from saas_app.services import templates
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
from saas_app.services.templates import TemplateFilters
from tests.factories import add_member, sign_up


def keys(found: list[templates.TemplateSummary]) -> list[str]:
    return [summary.template.key for summary in found]


def test_every_organization_lists_its_library_by_stage_with_languages_and_cadences(session: Session) -> None:
    _, ctx = sign_up(session)
    found = templates.summaries(session, ctx)
    assert len(found) == 23
    assert keys(found)[:3] == ["pre_due_7_friendly", "pre_due_7_neutral", "pre_due_7_firm"]
    assert keys(found)[-1].startswith("objection_")
    first = found[0]
    assert [v.language for v in first.variants] == ["en", "it", "es", "pt_BR", "fr"]
    assert first.cadences == ["Standard reminders"]
    assert templates.summaries(session, ctx, TemplateFilters(stages=("final_notice",)))[0].cadences == [
        "Standard reminders"
    ]
    neutral_pre_due = next(s for s in found if s.template.key == "pre_due_7_neutral")
    assert neutral_pre_due.cadences == [], "the standard cadence sends the friendly one a week before"


def test_filters_narrow_the_list_in_the_database(session: Session) -> None:
    _, ctx = sign_up(session)
    firm = templates.summaries(session, ctx, TemplateFilters(tone="firm"))
    assert {s.template.tone for s in firm} == {"firm"}
    assert len(firm) == 6
    objections = templates.summaries(
        session, ctx, TemplateFilters(stages=("objection_not_received", "objection_cannot_pay"))
    )
    assert keys(objections) == ["objection_not_received_neutral", "objection_cannot_pay_neutral"]

    variant = session.exec(
        select(TemplateVariant).join(Template).where(Template.key == "due_today_firm", Template.org_id == ctx.org_id)
    ).first()
    assert variant is not None
    variant.status = "rejected"
    session.add(variant)
    session.commit()
    assert keys(templates.summaries(session, ctx, TemplateFilters(status="rejected"))) == ["due_today_firm"]
    assert keys(templates.summaries(session, ctx, TemplateFilters(status="rejected", language=variant.language))) == [
        "due_today_firm"
    ]
    other = "fr" if variant.language != "fr" else "it"
    assert templates.summaries(session, ctx, TemplateFilters(status="rejected", language=other)) == []


def test_search_finds_a_name_or_words_of_any_language_and_takes_wildcards_literally(session: Session) -> None:
    _, ctx = sign_up(session)
    by_text = templates.summaries(session, ctx, TemplateFilters(search="PARCELAS"))  # Portuguese body text
    assert by_text, "a word of the Portuguese text finds the template"
    assert all(
        any("parcela" in v.body.lower() for v in summary.variants) or "parcela" in summary.template.name.lower()
        for summary in by_text
    )
    assert templates.summaries(session, ctx, TemplateFilters(search="%")) == []
    assert templates.summaries(session, ctx, TemplateFilters(search="no such words anywhere")) == []


def test_a_filter_the_list_does_not_offer_is_refused(session: Session) -> None:
    with pytest.raises(ServiceError):
        TemplateFilters(tone="rude")
    with pytest.raises(ServiceError):
        TemplateFilters(stages=("whenever",))
    with pytest.raises(ServiceError):
        TemplateFilters(status="APPROVED")


def test_another_organization_sees_only_its_own_templates(session: Session) -> None:
    _, alpha = sign_up(session)
    _, beta = sign_up(session)
    ours = {s.template.id for s in templates.summaries(session, alpha)}
    theirs = {s.template.id for s in templates.summaries(session, beta)}
    assert ours.isdisjoint(theirs)
    assert all(v.org_id == alpha.org_id for s in templates.summaries(session, alpha) for v in s.variants)


def test_a_duplicate_is_an_editable_draft_copy_audited(session: Session) -> None:
    _, ctx = sign_up(session)
    original = templates.find_template(session, ctx, "overdue_1_30_firm")
    copy = templates.duplicate_template(session, ctx, original.id or 0, f"{original.name} (copy)")
    again = templates.duplicate_template(session, ctx, original.id or 0, f"{original.name} (copy)")
    session.commit()
    assert (copy.key, again.key) == ("overdue_1_30_firm_copy", "overdue_1_30_firm_copy_2")
    assert copy.name == f"{original.name} (copy)"
    assert not copy.built_in
    assert (copy.purpose, copy.tone) == (original.purpose, original.tone)
    copied = templates.variants_of(session, copy.id or 0)
    originals = templates.variants_of(session, original.id or 0)
    assert sorted(copied) == sorted(originals)
    assert all(row.status == "draft" and row.body == originals[lang].body for lang, row in copied.items())
    entry = session.exec(select(AuditLog).where(AuditLog.action == "template.duplicated")).first()
    assert entry is not None
    assert entry.details["original_id"] == original.id


def test_a_viewer_cannot_duplicate_and_another_tenant_s_template_is_missing(session: Session) -> None:
    _, alpha = sign_up(session)
    _, beta = sign_up(session)
    viewer = add_member(session, alpha, "viewer")
    ours = templates.find_template(session, alpha, "due_today_neutral")
    theirs = templates.find_template(session, beta, "due_today_neutral")
    with pytest.raises(PermissionDenied):
        templates.duplicate_template(session, viewer, ours.id or 0, "Copy")
    with pytest.raises(NotFound):
        templates.duplicate_template(session, alpha, theirs.id or 0, "Copy")
    assert len(templates.summaries(session, alpha)) == 23
    assert len(templates.summaries(session, beta)) == 23
