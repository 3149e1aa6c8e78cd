"""Migrations that change data, run on a database holding the data they change."""

import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from alembic import command
from saas_app import db
from saas_app.migrations import alembic_config
from saas_app.models import Cadence, EditorPresence, Organization, OutboundEmail, Template, User, WhatsAppAccount
from tests.conftest import BACKENDS
from tests.databases import postgres_database


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='cobro-migrate-')) / 'm.db'}"
        return
    with postgres_database() as url:
        yield url
        db.engine_for(url).dispose()


def test_0012_keeps_a_shared_waba_with_the_organization_that_saved_it_first(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0011")
    with Session(db.engine_for(empty_database)) as session:
        orgs = [Organization(name=name, slug=name.lower()) for name in ("First", "Second", "Third")]
        session.add_all(orgs)
        session.flush()
        numbers = ("1098765431", "1098765432", "1098765433")
        wabas = ("2098765432", "2098765432", "2098765499")
        session.add_all(
            WhatsAppAccount(org_id=org.id or 0, phone_number_id=number, waba_id=waba)
            for org, number, waba in zip(orgs, numbers, wabas, strict=True)
        )
        session.commit()
    command.upgrade(config, "head")
    with Session(db.engine_for(empty_database)) as session:
        kept = session.exec(select(WhatsAppAccount.phone_number_id, WhatsAppAccount.waba_id)).all()
    assert sorted(kept) == [("1098765431", "2098765432"), ("1098765432", ""), ("1098765433", "2098765499")]
    command.downgrade(config, "0011")


def test_0013_withholds_the_tokens_of_links_already_stored_in_emails(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0012")
    token = "Yk3vQ2x_1-ZaPq9rT0uVwXyZ01234567890abcdefgh"
    bodies = [
        f"Open this link within an hour to choose a new one:\nhttp://localhost:3000/reset-password/{token}\nBye.",
        f"Accept within 7 days: https://cobro.example.com/invite/{token}",
        "Welcome to Cobro: https://cobro.example.com/dashboard",
    ]
    with Session(db.engine_for(empty_database)) as session:
        session.add_all(OutboundEmail(to="ana@example.com", subject="s", body=body) for body in bodies)
        session.commit()
    command.upgrade(config, "head")
    with Session(db.engine_for(empty_database)) as session:
        kept = session.exec(select(OutboundEmail.body).order_by(OutboundEmail.id)).all()
    assert kept == [
        "Open this link within an hour to choose a new one:\nhttp://localhost:3000/reset-password/[withheld]\nBye.",
        "Accept within 7 days: https://cobro.example.com/invite/[withheld]",
        bodies[2],
    ]
    command.downgrade(config, "0012")


def test_0014_adds_assignment_and_notes_to_debtors_others_reference_and_takes_them_away(empty_database: str) -> None:
    """On SQLite the debtor table is changed in place: rebuilding it would break the invoices that reference it."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0013")
    engine = db.engine_for(empty_database)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    with Session(engine) as session:  # the rows as 0013 knew them: an organization, its owner, a debtor, an invoice
        org = Organization(name="Alpha", slug="alpha")
        user = User(email="ana@example.com", name="Ana", password_hash="x")
        session.add_all([org, user])
        session.flush()
        debtor = text(
            "INSERT INTO debtor (org_id, external_ref, name, phone, email, locale, timezone, country, tags, attributes,"
            " behaviour, opt_in_source, created_at, updated_at) VALUES (:org, '', 'Debtor', '+393331111111', '',"
            " 'en', 'UTC', 'IT', '[]', '{}', 'unknown', '', :now, :now)"
        )
        session.execute(debtor, {"org": org.id, "now": now})
        invoice = text(
            "INSERT INTO invoice (org_id, debtor_id, number, service, amount_minor, paid_minor, currency, due_on,"
            " status, payment_link, document_url, created_at, updated_at) SELECT :org, id, 'A-1', '', 100, 0, 'EUR',"
            " :due, 'open', '', '', :now, :now FROM debtor"
        )
        session.execute(invoice, {"org": org.id, "due": date(2026, 12, 1), "now": now})
        session.commit()
        org_id, user_id = org.id, user.id
    command.upgrade(config, "head")
    with Session(engine) as session:
        session.execute(text("UPDATE debtor SET assigned_user_id = :user"), {"user": user_id})
        note = text(
            "INSERT INTO debtornote (org_id, debtor_id, author_user_id, text, created_at)"
            " SELECT :org, id, :user, 'Called', :now FROM debtor"
        )
        session.execute(note, {"org": org_id, "user": user_id, "now": now})
        session.commit()
        assert session.execute(text("SELECT assigned_user_id FROM debtor")).scalar_one() == user_id
    command.downgrade(config, "0013")
    with Session(engine) as session:
        joined = text("SELECT COUNT(*) FROM invoice JOIN debtor ON debtor.id = invoice.debtor_id")
        assert session.execute(joined).scalar_one() == 1  # the debtor and its invoice are still together
    assert "assigned_user_id" not in {column["name"] for column in inspect(engine).get_columns("debtor")}
    assert "debtornote" not in inspect(engine).get_table_names()
    command.upgrade(config, "head")


def test_0015_adds_the_invoice_list_indexes_and_takes_them_back(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    wanted = {
        "invoice": {
            "ix_invoice_org_due",
            "ix_invoice_org_debtor_due",
            "ix_invoice_org_outstanding",
            "ix_invoice_org_totals",
        },
        "enrollment": {"ix_enrollment_org_invoice"},
    }

    def indexes() -> dict[str, set[str]]:
        # Read from the catalogue: SQLAlchemy's reflection skips SQLite's index on an expression.
        engine = db.engine_for(empty_database)
        listing = (
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"
            if engine.dialect.name == "sqlite"
            else "SELECT tablename, indexname FROM pg_indexes"
        )
        with engine.connect() as connection:
            found = connection.execute(text(listing)).all()
        return {table: {name for on, name in found if on == table} & names for table, names in wanted.items()}

    assert indexes() == wanted
    command.downgrade(config, "0014")
    assert indexes() == {"invoice": set(), "enrollment": set()}
    command.upgrade(config, "head")
    assert indexes() == wanted


def test_0016_versions_existing_variants_from_one_and_takes_the_studio_columns_back(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0015")
    engine = db.engine_for(empty_database)
    with Session(engine) as session:  # a template in one language, as 0015 knew it
        org = Organization(name="Alpha", slug="alpha")
        session.add(org)
        session.flush()
        now = datetime(2026, 12, 5, tzinfo=UTC)
        session.execute(
            text(
                "INSERT INTO template (org_id, key, name, purpose, tone, category, built_in, created_at)"
                " VALUES (:org, 'k', 'Reminder', 'due_today', 'neutral', 'UTILITY', false, :now)"
            ),
            {"org": org.id, "now": now},
        )
        session.execute(
            text(
                "INSERT INTO templatevariant (org_id, template_id, language, header, body, footer, buttons,"
                " whatsapp_name, status, updated_at) SELECT :org, id, 'en', '', 'Pay {{amount}} today.', '', '[]',"
                " '', 'approved', :now FROM template"
            ),
            {"org": org.id, "now": now},
        )
        session.commit()
    command.upgrade(config, "head")
    with Session(engine) as session:
        row = session.execute(text("SELECT version, rejection_reason, status FROM templatevariant")).one()
        assert tuple(row) == (1, "", "approved")
    assert "editorpresence" in inspect(engine).get_table_names()  # templatepresence's rows, since 0022
    command.downgrade(config, "0015")
    assert "version" not in {column["name"] for column in inspect(engine).get_columns("templatevariant")}
    assert "templatepresence" not in inspect(engine).get_table_names()
    command.upgrade(config, "head")


def test_0022_moves_who_has_an_editor_open_into_one_table_and_back(empty_database: str) -> None:
    config = alembic_config(empty_database)
    before = ScriptDirectory.from_config(config).get_revision("0022").down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)
    engine = db.engine_for(empty_database)
    seen = datetime(2026, 12, 12, 9, 30, tzinfo=UTC)
    with Session(engine) as session:  # Ana in Alpha's template and cadence editors, Bruno in Beta's cadence's
        alpha, beta = Organization(name="Alpha", slug="alpha"), Organization(name="Beta", slug="beta")
        ana = User(email="ana@example.com", name="Ana", password_hash="x")
        bruno = User(email="bruno@example.com", name="Bruno", password_hash="x")
        session.add_all([alpha, beta, ana, bruno])
        session.flush()
        template = Template(org_id=alpha.id or 0, key="k", name="Reminder", purpose="due_today")
        ours, theirs = Cadence(org_id=alpha.id or 0, name="Ours"), Cadence(org_id=beta.id or 0, name="Theirs")
        session.add_all([template, ours, theirs])
        session.flush()
        old = {
            "templatepresence": [(alpha.id, template.id, ana.id)],
            "cadencepresence": [(alpha.id, ours.id, ana.id), (beta.id, theirs.id, bruno.id)],
        }
        for table, rows in old.items():
            column = "template_id" if table == "templatepresence" else "cadence_id"
            for org_id, object_id, user_id in rows:
                session.execute(
                    text(f"INSERT INTO {table} (org_id, {column}, user_id, last_seen) VALUES (:o, :x, :u, :t)"),
                    {"o": org_id, "x": object_id, "u": user_id, "t": seen},
                )
        session.commit()
    command.upgrade(config, "head")
    with Session(engine) as session:
        moved = session.exec(select(EditorPresence)).all()
        assert sorted((p.org_id, p.kind, p.object_id, p.user_id, p.last_seen) for p in moved) == sorted(
            [(o, "template", x, u, seen) for o, x, u in old["templatepresence"]]
            + [(o, "cadence", x, u, seen) for o, x, u in old["cadencepresence"]]
        )
    assert not {"templatepresence", "cadencepresence"} & set(inspect(engine).get_table_names())
    command.downgrade(config, before)
    with Session(engine) as session:
        back = {
            "templatepresence": session.execute(text("SELECT org_id, template_id, user_id FROM templatepresence")),
            "cadencepresence": session.execute(text("SELECT org_id, cadence_id, user_id FROM cadencepresence")),
        }
        assert {table: sorted(tuple(row) for row in rows) for table, rows in back.items()} == {
            table: sorted(rows) for table, rows in old.items()
        }
    assert "editorpresence" not in inspect(engine).get_table_names()


def test_0020_keeps_a_bsuid_per_debtor_unique_within_an_organization_and_takes_it_back(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0019")
    engine = db.engine_for(empty_database)
    now = datetime(2026, 12, 11, tzinfo=UTC)
    debtor = text(
        "INSERT INTO debtor (org_id, external_ref, name, phone, email, locale, timezone, country, tags, attributes,"
        " behaviour, opt_in_source, created_at, updated_at) VALUES (:org, '', 'Debtor', :phone, '',"
        " 'en', 'UTC', 'IT', '[]', '{}', 'unknown', '', :now, :now)"
    )
    with Session(engine) as session:  # debtors as 0019 knew them, in two organizations
        orgs = [Organization(name=name, slug=name.lower()) for name in ("Alpha", "Beta")]
        session.add_all(orgs)
        session.flush()
        for org, phone in ((orgs[0], "+393331111111"), (orgs[0], "+393332222222"), (orgs[1], "+393331111111")):
            session.execute(debtor, {"org": org.id, "phone": phone, "now": now})
        session.commit()
    command.upgrade(config, "head")
    bsuid = "IT.13491208655302741918"
    with Session(engine) as session:
        assert session.execute(text("SELECT COUNT(whatsapp_user_id) FROM debtor")).scalar_one() == 0
        same_in_each = text("UPDATE debtor SET whatsapp_user_id = :id WHERE phone = '+393331111111'")
        session.execute(same_in_each, {"id": bsuid})  # two organizations may see the same BSUID
        session.commit()
        with pytest.raises(IntegrityError):  # one organization, two debtors: refused
            session.execute(text("UPDATE debtor SET whatsapp_user_id = :id"), {"id": bsuid})
        session.rollback()
        # A reply's sender holds a BSUID when Meta gives no phone number.
        session.execute(
            text(
                "INSERT INTO inboundmessage (org_id, wamid, sender, profile_name, kind, text, intent, received_at)"
                " SELECT id, 'wamid.IN1', :sender, '', 'text', 'Hi', 'other', :now FROM organization"
                " WHERE slug = 'beta'"
            ),
            {"sender": bsuid, "now": now},
        )
        session.commit()
    command.downgrade(config, "0019")
    assert "whatsapp_user_id" not in {column["name"] for column in inspect(engine).get_columns("debtor")}
    with Session(engine) as session:
        assert session.execute(text("SELECT COUNT(*) FROM debtor")).scalar_one() == 3
    command.upgrade(config, "head")


def enrollment_fillfactor(engine: Engine) -> str | None:
    """The `fillfactor=` storage option of enrollment on PostgreSQL ('' if unset); None on SQLite, which has none."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        options = connection.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'enrollment'")).scalar()
    return next((option for option in options or [] if option.startswith("fillfactor=")), "")


def test_0023_drops_the_indexes_wider_ones_cover_and_leaves_room_for_enrollment_updates(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0023")
    engine = db.engine_for(empty_database)

    def indexes(table: str) -> set[str]:
        return {index["name"] or "" for index in inspect(engine).get_indexes(table)}

    redundant = {"message": {"ix_message_org_id"}, "enrollment": {"ix_enrollment_org_id", "ix_enrollment_campaign_id"}}
    assert all(not indexes(table) & names for table, names in redundant.items())
    # What served their lookups stays: each of them was the first column of one of these.
    assert "ix_message_org_wamid" in indexes("message")
    assert "ix_enrollment_org_invoice" in indexes("enrollment")
    assert enrollment_fillfactor(engine) in (None, "fillfactor=80")
    command.downgrade(config, "0022")
    assert all(indexes(table) >= names for table, names in redundant.items())
    assert enrollment_fillfactor(engine) in (None, "")
    command.upgrade(config, "head")


def test_0024_leaves_half_of_each_enrollment_page_for_updates(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    engine = db.engine_for(empty_database)
    assert enrollment_fillfactor(engine) in (None, "fillfactor=50")
    command.downgrade(config, "0023")
    assert enrollment_fillfactor(engine) in (None, "fillfactor=80")
    command.upgrade(config, "head")
