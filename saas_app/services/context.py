"""The one way into tenant data: who is acting, in which organization, with which role."""

from dataclasses import dataclass

from saas_app.core.roles import Action, can
from saas_app.i18n import N_
from saas_app.services.errors import PermissionDenied


@dataclass(frozen=True)
class OrgContext:
    user_id: int | None  # None when an operator acts from the command line
    org_id: int
    role: str
    ip: str = ""

    def require(self, action: Action) -> None:
        if not can(self.role, action):
            raise PermissionDenied(N_("Your role does not allow this."))
