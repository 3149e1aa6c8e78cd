"""Team settings: members, roles, invitations."""

from typing import Any, TypedDict

import reflex as rx
from babel.dates import format_date

from saas_app import routes
from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.services import team
from saas_app.state.base import SessionState, guarded, parse_id


class MemberRow(TypedDict):
    membership_id: str
    name: str
    email: str
    role: str
    joined: str
    is_me: bool


class InvitationRow(TypedDict):
    invitation_id: str
    email: str
    role: str
    expires: str


class TeamState(SessionState):
    members: list[MemberRow] = []
    invitations: list[InvitationRow] = []
    invite_link: str = ""
    error: str = ""

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            members = team.list_members(session, context)
            pending = team.list_invitations(session, context) if self.can_manage_team else []
        self.members = [
            MemberRow(
                membership_id=str(m.membership_id),
                name=m.name,
                email=m.email,
                role=m.role,
                joined=format_date(m.joined_at, format="medium", locale=self.locale),
                is_me=m.user_id == context.user_id,
            )
            for m in members
        ]
        self.invitations = [
            InvitationRow(
                invitation_id=str(i.invitation_id),
                email=i.email,
                role=i.role,
                expires=format_date(i.expires_at, format="medium", locale=self.locale),
            )
            for i in pending
        ]

    @rx.event
    def load(self) -> Any:
        """Opening the team page: members and pending invitations, or the refusal."""
        self.invite_link = ""
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    @rx.event
    @guarded
    def invite(self, form: dict[str, Any]) -> Any:
        """The form's Send invitation: mails the invitation and shows the link to share as well."""
        self.invite_link = ""
        email, role = str(form.get("email", "")), str(form.get("role", "collector"))
        return self._write(
            Action.MANAGE_TEAM,
            lambda session, context: team.invite(session, context, email=email, role=role),
            then=self._show_link,
        )

    def _show_link(self, link: str) -> None:
        self.invite_link = link

    @rx.event
    @guarded
    def revoke(self, invitation_id: str) -> Any:
        """An invitation's Revoke: its link stops working; a refusal comes as a toast."""
        chosen = parse_id(invitation_id)
        return self._write(
            Action.MANAGE_TEAM,
            lambda session, context: team.revoke_invitation(session, context, chosen),
            inline=False,
        )

    @rx.event
    @guarded
    def change_role(self, membership_id: str, role: str) -> Any:
        """A member's role picker: stores the new role, or answers with a toast why not."""
        chosen = parse_id(membership_id)
        return self._write(
            Action.MANAGE_TEAM,
            lambda session, context: team.change_role(session, context, chosen, role),
            inline=False,
        )

    @rx.event
    @guarded
    def remove(self, membership_id: str) -> Any:
        """Remove, or Leave for oneself: the membership ends; one who leaves goes to the dashboard."""
        chosen = parse_id(membership_id)
        leaving = any(m["membership_id"] == membership_id and m["is_me"] for m in self.members)
        if leaving:  # the page is no longer theirs to read again
            with session_scope() as session:
                team.remove_member(session, self._context(Action.VIEW), chosen)
            return rx.redirect(routes.DASHBOARD)
        return self._write(
            Action.VIEW, lambda session, context: team.remove_member(session, context, chosen), inline=False
        )
