"""`cobro`: the operator's command line."""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from saas_app import migrations
from saas_app.core.roles import Role
from saas_app.db import session_scope
from saas_app.services import accounts, api_keys, imports, organizations
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError

DEMO_EMAIL = "demo@cobro.local"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the demo login is printed on purpose
DEMO_ORG = "Demo Company"


def cmd_migrate(_args: argparse.Namespace) -> None:
    migrations.upgrade()
    print("Database is at the newest schema.")


def cmd_seed_demo(_args: argparse.Namespace) -> None:
    """Create the demo organization once; later runs only print the login."""
    with session_scope() as session:
        if accounts.find_user(session, DEMO_EMAIL) is None:
            accounts.sign_up(
                session,
                name="Demo Owner",
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                org_name=DEMO_ORG,
                first_party_confirmed=True,
            )
    print(f"Demo organization ready. Log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")


def cmd_create_org(args: argparse.Namespace) -> None:
    with session_scope() as session:
        owner = accounts.find_user(session, args.owner_email)
        if owner is None:
            owner = accounts.create_user(
                session, email=args.owner_email, name=args.owner_name or args.owner_email, password=args.password
            )
        org = organizations.create_organization(
            session,
            name=args.name,
            owner=owner,
            default_locale=args.locale,
            currency=args.currency.upper(),
            timezone=args.timezone,
            first_party_confirmed=True,
        )
        print(f"Created organization {org.name} (slug: {org.slug}), owner {owner.email}.")


def cmd_create_api_key(args: argparse.Namespace) -> None:
    with session_scope() as session:
        org = organizations.find_by_slug(session, args.org)
        assert org.id is not None
        # The operator acts with an owner's rights; the audit log records no user for it.
        operator = OrgContext(user_id=None, org_id=org.id, role=Role.OWNER, ip="cli")
        key = api_keys.create_api_key(session, operator, name=args.name, scopes=args.scopes.split(","))
    print(f"API key for {org.slug} ({args.name}, scopes {args.scopes}). It is shown only this once:")
    print(key)


def cmd_import(args: argparse.Namespace) -> None:
    """Check a spreadsheet and import it; with bad rows, nothing is written unless --accept-valid."""
    path = Path(args.file)
    if not path.is_file():
        raise ServiceError(f"no file at {path}")
    mapping = dict(item.split("=", 1) for item in args.map) if args.map else None

    def progress(done: int, total: int) -> None:
        print(f"\r{done:,}/{total:,} rows written", end="", file=sys.stderr, flush=True)

    with session_scope() as session:
        org = organizations.find_by_slug(session, args.org)
        assert org.id is not None
        operator = OrgContext(user_id=None, org_id=org.id, role=Role.OWNER, ip="cli")
        report = imports.import_file(
            session,
            operator,
            path.name,
            path.read_bytes(),
            mapping=mapping,
            accept_valid_rows=args.accept_valid,
            progress=progress,
        )
    if report.written:
        print(file=sys.stderr)
    print(f"{report.total_rows} rows read, {report.valid_rows} valid.")
    for error in report.errors:
        print(f"  row {error.row}, column {error.column}: {error.reason}")
    if report.written:
        print(
            f"Imported {report.invoices_created} invoices; {report.debtors_created} new debtors, "
            f"{report.debtors_updated} updated."
        )
    else:
        print(
            "Nothing was written. Fix the rows above, or run again with --accept-valid to import only the valid rows."
        )
        raise SystemExit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cobro", description="Cobro operator commands.")
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], None], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    add("migrate", cmd_migrate, "Apply database migrations.")
    add("seed-demo", cmd_seed_demo, "Create the demo organization and print its login.")
    create_org = add("create-org", cmd_create_org, "Create an organization with an owner.")
    create_org.add_argument("--name", required=True)
    create_org.add_argument("--owner-email", required=True)
    create_org.add_argument("--owner-name", default="")
    create_org.add_argument("--password", required=True)
    create_org.add_argument("--locale", default="en")
    create_org.add_argument("--currency", default="EUR")
    create_org.add_argument("--timezone", default="UTC")
    create_key = add("create-api-key", cmd_create_api_key, "Create an API key and print it once.")
    create_key.add_argument("--org", required=True, help="organization slug")
    create_key.add_argument("--name", required=True)
    create_key.add_argument("--scopes", default="read,write", help="read, write or read,write")
    import_file = add("import", cmd_import, "Import debtors and invoices from a CSV or XLSX file.")
    import_file.add_argument("file")
    import_file.add_argument("--org", required=True, help="organization slug")
    import_file.add_argument("--map", nargs="*", metavar="FIELD=HEADER", help="e.g. phone=Celular due_date=Vence")
    import_file.add_argument("--accept-valid", action="store_true", help="import the valid rows even if some are bad")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
