"""Two people in one editor: who else has it open (never someone of another organization), and a stale save."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from saas_app.core.templates import Variant
from saas_app.models import EditorPresence, Template
from saas_app.services import presence, templates
from saas_app.services.errors import NotFound
from saas_app.services.presence import EditorKind, StaleSave
from tests.factories import add_member, sign_up, simple_cadence

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def team(session: Session):
    """An owner and a collector of Alpha, with one cadence (and the template its steps send)."""
    _, owner = sign_up(session, org_name="Alpha")
    collector = add_member(session, owner, "collector", email="carla@example.com")
    cadence_id = simple_cadence(session, owner)
    template_id = templates.find_template(session, owner, "due_today_neutral").id or 0
    return owner, collector, cadence_id, template_id


def test_each_editor_lists_the_others_in_it_and_forgets_whoever_left_or_went_quiet(session: Session, team) -> None:
    owner, collector, cadence_id, template_id = team
    assert presence.present(session, owner, EditorKind.CADENCE, cadence_id, NOW) == []
    [owner_name] = presence.present(session, collector, EditorKind.CADENCE, cadence_id, NOW)
    assert owner_name.startswith("Owner")
    assert presence.present(session, owner, EditorKind.TEMPLATE, template_id, NOW) == [], "another editor"
    assert presence.present(session, owner, EditorKind.CADENCE, cadence_id, NOW) == ["Member"]
    later = NOW + presence.PRESENCE_WINDOW + timedelta(seconds=1)
    assert presence.present(session, owner, EditorKind.CADENCE, cadence_id, later) == [], "the collector went quiet"
    presence.present(session, collector, EditorKind.CADENCE, cadence_id, later)
    presence.left(session, collector, EditorKind.CADENCE, cadence_id)
    assert presence.present(session, owner, EditorKind.CADENCE, cadence_id, later) == []


def test_another_organization_neither_opens_our_editors_nor_shows_up_in_them(session: Session, team) -> None:
    owner, _, cadence_id, template_id = team
    _, stranger = sign_up(session, org_name="Beta")
    for kind, object_id in ((EditorKind.CADENCE, cadence_id), (EditorKind.TEMPLATE, template_id)):
        with pytest.raises(NotFound):
            presence.present(session, stranger, kind, object_id, NOW)
        # Even a row of theirs naming our object (written by hand, no page writes one) is never shown to us.
        session.add(
            EditorPresence(org_id=stranger.org_id, kind=kind, object_id=object_id, user_id=stranger.user_id or 0)
        )
        session.flush()
        assert presence.present(session, owner, kind, object_id, NOW) == []
    theirs = Template(org_id=stranger.org_id, key="theirs", name="Theirs", purpose="due_today")
    session.add(theirs)
    session.flush()
    with pytest.raises(NotFound):
        presence.present(session, owner, EditorKind.TEMPLATE, theirs.id or 0, NOW)


def test_a_stale_template_save_names_the_last_save_of_that_language(session: Session, team) -> None:
    owner, collector, _, template_id = team
    stored = templates.variants_of(session, template_id)
    read = {language: row.version for language, row in stored.items()}
    english, italian = stored["en"], stored["it"]
    templates.save_variant(
        session,
        collector,
        template_id,
        "en",
        replace(templates.as_variant(english), footer="Thanks"),
        version=read["en"],
    )
    templates.save_variant(
        session, owner, template_id, "it", replace(templates.as_variant(italian), footer="Grazie"), version=read["it"]
    )
    session.commit()
    with pytest.raises(StaleSave) as refused:
        templates.save_variant(
            session, owner, template_id, "en", Variant(body="Pay {{amount}} now."), version=read["en"]
        )
    assert (refused.value.kind, refused.value.who, refused.value.parts) == (EditorKind.TEMPLATE, "Member", ["footer"])
    assert refused.value.at is not None
