"""Who may do what inside an organization."""

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    COLLECTOR = "collector"
    VIEWER = "viewer"


class Action(StrEnum):
    VIEW = "view"
    COLLECT = "collect"  # debtors, invoices, templates, cadences, campaigns, inbox
    MANAGE_SETTINGS = "manage_settings"  # organization settings and integrations
    MANAGE_TEAM = "manage_team"
    MANAGE_BILLING = "manage_billing"
    DELETE_ORGANIZATION = "delete_organization"


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.COLLECTOR: frozenset({Action.VIEW, Action.COLLECT}),
    Role.ADMIN: frozenset({Action.VIEW, Action.COLLECT, Action.MANAGE_SETTINGS, Action.MANAGE_TEAM}),
    Role.OWNER: frozenset(Action),
}

# Only an owner can create or promote another owner.
ASSIGNABLE_BY: dict[Role, frozenset[Role]] = {
    Role.OWNER: frozenset(Role),
    Role.ADMIN: frozenset({Role.ADMIN, Role.COLLECTOR, Role.VIEWER}),
    Role.COLLECTOR: frozenset(),
    Role.VIEWER: frozenset(),
}


def can(role: str, action: Action) -> bool:
    """Whether the role may take the action; an unknown role may do nothing."""
    try:
        return action in ALLOWED[Role(role)]
    except ValueError:
        return False


def can_assign(actor_role: str, target_role: str) -> bool:
    """Whether `actor_role` may give `target_role` to someone (or change someone who has it)."""
    try:
        return Role(target_role) in ASSIGNABLE_BY[Role(actor_role)]
    except ValueError:
        return False
