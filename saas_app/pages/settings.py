"""Settings: the organization, its team and invitations, API keys."""

import reflex as rx

from saas_app.components.layout import ROLE_LABELS, app_page, empty_state, field, form_error, role_badge, shown_once
from saas_app.i18n import N_, language_name
from saas_app.services.organizations import CONTENT_LOCALES
from saas_app.state.base import t
from saas_app.state.settings import ApiKeyRow, ApiKeysState, OrganizationSettingsState
from saas_app.state.team import InvitationRow, MemberRow, TeamState


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
    (N_("API keys"), "/settings/api-keys"),
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


def register(app: rx.App) -> None:
    app.add_page(team_page, route="/settings", title="Settings · Cobro", on_load=TeamState.load)
    app.add_page(
        organization_page,
        route="/settings/organization",
        title="Organization · Cobro",
        on_load=OrganizationSettingsState.load,
    )
    app.add_page(api_keys_page, route="/settings/api-keys", title="API keys · Cobro", on_load=ApiKeysState.load)
