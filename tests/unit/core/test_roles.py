from saas_app.core.roles import Action, Role, can, can_assign


def test_viewer_only_reads() -> None:
    assert can("viewer", Action.VIEW)
    assert not any(can("viewer", action) for action in Action if action != Action.VIEW)


def test_collector_works_on_collections_but_not_settings_or_team() -> None:
    assert can("collector", Action.COLLECT)
    assert not can("collector", Action.MANAGE_SETTINGS)
    assert not can("collector", Action.MANAGE_TEAM)


def test_admin_manages_settings_and_team_but_not_billing_or_deletion() -> None:
    assert can("admin", Action.MANAGE_SETTINGS)
    assert can("admin", Action.MANAGE_TEAM)
    assert not can("admin", Action.MANAGE_BILLING)
    assert not can("admin", Action.DELETE_ORGANIZATION)


def test_owner_may_do_everything() -> None:
    assert all(can("owner", action) for action in Action)


def test_unknown_role_may_do_nothing() -> None:
    assert not can("superuser", Action.VIEW)
    assert not can_assign("superuser", "viewer")


def test_only_owners_hand_out_ownership() -> None:
    assert can_assign("owner", Role.OWNER)
    assert not can_assign("admin", Role.OWNER)
    assert can_assign("admin", Role.COLLECTOR)
    assert not can_assign("collector", Role.VIEWER)
