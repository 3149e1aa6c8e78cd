"""Settings → Team: members and their roles, invitations."""

import reflex as rx

from saas_app import routes
from saas_app.components.badges import ROLE_LABELS, role_badge
from saas_app.components.forms import form_error, shown_once
from saas_app.components.layout import section_card
from saas_app.components.table import Column, data_table, table_row
from saas_app.i18n import N_
from saas_app.pages.settings.frame import settings_page
from saas_app.state.base import t
from saas_app.state.settings.team import InvitationRow, MemberRow, TeamState

MEMBER_COLUMNS = [Column(N_("Member")), Column(N_("Role")), Column(N_("Joined")), Column("")]
INVITATION_COLUMNS = [Column(N_("Email")), Column(N_("Role")), Column(N_("Expires")), Column("")]


def role_items() -> list[rx.Component]:
    """The roles to choose from, in the reader's language."""
    return [rx.select.item(t(label), value=role) for role, label in ROLE_LABELS]


def _row_button(label: str, color: str, on_click: object) -> rx.Component:
    return rx.button(t(label), variant="soft", color_scheme=color, size="1", on_click=on_click)


def member_row(member: MemberRow) -> rx.Component:
    """A member: name and email, role (a picker for those who manage the team), joined, and Leave or Remove."""
    return table_row(
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
                _row_button(N_("Leave"), "gray", TeamState.remove(member["membership_id"])),
                rx.cond(
                    TeamState.can_manage_team,
                    _row_button(N_("Remove"), "red", TeamState.remove(member["membership_id"])),
                ),
            )
        ),
        class_name="member-row",
    )


def invitation_row(invitation: InvitationRow) -> rx.Component:
    """A pending invitation: email, role, expiry, and Revoke."""
    return table_row(
        rx.table.cell(invitation["email"]),
        rx.table.cell(role_badge(invitation["role"])),
        rx.table.cell(invitation["expires"]),
        rx.table.cell(_row_button(N_("Revoke"), "red", TeamState.revoke(invitation["invitation_id"]))),
    )


def invite_form() -> rx.Component:
    """Invite by email with a role; then the link to share, which works once for 7 days."""
    return section_card(
        N_("Invite a colleague"),
        None,
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
        form_error(TeamState.error),
        shown_once(
            TeamState.invite_link != "",
            N_("Invitation sent. You can also share this link; it works once, for 7 days:"),
            TeamState.invite_link,
            "invite-link",
            "mail-check",
            "green",
        ),
    )


def team_page() -> rx.Component:
    """The members, and for those who manage the team the invitation form and pending invitations."""
    return settings_page(
        rx.cond(TeamState.can_manage_team, invite_form()),
        data_table(MEMBER_COLUMNS, TeamState.members, member_row),
        rx.cond(
            TeamState.can_manage_team & (TeamState.invitations.length() > 0),
            rx.vstack(
                rx.heading(t("Pending invitations"), size="4"),
                data_table(INVITATION_COLUMNS, TeamState.invitations, invitation_row),
                width="100%",
            ),
        ),
    )


def register(app: rx.App) -> None:
    """Adds the team tab, the one /settings itself opens."""
    app.add_page(team_page, route=routes.SETTINGS, title="Settings · Cobro", on_load=TeamState.load)
