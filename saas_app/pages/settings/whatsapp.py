"""Settings → WhatsApp: the Business number, the webhook for Meta, a connection test, templates on Meta."""

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import status_badge
from saas_app.components.forms import field, form_error, save_bar, secret_field
from saas_app.components.layout import empty_state
from saas_app.i18n import N_
from saas_app.pages.settings.frame import settings_page
from saas_app.state.base import t
from saas_app.state.settings.whatsapp import LanguageStatus, RemoteTemplateRow, WhatsAppSettingsState


def whatsapp_form() -> rx.Component:
    """The WhatsApp number's details and limits; secrets only say whether they are set, and only admins save."""
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
                            rx.select.content(
                                rx.foreach(state.limit_options, lambda o: rx.select.item(o["label"], value=o["value"]))
                            ),
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
                save_bar(
                    state.can_manage_settings,
                    N_("Only owners and admins can change these settings."),
                    rx.button(t("Save"), type="submit", id="whatsapp-save"),
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
    """The callback URL and verify token to enter in the Meta app."""
    state = WhatsAppSettingsState
    return rx.card(
        rx.vstack(
            rx.heading(t("Webhook for Meta"), size="4"),
            rx.text(
                t("In your Meta app, subscribe to 'messages' with this callback URL and verify token."),
                color=styles.MUTED,
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
    """A template's status on Meta in one language, coloured by that status."""
    return status_badge(item["status"], item["language"] + " · " + item["status"])


def template_row(row: RemoteTemplateRow) -> rx.Component:
    """A template on Meta: its name, its status per language, and whether Cobro made it."""
    return rx.table.row(
        rx.table.cell(rx.code(row["name"])),
        rx.table.cell(rx.flex(rx.foreach(row["languages"], language_status), gap="1", wrap="wrap")),
        rx.table.cell(rx.cond(row["ours"], rx.badge(t("Cobro"), variant="soft"), "")),
    )


def connection_card() -> rx.Component:
    """Test the connection, list Meta's templates, submit drafts; with what Meta answered and the templates."""
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
    """The WhatsApp settings: a paused or sandbox notice, the number's form, the webhook and the checks."""
    state = WhatsAppSettingsState
    return settings_page(
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
                rx.cond(state.connected & state.can_manage_settings, webhook_card()),
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
    """Adds the WhatsApp tab of the settings."""
    app.add_page(
        whatsapp_page, route=routes.SETTINGS_WHATSAPP, title="WhatsApp · Cobro", on_load=WhatsAppSettingsState.load
    )
