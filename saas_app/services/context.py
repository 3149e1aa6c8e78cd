"""The one way into tenant data: who is acting, in which organization, with which role."""

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, select

from saas_app.core.roles import Action, can
from saas_app.i18n import N_
from saas_app.services.errors import NotFound, PermissionDenied

Row = TypeVar("Row")


@dataclass(frozen=True)
class OrgContext:
    user_id: int | None  # None when an operator acts from the command line
    org_id: int
    role: str
    ip: str = ""
    api_key_id: int | None = None  # set when another system acts through an API key

    def require(self, action: Action) -> None:
        """Refuses, with PermissionDenied, an action the acting role may not take."""
        if not can(self.role, action):
            raise PermissionDenied(N_("Your role does not allow this."))


def owned_row(session: Session, model: type[Row], ctx: OrgContext, row_id: int, missing: str) -> Row:
    """The row with this id in the acting organization; another tenant's row is as missing as none."""
    table: Any = model
    row = session.exec(select(table).where(table.id == row_id, table.org_id == ctx.org_id)).first()
    if row is None:
        raise NotFound(missing)
    return row
