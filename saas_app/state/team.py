"""Team settings: members, roles, invitations."""

from typing import Any, TypedDict

import reflex as rx
from babel.dates import format_date

from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.services import team
from saas_app.services.errors import ServiceError
from saas_app.state.base import NotSignedIn, SessionState, guarded


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
    invite_error: str = ""

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
        redirect = self.require_member()
        if redirect is not None:
            return redirect
        self.invite_link = self.invite_error = ""
        try:
            self._refresh()
        except NotSignedIn:
            return rx.redirect("/login?next=/settings")
        return None

    @rx.event
    @guarded
    def invite(self, form: dict[str, Any]) -> Any:
        self.invite_link = self.invite_error = ""
        context = self._context(Action.MANAGE_TEAM)
        try:
            with session_scope() as session:
                self.invite_link = team.invite(
                    session, context, email=str(form.get("email", "")), role=str(form.get("role", "collector"))
                )
        except ServiceError as error:
            self.invite_error = self._translate(error)
            return None
        self._refresh()
        return None

    @rx.event
    @guarded
    def revoke(self, invitation_id: str) -> None:
        context = self._context(Action.MANAGE_TEAM)
        with session_scope() as session:
            team.revoke_invitation(session, context, int(invitation_id))
        self._refresh()

    @rx.event
    @guarded
    def change_role(self, membership_id: str, role: str) -> None:
        context = self._context(Action.MANAGE_TEAM)
        with session_scope() as session:
            team.change_role(session, context, int(membership_id), role)
        self._refresh()

    @rx.event
    @guarded
    def remove(self, membership_id: str) -> Any:
        context = self._context(Action.VIEW)
        leaving = any(m["membership_id"] == membership_id and m["is_me"] for m in self.members)
        with session_scope() as session:
            team.remove_member(session, context, int(membership_id))
        if leaving:
            return rx.redirect("/dashboard")
        self._refresh()
        return None
