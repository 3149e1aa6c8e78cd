"""`cobro`: the operator's command line."""

import argparse
import logging
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, select

from saas_app import logs, migrations, process_tuning
from saas_app.core.countries import normalize_country
from saas_app.core.imports import FIELDS
from saas_app.core.invoices import Behaviour
from saas_app.core.roles import Role
from saas_app.db import session_scope
from saas_app.models import Debtor
from saas_app.models.base import utcnow
from saas_app.services import (
    accounts,
    api_keys,
    cadences,
    campaigns,
    debtors,
    demo,
    exports,
    imports,
    organizations,
    payment_webhooks,
    segments,
    whatsapp,
)
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.settings import settings
from saas_app.whatsapp import simulator_world
from saas_app.whatsapp.simulator_faults import FaultInjector, FaultRates
from saas_app.worker import planner

DEMO_EMAIL = "demo@cobro.local"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the demo login is printed on purpose
DEMO_ORG = "Demo Company"
# Euros, like half its invoices; English, like its owner; a European zone, like most of its customers.
DEMO_COUNTRY = "IE"
log = logging.getLogger("cobro.worker")


def _operator(session: Session, slug: str) -> OrgContext:
    """The operator acts with an owner's rights; the audit log records no user for it."""
    org = organizations.find_by_slug(session, slug)
    assert org.id is not None
    return OrgContext(user_id=None, org_id=org.id, role=Role.OWNER, ip="cli")


def _rule(pairs: list[str]) -> dict[str, object]:
    """`min_days_overdue=1 tags=retail,vip` -> a segment rule; lists are comma-separated."""
    rule: dict[str, object] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if not value:
            raise ServiceError(f"write the rule as name=value, not '{pair}'")
        rule[key.strip()] = value.split(",") if key.strip() in LIST_RULES else value.strip()
    return rule


LIST_RULES = ("statuses", "behaviours", "tags", "locales")


def cmd_migrate(_args: argparse.Namespace) -> None:
    """`cobro migrate`: the database brought to the newest schema."""
    migrations.upgrade()
    print("Database is at the newest schema.")


def country_code(text: str) -> str:
    """`--country`'s value: 'br' -> 'BR'; an unknown code stops the command before it does anything."""
    code = normalize_country(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"unknown country '{text}': give an ISO 3166 code such as BR, IT or US")
    return code


def cmd_seed_demo(args: argparse.Namespace) -> None:
    """Create the demo organization once, in `--country`; later runs only print the login."""
    with session_scope() as session:
        demo_user = accounts.find_user(session, DEMO_EMAIL)
        if demo_user is None:
            signed_up = accounts.sign_up(
                session,
                name="Demo Owner",
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                org_name=DEMO_ORG,
                first_party_confirmed=True,
                country=args.country,
            )
            owner = OrgContext(
                user_id=signed_up.user.id, org_id=signed_up.organization.id or 0, role=Role.OWNER, ip="cli"
            )
            customers = demo.populate(session, owner, utcnow())
            print(f"Demo organization created: {customers} customers in five languages, a campaign running.")
            demo_user = signed_up.user
        # Every run, so that a demo made before the simulated debtors paid gets its payment secrets too.
        [membership, *_] = accounts.memberships_of(session, demo_user.id or 0)
        demo.set_up_payments(session, _operator(session, membership.org_slug))
    print(f"Demo organization ready. Log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")


def cmd_create_org(args: argparse.Namespace) -> None:
    """`cobro create-org`: an organization and its owner, who is created unless the email is known.

    Without --country: euros, UTC and English, as before countries were asked; --locale, --currency and
    --timezone override what the country implies.
    """
    with session_scope() as session:
        owner = accounts.find_user(session, args.owner_email)
        if owner is None:
            owner = accounts.create_user(
                session,
                email=args.owner_email,
                name=args.owner_name or args.owner_email,
                password=args.password,
                org_name=args.name,
            )
        org = organizations.create_organization(
            session,
            name=args.name,
            owner=owner,
            country=args.country,
            default_locale=args.locale,
            currency=args.currency.upper() if args.currency else None,
            timezone=args.timezone,
            first_party_confirmed=True,
        )
        print(f"Created organization {org.name} (slug: {org.slug}), owner {owner.email}.")


def cmd_create_api_key(args: argparse.Namespace) -> None:
    """`cobro create-api-key`: a key for an organization, printed once since only its hash is kept."""
    with session_scope() as session:
        operator = _operator(session, args.org)
        key = api_keys.create_api_key(session, operator, name=args.name, scopes=args.scopes.split(","))
    print(f"API key for {args.org} ({args.name}, scopes {args.scopes}). It is shown only this once:")
    print(key)


def cmd_import(args: argparse.Namespace) -> None:
    """Check a spreadsheet and import it; with bad rows, nothing is written unless --accept-valid."""
    path = Path(args.file)
    if not path.is_file():
        raise ServiceError(f"no file at {path}")
    mapping = _mapping(args.map or [])

    counts = [0, 0]  # rows checked, rows written: one pass, each batch checked then written

    def checked(done: int) -> None:
        counts[0] = done
        show()

    def progress(done: int) -> None:
        counts[1] = done
        show()

    def show() -> None:
        print(f"\r{counts[0]:,} rows checked, {counts[1]:,} written", end="", file=sys.stderr, flush=True)

    try:
        with session_scope() as session, path.open("rb") as stream:
            operator = _operator(session, args.org)
            report = imports.import_file(
                session,
                operator,
                path.name,
                stream,  # read as a stream: a file past a limit is refused without reading the rest
                mapping=mapping,
                accept_valid_rows=args.accept_valid,
                progress=progress,
                checked=checked,
            )
    except OSError as error:
        raise ServiceError(f"cannot read {path}: {error.strerror or error}") from None
    finally:
        print(file=sys.stderr)  # the progress line ends, whether the file was refused or not
    print(f"{report.total_rows} rows read, {report.valid_rows} valid.")
    for problem in report.errors:
        print(f"  row {problem.row}, column {problem.column}: {problem.reason}")
    if report.problems > len(report.errors):
        print(f"  … and {report.problems - len(report.errors):,} more problems; {report.bad_rows:,} rows have one.")
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


def _mapping(pairs: list[str]) -> dict[str, str] | None:
    """`phone=Celular due_date=Vence` -> {field: header}; None lets the headers be recognised."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        name, _, header = pair.partition("=")
        if not name.strip() or not header.strip():
            raise ServiceError(f"write each mapping as FIELD=HEADER, not '{pair}'")
        if name.strip() not in FIELDS:
            raise ServiceError(f"unknown field '{name.strip()}' in --map: use one of {', '.join(FIELDS)}")
        mapping[name.strip()] = header.strip()
    return mapping or None


def cmd_campaign(args: argparse.Namespace) -> None:
    """Start a campaign on the standard cadence (or --cadence) for the invoices a rule selects today."""
    now = utcnow()
    with session_scope() as session:
        operator = _operator(session, args.org)
        cadence_id = args.cadence or _standard_cadence(session, operator)
        rule = _rule(args.where or [])
        segment = segments.save_segment(session, operator, name=args.name, rules=rule)
        count = segments.count(session, operator, segments.rules_from(segment.rules), now.date())
        campaign = campaigns.create_from_segment(
            session,
            operator,
            name=args.name,
            cadence_id=cadence_id,
            segment_id=segment.id or 0,
            now=now,
            priority=args.priority,
        )
        planned = planner.plan_all(session, now=now, org_id=operator.org_id)
        last = campaigns.campaign_stats(session, operator, campaign.id or 0).last_send_at
        print(
            f"Campaign {campaign.id} '{campaign.name}': {count.matching - count.busy} invoices enrolled"
            f" ({count.busy} already in a running campaign); {planned} messages scheduled"
            + (f", the last at {last:%Y-%m-%d %H:%M} UTC." if last else ".")
        )
        print(f"See the schedule with: cobro schedule --org {args.org} --campaign {campaign.id}")


def _standard_cadence(session: Session, operator: OrgContext) -> int:
    built_in = [c for c in cadences.list_cadences(session, operator) if c.built_in]
    if not built_in:
        raise ServiceError("this organization has no built-in cadence; pass --cadence ID")
    return built_in[0].id or 0


def cmd_plan(args: argparse.Namespace) -> None:
    """Materialize the next message of every enrollment (what the worker runs on a timer)."""
    from saas_app.worker.dispatcher import run_planner

    with session_scope() as session:
        org_id = _operator(session, args.org).org_id if args.org else None
        print(f"{run_planner(session, utcnow(), org_id)} messages scheduled.")


def cmd_schedule(args: argparse.Namespace) -> None:
    """Each enrolled invoice, step by step: the exact day and local time it goes out, and its state."""
    with session_scope() as session:
        operator = _operator(session, args.org)
        schedule = campaigns.campaign_schedule(session, operator, args.campaign, now=utcnow(), limit=args.limit)
    for invoice in schedule:
        print(f"{invoice.invoice_number}  {invoice.debtor_name}  ({invoice.timezone}, {invoice.state})")
        for step in invoice.steps:
            when = "-"
            if step.local and step.send_at:
                when = f"{step.local:%a %Y-%m-%d %H:%M} local, {step.send_at:%Y-%m-%d %H:%M} UTC"
            language = f" [{step.language}]" if step.language else ""
            print(f"  {step.offset_days:+4d} d  {step.template[:40]:<40} {step.status:<9} {when}{language}")
    if not schedule:
        print("This campaign has no invoices.")


def cmd_export(args: argparse.Namespace) -> None:
    """`cobro export`: the organization's invoices as CSV, to a file or to standard output with `-`."""
    with session_scope() as session:
        operator = _operator(session, args.org)
        if args.out == "-":
            rows = exports.export_invoices(session, operator, sys.stdout)
        else:
            with Path(args.out).open("w", newline="", encoding="utf-8") as out:
                rows = exports.export_invoices(session, operator, out)
    print(f"{rows} invoices exported.", file=sys.stderr)


def cmd_repair_counters(args: argparse.Namespace) -> None:
    """`cobro repair-counters [--org ID]`: every campaign's counters recounted from its rows."""
    with session_scope() as session:
        org_id = None
        if args.org:
            org_id = int(args.org) if args.org.isdigit() else _operator(session, args.org).org_id
        recounted = campaigns.repair_counters(session, org_id=org_id)
    print(f"Counters of {recounted} campaigns recounted from their messages, invoices, payments and replies.")


def cmd_refresh_behaviour(args: argparse.Namespace) -> None:
    """`cobro refresh-behaviour`: every debtor's payment behaviour recomputed from their history, as of today."""
    with session_scope() as session:
        operator = _operator(session, args.org)
        ids = list(session.exec(select(Debtor.id).where(Debtor.org_id == operator.org_id)))
        changed = debtors.refresh_behaviour(session, operator.org_id, [i for i in ids if i], utcnow().date())
    print(f"Payment behaviour of {len(ids)} debtors recomputed; {changed} changed.")


def cmd_whatsapp_set(args: argparse.Namespace) -> None:
    """Connect an organization's WhatsApp number; secrets come from the environment, not the command line."""
    with session_scope() as session:
        operator = _operator(session, args.org)
        view = whatsapp.save_account(
            session,
            operator,
            whatsapp.AccountInput(
                phone_number_id=args.phone_number_id,
                waba_id=args.waba_id,
                display_number=args.display_number,
                access_token=os.environ.get("WHATSAPP_ACCESS_TOKEN", ""),
                app_secret=os.environ.get("WHATSAPP_APP_SECRET", ""),
                verify_token=args.verify_token,
                api_base_url=args.api_base_url,
                api_version=args.api_version,
                throughput=args.throughput,
                messaging_limit=args.messaging_limit,
            ),
        )
    print(f"WhatsApp number {view.phone_number_id} connected to {args.org}.")
    print(f"  access token: {'set' if view.has_access_token else 'missing (WHATSAPP_ACCESS_TOKEN)'}")
    print(f"  app secret:   {'set' if view.has_app_secret else 'missing (WHATSAPP_APP_SECRET)'}")
    print(f"  webhook:      {view.webhook_url}  verify token: {view.verify_token}")


def cmd_worker(args: argparse.Namespace) -> None:
    """Send due messages until stopped (SIGTERM or Ctrl-C finish what is in flight first)."""
    import asyncio
    import signal

    import uvloop

    from saas_app import metrics
    from saas_app.worker.dispatcher import Worker, WorkerConfig

    config = WorkerConfig(batch=args.batch, concurrency=args.concurrency, plan_seconds=args.plan_seconds)

    async def run() -> None:
        worker = Worker(config)
        if args.metrics_port:
            sources = (metrics.process_figures(), metrics.WorkerCollector(lambda: worker.stats))
            metrics.serve(args.metrics_host, args.metrics_port, sources, settings.metrics_token)
            log.info("worker: metrics on http://%s:%d/metrics", args.metrics_host, args.metrics_port)
        loop = asyncio.get_running_loop()
        for name in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(name, worker.stop)

        async def report() -> None:
            last: tuple[int, ...] = ()
            while True:
                await asyncio.sleep(args.report_seconds)
                if worker.stats.counts() != last:  # quiet while idle
                    last = worker.stats.counts()
                    log.info("worker: %s", worker.stats.line(), extra=worker.stats.fields())

        reporter = asyncio.create_task(report()) if args.report_seconds > 0 else None
        stats = await worker.run(until_idle=args.until_idle)
        if reporter:
            reporter.cancel()
        log.info("worker stopped: %s", stats.line(), extra=stats.fields())

    log.info("worker: sending with %d requests in flight at most", config.concurrency)
    process_tuning.keep_time()
    uvloop.run(run())  # libuv's loop: measurably more sends per second from one process


def cmd_simulator(args: argparse.Namespace) -> None:
    """Serve the WhatsApp simulator and post its webhooks to the app."""
    import httpx
    import uvicorn

    from saas_app.settings import settings
    from saas_app.whatsapp import simulator_webhooks
    from saas_app.whatsapp.simulator import Behaviour, SimulatorState, create_simulator, http_deliverer

    behaviour = Behaviour(
        answer_delay=args.answer_delay,
        sent_after=args.sent_after,
        delivered_after=args.delivered_after,
        read_after=args.read_after,
        reply_after=args.reply_after,
        failure_rate=args.failure_rate,
        reply_rate=args.reply_rate,
        webhooks=not args.no_webhooks,
        offline_rate=args.offline_rate,
        ttl_scale=args.ttl_scale,
        messaging_limits=not args.no_messaging_limits,
        batch_share=args.batch_share,
    )
    state = SimulatorState(behaviour=behaviour, sandbox_secret=settings.simulator_secret)
    # Without --seed, a seed is drawn and printed, so a run worth seeing again can be.
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    state.rng.seed(seed)
    simulator_webhooks.USERNAMES.share = args.usernames
    webhook_urls = args.webhook_url or [whatsapp.webhook_url()]
    webhook_url = webhook_urls[0]
    deliver = http_deliverer(webhook_urls, httpx.AsyncClient(timeout=10))
    pay = None
    told = ", ".join(webhook_urls)
    print(f"WhatsApp simulator on http://{args.host}:{args.port}, webhooks to {told}, seed {seed}", flush=True)
    if args.world:
        state.world = _debtor_world(args, seed, webhook_url)
        pay = simulator_world.http_payer(httpx.AsyncClient(timeout=10))
    app: Any = create_simulator(state, deliver=deliver, pay=pay)
    faults = _fault_rates(args, seed)
    if faults.any:
        app = FaultInjector(app, faults)
        print(f"Faults injected into sends: {faults}", flush=True)
    process_tuning.keep_time()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


def _fault_rates(args: argparse.Namespace, seed: int) -> FaultRates:
    try:
        return FaultRates(
            refuse_429=args.fault_rate_429,
            refuse_500=args.fault_rate_500,
            slow=args.slow_rate,
            slow_seconds=args.slow_seconds,
            drop=args.drop_rate,
            seed=seed,
        )
    except ValueError as bad:
        raise ServiceError(str(bad)) from None


def _debtor_world(args: argparse.Namespace, seed: int, webhook_url: str) -> simulator_world.World:
    """The simulated debtors and where their payments go, as the options say; told on the console."""
    try:
        parameters = simulator_world.WorldParameters(
            seed=seed,
            day_seconds=args.day_seconds,
            shares=args.shares,
            intentional_share=args.intentional_share,
            opt_out_share=args.opt_out_share,
            stripe_share=args.stripe_share,
        )
    except ValueError as bad:
        raise ServiceError(str(bad)) from None
    targets: dict[str, simulator_world.PaymentTarget] = {}
    if args.payment_url:
        targets[""] = simulator_world.PaymentTarget(args.payment_url, args.payment_secret, args.stripe_secret)
    for slug in args.pay_org or []:
        number, target = _payment_target_of(slug, webhook_url)
        targets[number] = target
    shares = ", ".join(f"{share:g} {name}" for name, share in parameters.shares.items())
    print(f"Debtors: {shares}; a day of their behaviour every {parameters.day_seconds:g} s", flush=True)
    for number, target in targets.items():
        print(f"Payments for {number or 'every number'} go to {target.url}", flush=True)
    if not targets:
        print("No payment endpoint (--pay-org or --payment-url): debtors decide to pay, nothing is posted", flush=True)
    return simulator_world.World(parameters, targets=targets)


def _payment_target_of(slug: str, app_url: str) -> tuple[str, simulator_world.PaymentTarget]:
    """An organization's WhatsApp number and its payment endpoint, on the app the webhooks go to."""
    from saas_app.auth.secrets import unseal
    from saas_app.models import WhatsAppAccount

    with session_scope() as session:
        ctx = _operator(session, slug)
        account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).first()
        if account is None:
            raise ServiceError(f"{slug} has no WhatsApp number: nobody gets its reminders to pay")
        row = payment_webhooks.endpoint(session, ctx)
        if not row.signing_secret_sealed and not row.stripe_secret_sealed:
            raise ServiceError(f"{slug} has no payment signing secret: set one in Settings > Payments")
        app = urlsplit(app_url)
        url = f"{app.scheme}://{app.netloc}{urlsplit(payment_webhooks.url_of(row)).path}"
        secrets = unseal(row.signing_secret_sealed), unseal(row.stripe_secret_sealed)
        return account.phone_number_id, simulator_world.PaymentTarget(url, *secrets)


def _shares(text: str) -> dict[Behaviour, float]:
    """`--shares`' value: punctual=0.5,late=0.3,chronic=0.2."""
    try:
        return simulator_world.parse_shares(text)
    except ValueError as bad:
        raise argparse.ArgumentTypeError(str(bad)) from None


def build_parser() -> argparse.ArgumentParser:
    """The `cobro` command line: one subcommand per operator task, each with its handler."""
    parser = argparse.ArgumentParser(prog="cobro", description="Cobro operator commands.")
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], None], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    add("migrate", cmd_migrate, "Apply database migrations.")
    seed_demo = add("seed-demo", cmd_seed_demo, "Create the demo organization and print its login.")
    seed_demo.add_argument(
        "--country",
        type=country_code,
        default=DEMO_COUNTRY,
        help=f"ISO 3166 code of the demo company's country, which sets its currency, time zone and language "
        f"(default: {DEMO_COUNTRY}, euros like most of its invoices, in English)",
    )
    create_org = add("create-org", cmd_create_org, "Create an organization with an owner.")
    create_org.add_argument("--name", required=True)
    create_org.add_argument("--owner-email", required=True)
    create_org.add_argument("--owner-name", default="")
    create_org.add_argument("--password", required=True)
    create_org.add_argument(
        "--country",
        type=country_code,
        default=None,
        help="ISO 3166 code, e.g. BR: sets the currency, time zone, language and phone numbers' region "
        "(default: none, then EUR, UTC and en)",
    )
    create_org.add_argument("--locale", default=None, help="default: the country's language, else en")
    create_org.add_argument("--currency", default=None, help="ISO 4217; default: the country's, else EUR")
    create_org.add_argument("--timezone", default=None, help="IANA zone; default: the country's main one, else UTC")
    create_key = add("create-api-key", cmd_create_api_key, "Create an API key and print it once.")
    create_key.add_argument("--org", required=True, help="organization slug")
    create_key.add_argument("--name", required=True)
    create_key.add_argument("--scopes", default="read,write", help="read, write or read,write")
    import_file = add("import", cmd_import, "Import debtors and invoices from a CSV or XLSX file.")
    import_file.add_argument("file")
    import_file.add_argument("--org", required=True, help="organization slug")
    import_file.add_argument("--map", nargs="*", metavar="FIELD=HEADER", help="e.g. phone=Celular due_date=Vence")
    import_file.add_argument("--accept-valid", action="store_true", help="import the valid rows even if some are bad")
    campaign = add("campaign", cmd_campaign, "Start a campaign for the invoices a rule selects today.")
    campaign.add_argument("--org", required=True, help="organization slug")
    campaign.add_argument("--name", required=True)
    campaign.add_argument("--cadence", type=int, default=0, help="cadence id (default: the standard cadence)")
    campaign.add_argument(
        "--priority",
        choices=sorted(campaigns.PRIORITIES),
        default="oldest_first",
        help="who goes first when the WhatsApp messaging limit makes the campaign wait",
    )
    campaign.add_argument(
        "--where",
        nargs="*",
        metavar="RULE=VALUE",
        help="e.g. min_days_overdue=1 max_days_overdue=30 tags=retail,vip locales=pt (default: every open invoice)",
    )
    plan = add("plan", cmd_plan, "Schedule the next message of every running enrollment.")
    plan.add_argument("--org", default="", help="organization slug (default: all)")
    schedule = add("schedule", cmd_schedule, "Print when each step of a campaign goes out.")
    schedule.add_argument("--org", required=True, help="organization slug")
    schedule.add_argument("--campaign", type=int, required=True)
    schedule.add_argument("--limit", type=int, default=100, help="invoices to show")
    export = add("export", cmd_export, "Export invoices and their debtors as CSV.")
    export.add_argument("--org", required=True, help="organization slug")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    whatsapp_commands = commands.add_parser("whatsapp", help="The organization's WhatsApp number.")
    whatsapp_actions = whatsapp_commands.add_subparsers(dest="whatsapp_command", required=True)
    wa_help = "Connect a WhatsApp Business number (secrets from the environment)."
    wa = whatsapp_actions.add_parser("set", help=wa_help, description=wa_help)
    wa.set_defaults(handler=cmd_whatsapp_set)
    wa.add_argument("--org", required=True, help="organization slug")
    wa.add_argument("--phone-number-id", required=True)
    wa.add_argument("--waba-id", default="")
    wa.add_argument("--display-number", default="")
    wa.add_argument("--verify-token", default="", help="default: keep the current one, or make one")
    wa.add_argument("--api-base-url", default="", help="default https://graph.facebook.com; the simulator's address")
    wa.add_argument("--api-version", default="")
    wa.add_argument("--throughput", type=int, default=80, help="messages per second (1 to 1,000)")
    wa.add_argument("--messaging-limit", type=int, default=250, help="250, 2000, 10000, 100000 or 0 (unlimited)")
    worker = add("worker", cmd_worker, "Send due WhatsApp messages (run one or more).")
    worker.add_argument("--batch", type=int, default=500, help="messages claimed per query")
    worker.add_argument("--concurrency", type=int, default=512, help="requests in flight at most")
    worker.add_argument("--until-idle", action="store_true", help="stop when nothing is due")
    worker.add_argument("--plan-seconds", type=float, default=60.0, help="run the planner this often (0: never)")
    worker.add_argument("--report-seconds", type=float, default=10.0, help="log progress this often (0: never)")
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=0,
        help="serve this worker's Prometheus metrics on this port (0: not at all)",
    )
    worker.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        help="address the metrics port listens on; beyond this machine, set COBRO_METRICS_TOKEN",
    )
    simulator = add("simulator", cmd_simulator, "Run the local WhatsApp Cloud API simulator.")
    simulator.add_argument("--host", default="127.0.0.1")
    simulator.add_argument("--port", type=int, default=8090)
    simulator.add_argument(
        "--webhook-url",
        action="append",
        help="default: COBRO_PUBLIC_URL/webhooks/whatsapp; repeat it for several backends, posts take turns",
    )
    simulator.add_argument("--answer-delay", type=float, default=0.0, help="seconds before answering a send")
    simulator.add_argument("--sent-after", type=float, default=1.0, help="seconds until the 'sent' webhook")
    simulator.add_argument("--delivered-after", type=float, default=3.0)
    simulator.add_argument("--read-after", type=float, default=20.0)
    simulator.add_argument("--reply-after", type=float, default=40.0)
    simulator.add_argument("--failure-rate", type=float, default=0.03, help="share of sends that fail (0 to 1)")
    simulator.add_argument("--reply-rate", type=float, default=0.2, help="share of read messages answered")
    simulator.add_argument("--no-webhooks", action="store_true", help="answer sends only")
    simulator.add_argument(
        "--batch-share",
        type=float,
        default=0.05,
        help="share of webhook POSTs carrying every change then due, as Meta now and then does (0 to 1; default 0.05)",
    )
    simulator.add_argument(
        "--offline-rate", type=float, default=0.0, help="share of phones that stay off: dropped after the TTL"
    )
    simulator.add_argument(
        "--ttl-scale", type=float, default=1.0, help="simulated seconds per second of a time-to-live (0.001: fast)"
    )
    simulator.add_argument(
        "--no-messaging-limits",
        action="store_true",
        help="accept templates to any number of people a day (Meta refuses past the number's tier)",
    )
    simulator.add_argument(
        "--usernames",
        type=float,
        default=0.1,
        help="share of debtors with a WhatsApp username: webhooks name them by BSUID, without their phone (0 to 1)",
    )
    simulator.add_argument(
        "--seed", type=int, default=None, help="make the simulated world repeatable (default: drawn and printed)"
    )
    faults = simulator.add_argument_group("faults injected into sends, drawn from --seed")
    faults.add_argument("--fault-rate-429", type=float, default=0.0, help="share of sends refused with 429")
    faults.add_argument("--fault-rate-500", type=float, default=0.0, help="share of sends refused with 500")
    faults.add_argument("--slow-rate", type=float, default=0.0, help="share of sends answered after --slow-seconds")
    faults.add_argument("--slow-seconds", type=float, default=2.0)
    faults.add_argument(
        "--drop-rate",
        type=float,
        default=0.0,
        help="share of sends taken whose connection is then cut before the answer's body",
    )
    world = simulator.add_argument_group(
        "debtors with a behaviour (see saas_app/whatsapp/simulator_world.py for the profiles)"
    )
    world.add_argument(
        "--world",
        action="store_true",
        help="debtors read, answer, promise and pay as their behaviour says (instead of --read-after, --reply-after "
        "and --reply-rate)",
    )
    world.add_argument(
        "--day-seconds", type=float, default=60.0, help="seconds of the run per day of behaviour (default 60)"
    )
    world.add_argument(
        "--shares",
        type=_shares,
        default="punctual=0.5,late=0.3,chronic=0.2",
        help="share of debtors per behaviour (default: punctual=0.5,late=0.3,chronic=0.2)",
    )
    world.add_argument("--intentional-share", type=float, default=0.3, help="won't pay, rather than can't (0 to 1)")
    world.add_argument("--opt-out-share", type=float, default=0.03, help="opt out at the first reminder (0 to 1)")
    world.add_argument("--stripe-share", type=float, default=0.5, help="pay through Stripe; the rest in Cobro's format")
    world.add_argument(
        "--pay-org",
        action="append",
        metavar="SLUG",
        help="pay this organization's invoices at its payment endpoint, with its secrets read from the database "
        "(repeatable; `cobro seed-demo` sets the demo's)",
    )
    world.add_argument(
        "--payment-url",
        default=os.environ.get("COBRO_SIMULATOR_PAYMENT_URL", ""),
        help="or pay every organization's invoices here (env COBRO_SIMULATOR_PAYMENT_URL)",
    )
    world.add_argument(
        "--payment-secret",
        default=os.environ.get("COBRO_SIMULATOR_PAYMENT_SECRET", ""),
        help="signs Cobro-format payments to --payment-url (env COBRO_SIMULATOR_PAYMENT_SECRET)",
    )
    world.add_argument(
        "--stripe-secret",
        default=os.environ.get("COBRO_SIMULATOR_STRIPE_SECRET", ""),
        help="signs Stripe payments to --payment-url (env COBRO_SIMULATOR_STRIPE_SECRET)",
    )
    refresh = add("refresh-behaviour", cmd_refresh_behaviour, "Recompute every debtor's payment behaviour.")
    refresh.add_argument("--org", required=True, help="organization slug")
    repair = add("repair-counters", cmd_repair_counters, "Recount the campaigns' counters from the rows.")
    repair.add_argument("--org", default=None, help="organization id or slug (default: every organization)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs one command; a service's refusal is printed and exits with 1, not a traceback."""
    args = build_parser().parse_args(argv)
    logs.configure(settings)
    try:
        args.handler(args)
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
