"""Cobro's tests: they mirror saas_app/ (unit, integration) and drive the running app (browser)."""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"  # sample spreadsheets, good and bad
