"""`cobro`: the operator's command line."""

import argparse
import sys
from collections.abc import Callable

from saas_app import migrations
from saas_app.core.roles import Role
from saas_app.db import session_scope
from saas_app.services import accounts, api_keys, organizations
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
