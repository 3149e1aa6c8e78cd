"""Moved to saas_app.worker.planner. Kept only for the UI side's tests (tests/browser,
tests/integration/test_workspace_state.py) until they import from there; delete it then."""

from saas_app.worker.planner import plan_all

__all__ = ["plan_all"]
