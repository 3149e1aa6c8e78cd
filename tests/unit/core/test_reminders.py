"""The one stop-and-consent rule the planner and the worker both ask before a message goes."""

import pytest

from saas_app.core.invoices import STOPPING, Status
from saas_app.core.messages import MessageKind, MessageStatus
from saas_app.core.reminders import EXPLANATION, StopReason, held_status, reason_not_to_send


def test_a_reminder_goes_on_an_open_invoice_to_a_debtor_who_opted_in() -> None:
    for status in (Status.OPEN, Status.PARTIALLY_PAID, Status.PROMISED):
        assert reason_not_to_send(invoice_status=status, opted_in=True, opted_out=False) is None


@pytest.mark.parametrize("status", sorted(STOPPING))
def test_a_paid_disputed_or_written_off_invoice_stops_its_reminders(status: Status) -> None:
    reason = reason_not_to_send(invoice_status=status, opted_in=True, opted_out=False)
    assert reason == StopReason(status.value)
    assert held_status(reason) == MessageStatus.CANCELLED


def test_an_opt_out_comes_before_everything_else() -> None:
    for status in (Status.OPEN, Status.PAID):
        for opted_in in (True, False):
            reason = reason_not_to_send(invoice_status=status, opted_in=opted_in, opted_out=True)
            assert reason == StopReason.OPTED_OUT


def test_without_consent_a_reminder_is_skipped() -> None:
    reason = reason_not_to_send(invoice_status=Status.OPEN, opted_in=False, opted_out=False)
    assert reason == StopReason.NO_CONSENT
    assert held_status(reason) == MessageStatus.SKIPPED
    assert EXPLANATION[reason] == "no opt-in recorded for this debtor"


def test_a_stopped_invoice_is_named_before_a_missing_consent() -> None:
    reason = reason_not_to_send(invoice_status=Status.PAID, opted_in=False, opted_out=False)
    assert reason == StopReason.PAID


@pytest.mark.parametrize("kind", [MessageKind.REPLY, MessageKind.DOCUMENT])
def test_a_persons_reply_or_document_needs_no_opt_in_nor_open_invoice_but_respects_an_opt_out(kind: str) -> None:
    assert reason_not_to_send(invoice_status=Status.PAID, opted_in=False, opted_out=False, kind=kind) is None
    assert reason_not_to_send(invoice_status=None, opted_in=False, opted_out=True, kind=kind) == StopReason.OPTED_OUT


def test_the_opt_out_confirmation_still_reaches_the_debtor_who_opted_out() -> None:
    kind = MessageKind.OPT_OUT_CONFIRMATION
    assert reason_not_to_send(invoice_status=None, opted_in=False, opted_out=True, kind=kind) is None


def test_every_reason_is_explained() -> None:
    assert set(EXPLANATION) == set(StopReason)
