"""Moved to saas_app.worker.outbox. Kept only for the UI side's tests (tests/browser) until they
import from there; delete it then."""

from saas_app.worker.outbox import pause_account

__all__ = ["pause_account"]
