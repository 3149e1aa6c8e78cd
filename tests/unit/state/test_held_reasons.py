"""Why a campaign's message was held back or cancelled reads in the team's language, however it was stored."""

from saas_app.core.messages import RESENT
from saas_app.core.reminders import EXPLANATION, StopReason
from saas_app.state.campaigns import error_text


def test_every_stop_reason_reads_in_the_readers_language_as_a_code_or_as_its_explanation() -> None:
    for reason in StopReason:
        english = error_text("", reason.value, "en")
        assert english == EXPLANATION[reason]  # the code a cancellation stores reads as its explanation
        assert error_text("", EXPLANATION[reason], "en") == english
        assert error_text("", reason.value, "pt") not in (reason.value, english)
    assert error_text("", "opted_out", "it") == "il debitore ha revocato il consenso"
    assert error_text("", RESENT, "fr") != RESENT
    assert error_text("131026", "", "en").startswith("the number")  # Meta's codes still read as before
    assert error_text("", "something WhatsApp said", "es") == "something WhatsApp said"
