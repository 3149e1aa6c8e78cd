"""Settings: the organization, its team and invitations, API keys."""

from typing import Any

import reflex as rx

from saas_app.components.layout import ROLE_LABELS, app_page, empty_state, field, form_error, role_badge, shown_once
from saas_app.i18n import N_, language_name
from saas_app.services.organizations import CONTENT_LOCALES
from saas_app.state.base import t
from saas_app.state.payments import PaymentEventRow, PaymentsSettingsState
from saas_app.state.settings import ApiKeyRow, ApiKeysState, OrganizationSettingsState
from saas_app.state.team import InvitationRow, MemberRow, TeamState
from saas_app.state.webhooks import DeliveryRow, SubscriptionRow, WebhooksState
from saas_app.state.whatsapp import LanguageStatus, RemoteTemplateRow, WhatsAppSettingsState


def role_items() -> list[rx.Component]:
    return [rx.select.item(t(label), value=role) for role, label in ROLE_LABELS]


def member_row(member: MemberRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(rx.text(member["name"], weight="medium"), rx.text(member["email"], size="1"), spacing="0")
        ),
        rx.table.cell(
            rx.cond(
                TeamState.can_manage_team,
                rx.select.root(
                    rx.select.trigger(aria_label="Role"),
                    rx.select.content(*role_items()),
                    value=member["role"],
                    on_change=lambda role: TeamState.change_role(member["membership_id"], role),
                ),
                role_badge(member["role"]),
            )
        ),
        rx.table.cell(member["joined"]),
        rx.table.cell(
            rx.cond(
                member["is_me"],
                rx.button(
                    t("Leave"),
                    variant="soft",
                    color_scheme="gray",
                    size="1",
                    on_click=TeamState.remove(member["membership_id"]),
                ),
                rx.cond(
                    TeamState.can_manage_team,
                    rx.button(
                        t("Remove"),
                        variant="soft",
                        color_scheme="red",
                        size="1",
                        on_click=TeamState.remove(member["membership_id"]),
                    ),
                ),
            )
        ),
        class_name="member-row",
    )


def invitation_row(invitation: InvitationRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(invitation["email"]),
        rx.table.cell(role_badge(invitation["role"])),
        rx.table.cell(invitation["expires"]),
        rx.table.cell(
            rx.button(
                t("Revoke"),
                variant="soft",
                color_scheme="red",
                size="1",
                on_click=TeamState.revoke(invitation["invitation_id"]),
            )
        ),
    )


def invite_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Invite a colleague"), size="4"),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="email",
                        type="email",
                        placeholder=t("colleague@company.com"),
                        required=True,
                        id="invite-email",
                        flex="1",
                    ),
                    rx.select.root(
                        rx.select.trigger(aria_label="Role", id="invite-role"),
                        rx.select.content(*role_items()),
                        name="role",
                        default_value="collector",
                    ),
                    rx.button(t("Send invitation"), type="submit", id="invite-submit"),
                    width="100%",
                ),
                on_submit=TeamState.invite,
                reset_on_submit=True,
                width="100%",
            ),
            form_error(TeamState.invite_error),
            shown_once(
                TeamState.invite_link != "",
                N_("Invitation sent. You can also share this link; it works once, for 7 days:"),
                TeamState.invite_link,
                "invite-link",
                "mail-check",
                "green",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


CONTENT_LOCALE_NAMES = [(code, language_name(code)) for code in CONTENT_LOCALES]

SETTINGS_TABS = [
    (N_("Team"), "/settings"),
    (N_("Organization"), "/settings/organization"),
    (N_("WhatsApp"), "/settings/whatsapp"),
    (N_("API keys"), "/settings/api-keys"),
    (N_("Payments"), "/settings/payments"),
    (N_("Webhooks"), "/settings/webhooks"),
]


def settings_tabs() -> rx.Component:
    path = TeamState.router.url.path
    return rx.hstack(
        *[
            rx.link(
                t(label),
                href=href,
                weight="medium",
                padding="0.4em 0.9em",
                border_radius="6px",
                underline="none",
                background=rx.cond(path.rstrip("/") == href, "var(--teal-3)", "transparent"),
            )
            for label, href in SETTINGS_TABS
        ],
        spacing="2",
        border_bottom="1px solid var(--gray-4)",
        padding_bottom="0.5em",
        width="100%",
    )


def team_page() -> rx.Component:
    return app_page(
        N_("Settings"),
        settings_tabs(),
        rx.cond(TeamState.can_manage_team, invite_form()),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell(t("Member")),
                    rx.table.column_header_cell(t("Role")),
                    rx.table.column_header_cell(t("Joined")),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(TeamState.members, member_row)),
            width="100%",
            variant="surface",
        ),
        rx.cond(
            TeamState.can_manage_team & (TeamState.invitations.length() > 0),
            rx.vstack(
                rx.heading(t("Pending invitations"), size="4"),
                rx.table.root(
                    rx.table.body(rx.foreach(TeamState.invitations, invitation_row)),
                    width="100%",
                    variant="surface",
                ),
                width="100%",
            ),
        ),
    )


def organization_page() -> rx.Component:
    state = OrganizationSettingsState
    return app_page(
        N_("Settings"),
        settings_tabs(),
        rx.card(
            rx.form(
                rx.vstack(
                    field(N_("Company name"), "name", default_value=state.name, required=True),
                    rx.hstack(
                        rx.vstack(
                            rx.text(t("Default language for debtors"), size="2", weight="medium"),
                            rx.select.root(
                                rx.select.trigger(id="default_locale"),
                                rx.select.content(
                                    *[rx.select.item(label, value=code) for code, label in CONTENT_LOCALE_NAMES]
                                ),
                                name="default_locale",
                                default_value=state.default_locale,
                            ),
                            spacing="1",
                            min_width="220px",
                        ),
                        field(N_("Currency (ISO 4217)"), "currency", default_value=state.currency, max_length=3),
                        field(
                            N_("Time zone"), "timezone", default_value=state.timezone, placeholder="America/Sao_Paulo"
                        ),
                        width="100%",
                        spacing="4",
                    ),
                    field(N_("Sender name shown to debtors"), "sender_name", default_value=state.sender_name),
                    field(N_("Contact for debtors (phone or email)"), "contact", default_value=state.contact),
                    field(
                        N_("Payment link for invoices without one"),
                        "payment_link_template",
                        default_value=state.payment_link_template,
                        placeholder="https://pay.example.com/{invoice_number}?amount={amount}",
                    ),
                    field(
                        N_("Languages to fall back to, in order"),
                        "language_fallback",
                        default_value=state.language_fallback,
                        placeholder="pt_BR, en",
                    ),
                    rx.text(
                        t(
                            "When a template has no version in a debtor's language (nor its base language, "
                            "pt for pt_BR), the first of these that it has is sent. Cadence previews show the choice."
                        ),
                        size="1",
                        color="var(--gray-11)",
                    ),
                    form_error(state.error),
                    rx.cond(
                        state.can_manage_settings,
                        rx.button(t("Save"), type="submit", id="settings-save"),
                        rx.text(t("Only owners and admins can change these settings."), color="var(--gray-11)"),
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=state.save,
                reset_on_submit=False,
                key=state.name,
            ),
            width="100%",
        ),
    )


def api_key_row(key: ApiKeyRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(key["name"], weight="medium")),
        rx.table.cell(rx.code(key["prefix"])),
        rx.table.cell(key["scopes"]),
        rx.table.cell(key["created"]),
        rx.table.cell(key["last_used"]),
        rx.table.cell(
            rx.cond(
                key["revoked"],
                rx.badge(t("Revoked"), color_scheme="gray"),
                rx.button(
                    t("Revoke"),
                    variant="soft",
                    color_scheme="red",
                    size="1",
                    on_click=ApiKeysState.revoke(key["key_id"]),
                ),
            )
        ),
    )


def api_keys_page() -> rx.Component:
    return app_page(
        N_("Settings"),
        settings_tabs(),
        rx.cond(
            ApiKeysState.can_manage_settings,
            rx.vstack(
                rx.card(
                    rx.vstack(
                        rx.heading(t("New API key"), size="4"),
                        rx.text(
                            t("Your billing system or CRM uses a key to send invoices and payments to Cobro."),
                            " ",
                            rx.link(t("Read the API reference"), href="/api/v1/docs", is_external=True, id="api-docs"),
                            color="var(--gray-11)",
                            size="2",
                        ),
                        rx.form(
                            rx.hstack(
                                rx.input(
                                    name="name",
                                    placeholder=t("Used by, e.g. ERP"),
                                    required=True,
                                    id="api-key-name",
                                    flex="1",
                                ),
                                rx.checkbox(t("Read"), name="scope_read", default_checked=True),
                                rx.checkbox(t("Write"), name="scope_write"),
                                rx.button(t("Create key"), type="submit", id="api-key-create"),
                                align="center",
                                width="100%",
                            ),
                            on_submit=ApiKeysState.create,
                            reset_on_submit=True,
                            width="100%",
                        ),
                        form_error(ApiKeysState.error),
                        shown_once(
                            ApiKeysState.new_key != "",
                            N_("Copy the key now: it is shown only this once."),
                            ApiKeysState.new_key,
                            "api-key-value",
                            "key-round",
                            "amber",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    width="100%",
                ),
                rx.cond(
                    ApiKeysState.keys.length() > 0,
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(t(h))
                                    for h in (N_("Name"), N_("Key"), N_("Scopes"), N_("Created"), N_("Last used"))
                                ],
                                rx.table.column_header_cell(""),
                            )
                        ),
                        rx.table.body(rx.foreach(ApiKeysState.keys, api_key_row)),
                        width="100%",
                        variant="surface",
                    ),
                    empty_state(
                        "key-round",
                        N_("No API keys yet"),
                        N_("Create one for each system that talks to Cobro, so you can revoke it alone."),
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            rx.text(t("Only owners and admins can manage API keys."), color="var(--gray-11)"),
        ),
    )


OUTCOME_COLORS = {"applied": "green", "duplicate": "gray", "ignored": "amber"}


def payment_event_row(event: PaymentEventRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(event["received"]),
        rx.table.cell(event["provider"]),
        rx.table.cell(rx.code(event["event_type"]), rx.text(event["event_id"], size="1", color="var(--gray-10)")),
        rx.table.cell(
            rx.badge(event["outcome_label"], color_scheme=rx.match(event["outcome"], *OUTCOME_COLORS.items(), "gray"))
        ),
        rx.table.cell(event["reason"]),
    )


def admin_page(allowed: Any, refusal: str, *sections: rx.Component) -> rx.Component:
    """A settings tab only owners and admins use: its sections, or a sentence saying who may."""
    return app_page(
        N_("Settings"),
        settings_tabs(),
        rx.cond(allowed, rx.vstack(*sections, spacing="4", width="100%"), rx.text(t(refusal), color="var(--gray-11)")),
    )


def section(heading: rx.Component, intro: str, *body: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(heading, rx.text(t(intro), color="var(--gray-11)", size="2"), *body, width="100%"),
        width="100%",
    )


def log_table(columns: tuple[str, ...], rows: Any, row: Any, empty: rx.Component) -> rx.Component:
    """What arrived or went out, newest first; the empty state until there is any."""
    return rx.cond(
        rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(label)) for label in columns])),
            rx.table.body(rx.foreach(rows, row)),
            width="100%",
            variant="surface",
        ),
        empty,
    )


def payments_page() -> rx.Component:
    state = PaymentsSettingsState
    stripe_heading = rx.hstack(
        rx.heading("Stripe", size="4"),
        rx.cond(
            state.has_stripe_secret,
            rx.badge(t("Connected"), color_scheme="green"),
            rx.badge(t("Not set"), color_scheme="gray"),
        ),
        align="center",
    )
    return admin_page(
        state.can_manage_settings,
        N_("Only owners and admins can manage payment settings."),
        section(
            rx.heading(t("Payments from your provider"), size="4"),
            N_("When a payment arrives here, its invoice is marked paid and its reminders stop."),
            rx.text(t("Endpoint URL"), size="2", weight="medium"),
            rx.code(state.endpoint_url, id="payments-endpoint", word_break="break-all"),
        ),
        section(
            stripe_heading,
            N_(
                "In Stripe, add this URL as a webhook endpoint for checkout.session.completed, "
                "payment_intent.succeeded and invoice.paid, then paste its signing secret here. "
                "Put the invoice number in client_reference_id or in the metadata as invoice_number."
            ),
            rx.form(
                rx.hstack(
                    rx.box(secret_field(N_("Signing secret"), "stripe_secret", state.has_stripe_secret), flex="1"),
                    rx.button(t("Save"), type="submit", id="stripe-secret-save"),
                    align="end",
                    width="100%",
                ),
                on_submit=state.save_stripe_secret,
                reset_on_submit=True,
                width="100%",
            ),
            form_error(state.error),
        ),
        section(
            rx.heading(t("Other providers and banks"), size="4"),
            N_(
                "Post a payment.succeeded event signed with this secret in a Cobro-Signature header, "
                "as the API reference shows. A new secret replaces the old one at once."
            ),
            rx.button(
                rx.cond(state.has_signing_secret, t("Replace the signing secret"), t("Make a signing secret")),
                on_click=state.new_signing_secret,
                variant="soft",
                id="signing-secret-new",
            ),
            shown_once(
                state.new_secret != "",
                N_("Copy this secret now: it will not be shown again."),
                state.new_secret,
                "signing-secret",
                "key-round",
                "amber",
            ),
        ),
        rx.heading(t("Recent payment events"), size="4"),
        log_table(
            (N_("Received"), N_("From"), N_("Event"), N_("Outcome"), N_("Why")),
            state.events,
            payment_event_row,
            empty_state(
                "credit-card",
                N_("No payment events yet"),
                N_("Events your provider sends will be listed here, with what Cobro did with each."),
            ),
        ),
    )


EVENT_LABELS = [
    ("message.status_changed", N_("A message was sent, delivered, read or failed")),
    ("reply.received", N_("A debtor replied")),
    ("invoice.paid", N_("An invoice was paid in full")),
    ("debtor.opted_out", N_("A debtor opted out")),
]
DELIVERY_COLORS = {"delivered": "green", "pending": "amber", "failed": "red"}


def subscription_row(row: SubscriptionRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row["url"], word_break="break-all")),
        rx.table.cell(row["events"]),
        rx.table.cell(
            rx.button(
                t("Remove"),
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=WebhooksState.remove(row["subscription_id"]),
            )
        ),
    )


def delivery_row(row: DeliveryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["created"]),
        rx.table.cell(rx.code(row["event_type"])),
        rx.table.cell(
            rx.badge(row["status_label"], color_scheme=rx.match(row["status"], *DELIVERY_COLORS.items(), "gray"))
        ),
        rx.table.cell(row["attempts"]),
        rx.table.cell(row["answer"]),
    )


def webhooks_page() -> rx.Component:
    state = WebhooksState
    return admin_page(
        state.can_manage_settings,
        N_("Only owners and admins can manage webhooks."),
        section(
            rx.heading(t("Send events to your systems"), size="4"),
            N_(
                "Cobro posts each event as JSON, signed in a Cobro-Signature header with the secret "
                "shown when you add the URL, and retries for a day and a half if your server fails."
            ),
            rx.form(
                rx.vstack(
                    field(N_("URL"), "url", placeholder="https://erp.example.com/cobro-events"),
                    *[
                        rx.checkbox(t(label), name=f"event_{event}", default_checked=True)
                        for event, label in EVENT_LABELS
                    ],
                    rx.button(t("Add URL"), type="submit", id="webhook-add"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=state.subscribe,
                reset_on_submit=True,
                width="100%",
            ),
            form_error(state.error),
            shown_once(
                state.new_secret != "",
                N_("Copy this secret now: it will not be shown again."),
                state.new_secret,
                "webhook-secret",
                "key-round",
                "amber",
            ),
        ),
        rx.cond(
            state.subscriptions.length() > 0,
            rx.table.root(
                rx.table.body(rx.foreach(state.subscriptions, subscription_row)), width="100%", variant="surface"
            ),
        ),
        rx.heading(t("Deliveries"), size="4"),
        log_table(
            (N_("Created"), N_("Event"), N_("Status"), N_("Attempts"), N_("Answer")),
            state.deliveries,
            delivery_row,
            empty_state(
                "webhook",
                N_("Nothing sent yet"),
                N_("Each event posted to your URLs will be listed here, with your server's answer."),
            ),
        ),
    )


MESSAGING_LIMITS = [("250", "250"), ("2000", "2,000"), ("10000", "10,000"), ("100000", "100,000"), ("0", "∞")]
STATUS_COLORS = {"APPROVED": "green", "PENDING": "amber", "REJECTED": "red", "PAUSED": "orange", "DISABLED": "red"}


def secret_field(label: str, name: str, is_set: Any) -> rx.Component:
    """Secrets are never sent back to the browser: the field says whether one is saved."""
    return field(
        label,
        name,
        type_="password",
        autocomplete="off",
        placeholder=rx.cond(is_set, t("Saved. Leave blank to keep it."), t("Not set")),
    )


def whatsapp_form() -> rx.Component:
    state = WhatsAppSettingsState
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("Your WhatsApp Business number"), size="4"),
                rx.hstack(
                    field(N_("Phone number ID"), "phone_number_id", default_value=state.phone_number_id, required=True),
                    field(N_("WhatsApp Business Account ID"), "waba_id", default_value=state.waba_id),
                    field(N_("Number shown to debtors"), "display_number", default_value=state.display_number),
                    width="100%",
                    spacing="4",
                ),
                rx.hstack(
                    secret_field(N_("Access token"), "access_token", state.has_access_token),
                    secret_field(N_("App secret (checks Meta's webhooks)"), "app_secret", state.has_app_secret),
                    width="100%",
                    spacing="4",
                ),
                rx.hstack(
                    field(N_("API address"), "api_base_url", default_value=state.api_base_url),
                    field(N_("API version"), "api_version", default_value=state.api_version),
                    field(N_("Messages per second"), "throughput", type_="number", default_value=state.throughput),
                    rx.vstack(
                        rx.text(t("People reached per day"), size="2", weight="medium"),
                        rx.select.root(
                            rx.select.trigger(id="messaging_limit"),
                            rx.select.content(*[rx.select.item(label, value=v) for v, label in MESSAGING_LIMITS]),
                            name="messaging_limit",
                            default_value=state.messaging_limit,
                        ),
                        spacing="1",
                        min_width="160px",
                    ),
                    width="100%",
                    spacing="4",
                ),
                form_error(state.error),
                rx.cond(
                    state.can_manage_settings,
                    rx.button(t("Save"), type="submit", id="whatsapp-save"),
                    rx.text(t("Only owners and admins can change these settings."), color="var(--gray-11)"),
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=state.save,
            reset_on_submit=False,
            key=state.form_version,
        ),
        width="100%",
    )


def webhook_card() -> rx.Component:
    state = WhatsAppSettingsState
    return rx.card(
        rx.vstack(
            rx.heading(t("Webhook for Meta"), size="4"),
            rx.text(
                t("In your Meta app, subscribe to 'messages' with this callback URL and verify token."),
                color="var(--gray-11)",
                size="2",
            ),
            rx.hstack(rx.text(t("Callback URL"), weight="medium", min_width="9em"), rx.code(state.webhook_url)),
            rx.hstack(
                rx.text(t("Verify token"), weight="medium", min_width="9em"),
                rx.code(state.verify_token, id="verify-token"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def language_status(item: LanguageStatus) -> rx.Component:
    return rx.badge(
        item["language"] + " · " + item["status"],
        color_scheme=rx.match(item["status"], *STATUS_COLORS.items(), "gray"),
        variant="soft",
    )


def template_row(row: RemoteTemplateRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row["name"])),
        rx.table.cell(rx.flex(rx.foreach(row["languages"], language_status), gap="1", wrap="wrap")),
        rx.table.cell(rx.cond(row["ours"], rx.badge(t("Cobro"), variant="soft"), "")),
    )


def connection_card() -> rx.Component:
    state = WhatsAppSettingsState
    return rx.card(
        rx.vstack(
            rx.heading(t("Connection and templates"), size="4"),
            rx.hstack(
                rx.button(
                    rx.icon("plug-zap", size=16),
                    t("Test connection"),
                    on_click=state.test_connection,
                    loading=state.busy,
                    id="whatsapp-test",
                ),
                rx.button(
                    rx.icon("refresh-cw", size=16),
                    t("List templates on Meta"),
                    on_click=state.sync_templates,
                    loading=state.busy,
                    variant="soft",
                    id="whatsapp-sync",
                ),
                rx.button(
                    rx.icon("send", size=16),
                    t("Submit drafts for approval"),
                    on_click=state.submit_templates,
                    loading=state.busy,
                    variant="soft",
                    id="whatsapp-submit",
                ),
                spacing="3",
                wrap="wrap",
            ),
            rx.cond(
                state.check_text != "",
                rx.callout(
                    state.check_text,
                    icon=rx.cond(state.check_ok, "circle-check", "triangle-alert"),
                    color_scheme=rx.cond(state.check_ok, "green", "red"),
                    id="whatsapp-check",
                    width="100%",
                ),
            ),
            rx.cond(state.templates_text != "", rx.callout(state.templates_text, icon="info", width="100%")),
            rx.cond(
                state.templates.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(t(h))
                                for h in (N_("Template"), N_("Status on Meta, by language"), N_("Made in"))
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(state.templates, template_row)),
                    width="100%",
                    variant="surface",
                    id="whatsapp-templates",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def whatsapp_page() -> rx.Component:
    state = WhatsAppSettingsState
    return app_page(
        N_("Settings"),
        settings_tabs(),
        rx.cond(
            state.paused_reason != "",
            rx.callout(
                rx.vstack(
                    rx.text(t("Sending is paused: WhatsApp refused this account."), weight="bold"),
                    rx.text(state.paused_reason),
                    rx.text(t("Save a new access token below to resume; nothing has been lost.")),
                    spacing="1",
                ),
                icon="octagon-pause",
                color_scheme="red",
                role="alert",
                id="whatsapp-paused",
                width="100%",
            ),
        ),
        rx.cond(
            state.sandbox,
            rx.callout(
                t(
                    "You are on the sandbox: messages go to Cobro's simulator, which answers like WhatsApp "
                    "but reaches no phone. Enter your own number's details to send for real."
                ),
                icon="flask-conical",
                color_scheme="blue",
                id="whatsapp-sandbox",
                width="100%",
            ),
        ),
        rx.cond(
            state.connected | state.can_manage_settings,
            rx.vstack(
                whatsapp_form(),
                rx.cond(state.connected, webhook_card()),
                rx.cond(state.connected & state.can_manage_settings, connection_card()),
                spacing="4",
                width="100%",
            ),
            empty_state(
                "message-circle",
                N_("WhatsApp is not connected"),
                N_("An owner or admin connects the organization's WhatsApp Business number here."),
            ),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(team_page, route="/settings", title="Settings · Cobro", on_load=TeamState.load)
    app.add_page(
        organization_page,
        route="/settings/organization",
        title="Organization · Cobro",
        on_load=OrganizationSettingsState.load,
    )
    app.add_page(
        whatsapp_page, route="/settings/whatsapp", title="WhatsApp · Cobro", on_load=WhatsAppSettingsState.load
    )
    app.add_page(api_keys_page, route="/settings/api-keys", title="API keys · Cobro", on_load=ApiKeysState.load)
    app.add_page(
        payments_page, route="/settings/payments", title="Payments · Cobro", on_load=PaymentsSettingsState.load
    )
    app.add_page(webhooks_page, route="/settings/webhooks", title="Webhooks · Cobro", on_load=WebhooksState.load)
