import pytest
from sqlmodel import Session

from saas_app import cli
from saas_app.services import accounts, api_keys, organizations


def test_seed_demo_creates_a_working_login_once(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["seed-demo"]) == 0
    assert cli.main(["seed-demo"]) == 0
    out = capsys.readouterr().out
    assert cli.DEMO_EMAIL in out
    assert cli.DEMO_PASSWORD in out
    assert accounts.log_in(session, email=cli.DEMO_EMAIL, password=cli.DEMO_PASSWORD)


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
    from pathlib import Path

    from sqlmodel import func, select

    from saas_app.models import Invoice

    data = Path(__file__).resolve().parent.parent / "data"
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
