import pytest
from sqlmodel import Session

from saas_app import cli
from saas_app.services import accounts, api_keys, organizations
from tests import DATA


def test_seed_demo_creates_a_working_login_once(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["seed-demo"]) == 0
    assert cli.main(["seed-demo"]) == 0
    out = capsys.readouterr().out
    assert cli.DEMO_EMAIL in out
    assert cli.DEMO_PASSWORD in out
    assert accounts.log_in(session, email=cli.DEMO_EMAIL, password=cli.DEMO_PASSWORD)


@pytest.mark.parametrize("started", ["2026-12-05T01:30:00+00:00", "2026-12-04T23:30:00+00:00"])
def test_the_demo_has_every_first_reminder_due_whatever_the_hour_it_is_started(
    session: Session, monkeypatch: pytest.MonkeyPatch, started: str
) -> None:
    """At 01:30 UTC it is still yesterday in São Paulo and Mexico City; at 23:30 it is already tomorrow in Rome."""
    from datetime import datetime

    from sqlmodel import select

    from saas_app.models import Message
    from saas_app.worker import planner

    now = datetime.fromisoformat(started)
    monkeypatch.setattr(cli, "utcnow", lambda: now)
    assert cli.main(["seed-demo"]) == 0
    assert planner.plan_all(session, now=now) == 10
    late = [m.debtor_id for m in session.exec(select(Message)) if m.scheduled_at > now]
    assert late == [], "each customer's reminder is due when the demo starts"


def test_create_org_then_an_api_key_that_authenticates(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli.main(
            [
                "create-org",
                "--name",
                "Loja Azul",
                "--owner-email",
                "dono@loja.com.br",
                "--password",
                "senha-muito-boa",
                "--locale",
                "pt",
                "--currency",
                "brl",
            ]
        )
        == 0
    )
    org = organizations.find_by_slug(session, "loja-azul")
    assert (org.currency, org.default_locale) == ("BRL", "pt")
    capsys.readouterr()
    assert cli.main(["create-api-key", "--org", "loja-azul", "--name", "ERP"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    caller = api_keys.authenticate_api_key(session, key)
    assert caller is not None
    assert caller.org_id == org.id


def test_errors_are_one_clear_line_and_a_failing_exit_code(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["create-api-key", "--org", "no-such-org", "--name", "ERP"]) == 1
    assert capsys.readouterr().err.strip() == "error: No organization with the slug no-such-org."
    assert cli.main(["create-org", "--name", "X", "--owner-email", "bad", "--password", "long-enough-pw"]) == 1
    assert "valid email" in capsys.readouterr().err


def test_import_reports_bad_rows_and_writes_only_when_accepted(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlmodel import func, select

    from saas_app.models import Invoice

    data = DATA
    assert (
        cli.main(
            ["create-org", "--name", "Loja Azul", "--owner-email", "dono@loja.com.br", "--password", "senha-muito-boa"]
        )
        == 0
    )
    org = organizations.find_by_slug(session, "loja-azul")
    org.country, org.currency = "IT", "EUR"
    session.add(org)
    session.commit()
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli.main(["import", str(data / "invoices_with_errors.csv"), "--org", "loja-azul"])
    out = capsys.readouterr().out
    assert "7 rows read, 1 valid." in out
    assert "row 4, column currency: unknown currency 'EUROS'" in out
    assert "Nothing was written" in out
    assert session.exec(select(func.count()).select_from(Invoice)).one() == 0
    assert cli.main(["import", str(data / "invoices_with_errors.csv"), "--org", "loja-azul", "--accept-valid"]) == 0
    assert "Imported 1 invoices; 1 new debtors, 0 updated." in capsys.readouterr().out


def test_import_then_a_campaign_on_the_standard_cadence_and_its_schedule(
    session: Session, capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's 'done when': import the sample files, start a campaign, print the schedule."""
    from datetime import UTC, datetime

    from sqlmodel import select

    from saas_app.models import Campaign, Debtor, Invoice, Message

    # The day the sample file's dates were written around: on the real clock the file ages, and by
    # mid-2027 every invoice would be past its cadence's last step, with nothing left to expect.
    monkeypatch.setattr(cli, "utcnow", lambda: datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    data = DATA
    cli.main(["create-org", "--name", "Loja Azul", "--owner-email", "dono@loja.com.br", "--password", "senha-boa-123"])
    org = organizations.find_by_slug(session, "loja-azul")
    org.country, org.currency, org.default_locale, org.timezone = "BR", "BRL", "pt_BR", "America/Sao_Paulo"
    session.add(org)
    session.commit()
    assert cli.main(["import", str(data / "invoices_pt_BR.csv"), "--org", "loja-azul"]) == 0
    capsys.readouterr()
    assert cli.main(["campaign", "--org", "loja-azul", "--name", "Atrasadas", "--where", "min_days_overdue=1"]) == 0
    out = capsys.readouterr().out
    campaign = session.exec(select(Campaign)).one()
    assert f"Campaign {campaign.id} 'Atrasadas':" in out
    enrolled = int(out.split(": ", 1)[1].split(" invoices enrolled")[0])
    assert enrolled > 0
    assert f"{enrolled} messages scheduled" in out, "each enrolled invoice gets its next message"
    messages = session.exec(select(Message).where(Message.campaign_id == campaign.id)).all()
    # The file's Idioma column: Gabriela, a day overdue, wrote "es".
    wanted = {d.id: d.locale for d in session.exec(select(Debtor))}
    assert [m.language for m in messages] == [wanted[m.debtor_id] for m in messages]
    assert {m.language for m in messages} == {"pt_BR", "es"}
    assert cli.main(["schedule", "--org", "loja-azul", "--campaign", str(campaign.id)]) == 0
    schedule = capsys.readouterr().out
    assert "NF-1004  Diego Alves  (America/Sao_Paulo, active)" in schedule
    assert "scheduled" in schedule
    assert "expected" in schedule, "later steps show when they would go out"
    assert "local," in schedule
    assert "UTC" in schedule

    # Export, then import the export into another organization: the same invoices come back.
    out_file = tmp_path / "export.csv"
    assert cli.main(["export", "--org", "loja-azul", "--out", str(out_file)]) == 0
    cli.main(
        ["create-org", "--name", "Loja Verde", "--owner-email", "dono@verde.com.br", "--password", "senha-boa-123"]
    )
    other = organizations.find_by_slug(session, "loja-verde")
    other.country, other.currency = "BR", "BRL"
    session.add(other)
    session.commit()
    capsys.readouterr()
    assert cli.main(["import", str(out_file), "--org", "loja-verde"]) == 0
    first = session.exec(select(Invoice.number).where(Invoice.org_id == org.id).order_by(Invoice.number)).all()
    again = session.exec(select(Invoice.number).where(Invoice.org_id == other.id).order_by(Invoice.number)).all()
    assert f"Imported {len(first)} invoices" in capsys.readouterr().out
    assert again == first


def test_campaign_command_explains_bad_rules_and_empty_selections(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["create-org", "--name", "Vazia", "--owner-email", "x@vazia.com", "--password", "senha-boa-123"])
    capsys.readouterr()
    assert cli.main(["campaign", "--org", "vazia", "--name", "X", "--where", "colour=red"]) == 1
    assert "error: This segment rule is not valid: unknown rule colour." in capsys.readouterr().err
    assert cli.main(["campaign", "--org", "vazia", "--name", "X"]) == 1
    assert "error: No invoice matches this segment today." in capsys.readouterr().err


def test_whatsapp_set_connects_a_number_with_secrets_from_the_environment(
    session: Session, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from saas_app.services import whatsapp

    cli.main(["create-org", "--name", "Zap", "--owner-email", "z@zap.com", "--password", "senha-boa-123"])
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "EAAG-from-env")
    monkeypatch.setenv("WHATSAPP_APP_SECRET", "app-secret-from-env")
    capsys.readouterr()
    args = [
        "whatsapp",
        "set",
        "--org",
        "zap",
        "--phone-number-id",
        "1098765432",
        "--api-base-url",
        "http://127.0.0.1:8088",
    ]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "access token: set" in out
    assert "/webhooks/whatsapp" in out
    assert "EAAG-from-env" not in out
    account = whatsapp.by_phone_number_id(session, "1098765432")
    assert account is not None
    assert whatsapp.access_token(account) == "EAAG-from-env"
    assert cli.main([*args[:-2], "--api-base-url", "http://evil.example.com"]) == 1
    assert "https://" in capsys.readouterr().err


def test_the_demo_campaign_moves_by_itself_with_the_worker_and_the_simulator(
    session: Session, database_url: str
) -> None:
    from collections import Counter
    from datetime import UTC, datetime, timedelta

    from sqlmodel import select

    from saas_app.models import Message
    from saas_app.services import inbox, webhooks
    from saas_app.settings import settings
    from saas_app.whatsapp.simulator import Behaviour, SimulatorState, post_due
    from saas_app.worker import planner
    from tests.aio import run
    from tests.integration.worker.test_dispatcher import send_all

    assert cli.main(["seed-demo"]) == 0
    now = datetime.now(UTC)
    planner.plan_all(session, now=now)
    world = Behaviour(failure_rate=0, delivered_rate=1, read_rate=1, reply_rate=1)
    state = SimulatorState(behaviour=world, sandbox_secret=settings.simulator_secret)
    state.rng.seed(7)
    assert send_all(database_url, state, wall=lambda: now + timedelta(minutes=1)).stats.sent == 10
    languages = Counter(request["template"]["language"]["code"] for request in state.sent)
    assert languages == Counter({"pt_BR": 3, "it": 2, "es": 2, "fr": 2, "en": 1})

    async def deliver(raw: bytes, signature: str) -> None:
        assert webhooks.receive(session, raw, signature).http_status == 200
        session.commit()

    run(post_due(state, deliver, until=float("inf")))
    session.expire_all()
    statuses = Counter(session.exec(select(Message.status).where(Message.wamid.is_not(None))).all())  # type: ignore[union-attr]
    assert statuses == Counter({"read": 10})
    owner = accounts.log_in(session, email=cli.DEMO_EMAIL, password=cli.DEMO_PASSWORD)
    assert owner is not None
    org = organizations.find_by_slug(session, "demo-company")
    from saas_app.services.context import OrgContext

    ctx = OrgContext(user_id=None, org_id=org.id or 0, role="owner")
    assert len(inbox.conversations(session, ctx)) == 10, "every demo customer answered in their language"


def test_import_refuses_a_broken_file_with_one_clear_line_not_a_traceback(
    session: Session, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    """Finding 10: a CSV cell over 128 kB ended `cobro import` with the csv module's traceback."""
    from sqlmodel import func, select

    from saas_app.models import Invoice
    from tests.spreadsheets import csv_bytes, good_row

    cli.main(["create-org", "--name", "Loja Azul", "--owner-email", "dono@loja.com.br", "--password", "senha-boa-123"])
    big_cell = tmp_path / "big.csv"
    big_cell.write_bytes(csv_bytes([good_row(1), ["A" * 140_000, *good_row(2)[1:]]]))
    capsys.readouterr()
    assert cli.main(["import", str(big_cell), "--org", "loja-azul"]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: This file cannot be imported: row 3, column name has more than 32767 characters "
        "(a quote left open joins the rows after it into one cell)."
    )
    assert cli.main(["import", str(DATA / "invoices_pt_BR.csv"), "--org", "loja-azul", "--map", "phone"]) == 1
    assert "error: write each mapping as FIELD=HEADER, not 'phone'" in capsys.readouterr().err
    assert cli.main(["import", str(DATA / "invoices_pt_BR.csv"), "--org", "loja-azul", "--map", "fone=Telefone"]) == 1
    assert "error: unknown field 'fone' in --map" in capsys.readouterr().err
    assert session.exec(select(func.count()).select_from(Invoice)).one() == 0


def test_import_lists_the_first_problems_of_a_file_of_bad_rows_and_counts_the_rest(
    session: Session, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    from tests.spreadsheets import csv_bytes

    cli.main(["create-org", "--name", "Loja Azul", "--owner-email", "dono@loja.com.br", "--password", "senha-boa-123"])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["", "12345", f"A-{n}", "ten", "soon"] for n in range(1200)]))
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli.main(["import", str(bad), "--org", "loja-azul"])
    captured = capsys.readouterr()
    assert "1,200 rows checked" in captured.err
    assert "1200 rows read, 0 valid." in captured.out
    assert "  … and 3,800 more problems; 1,200 rows have one." in captured.out
    assert captured.out.count("\n  row ") == 1000


def _create_org(*extra: str) -> int:
    return cli.main(
        [
            "create-org",
            "--name",
            "Loja Azul",
            "--owner-email",
            "dono@loja.com.br",
            "--password",
            "senha-boa-123",
            *extra,
        ]
    )


def test_create_org_in_a_country_takes_its_currency_time_zone_and_language(session: Session) -> None:
    assert _create_org("--country", "br") == 0
    org = organizations.find_by_slug(session, "loja-azul")
    assert (org.country, org.currency, org.timezone, org.default_locale) == ("BR", "BRL", "America/Sao_Paulo", "pt_BR")


def test_create_org_options_override_what_the_country_implies(session: Session) -> None:
    assert _create_org("--country", "PT", "--currency", "usd", "--timezone", "Atlantic/Azores") == 0
    org = organizations.find_by_slug(session, "loja-azul")
    assert (org.country, org.currency, org.timezone, org.default_locale) == ("PT", "USD", "Atlantic/Azores", "pt")


def test_create_org_without_a_country_keeps_euros_utc_and_english(session: Session) -> None:
    assert _create_org() == 0
    org = organizations.find_by_slug(session, "loja-azul")
    assert (org.country, org.currency, org.timezone, org.default_locale) == ("", "EUR", "UTC", "en")


def test_an_unknown_country_stops_create_org_before_anything_is_written(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _create_org("--country", "XX")
    assert stopped.value.code == 2
    assert "unknown country 'XX'" in capsys.readouterr().err
    assert accounts.find_user(session, "dono@loja.com.br") is None


def test_create_org_refuses_a_weak_password_with_advice(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["create-org", "--name", "Loja Azul", "--owner-email", "dono@loja.com.br", "--password", "lojaazul2026"]
    assert cli.main(argv) == 1
    assert "Do not build the password from your name, email or company name" in capsys.readouterr().err
    assert accounts.find_user(session, "dono@loja.com.br") is None


def test_the_demo_company_is_irish_unless_told_otherwise(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["seed-demo", "--help"])
    assert "(default: IE, euros" in " ".join(capsys.readouterr().out.split())
    assert cli.main(["seed-demo"]) == 0
    org = organizations.find_by_slug(session, "demo-company")
    assert (org.country, org.currency, org.timezone, org.default_locale) == ("IE", "EUR", "Europe/Dublin", "en")


def test_seed_demo_in_another_country(session: Session) -> None:
    assert cli.main(["seed-demo", "--country", "mx"]) == 0
    org = organizations.find_by_slug(session, "demo-company")
    assert (org.country, org.currency, org.timezone) == ("MX", "MXN", "America/Mexico_City")
