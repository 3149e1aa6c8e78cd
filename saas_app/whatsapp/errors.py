"""What to do about a Cloud API error, decided by Meta's error code (never by the HTTP status alone)."""

from dataclasses import dataclass
from enum import StrEnum

from saas_app.core.schedule import PAIR_SPACING
from saas_app.i18n import N_


class Action(StrEnum):
    RETRY = "retry"  # back off and try again; a timeout may have sent it: match a webhook first
    RETRY_RECIPIENT = "retry_recipient"  # the pair rate: back off for this person, not the queue
    FAIL = "fail"  # this message cannot go: record why, keep sending the others
    PAUSE_ACCOUNT = "pause_account"  # the organization's sending stops until an admin acts
    PAUSE_TEMPLATE = "pause_template"  # this template is paused or disabled by Meta


RETRY_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 133004, 131057})
FAIL_CODES = frozenset({100, 131008, 131009, 131026, 131047, 131051, 132000, 132001, 132005, 132007, 132012, 130403})
PAUSE_ACCOUNT_CODES = frozenset({0, 3, 10, 190, 131031, 131042, 131045, 131048, 131064, 133010, 368, 130497})
PAUSE_TEMPLATE_CODES = frozenset({132015, 132016})
# What a template-pause code says about the template, as our TemplateVariant.status.
TEMPLATE_STATUS_OF = {132015: "paused", 132016: "disabled"}

# A message not delivered within its template's time-to-live comes back as a `failed` status with
# this code. The Cloud API error reference we found does not list it: it is the code WhatsApp's
# On-Premises API documents ("Message expired: failed to send during its Time To Live") and BSPs
# such as Sinch report for expired templates.
TTL_EXPIRED_CODE = 410

# Meta documents no error for going over the messaging limit (unique people reached outside service
# windows per moving 24 h). 131048 is the closest code it documents: "restrictions on how many
# messages can be sent from this phone number". The simulator refuses with it. Acting on it as we do
# (stop the organization's sending, tell an admin) is the safe side: the planner paces to the limit,
# so reaching it means Meta counts differently from us (a lowered tier, another app on the portfolio).
MESSAGING_LIMIT_CODE = 131048

# Shown to people (in their language, through the catalogs) and stored as the reason.
READABLE = {
    131026: N_("the number is not on WhatsApp or cannot receive messages"),
    131047: N_("more than 24 hours since the debtor's last reply: only a template can be sent"),
    131051: N_("this message type is not supported"),
    132000: N_("the template's parameters do not match its placeholders"),
    132001: N_("the template does not exist in this language or is not approved"),
    130429: N_("the number's throughput limit was reached"),
    131056: N_("too many messages to this person in a short time"),
    190: N_("the access token has expired or was revoked"),
    131042: N_("a payment problem on the WhatsApp Business account"),
    131048: N_("the number is restricted for sending spam-like messages"),
    368: N_("the account is temporarily blocked for policy violations"),
    132015: N_("Meta paused this template for low quality"),
    132016: N_("Meta disabled this template for low quality"),
}


@dataclass(frozen=True)
class Verdict:
    action: Action
    code: int
    reason: str


def judge(code: int | None, http_status: int, message: str = "") -> Verdict:
    """The action for an error answer; a missing code falls back on the HTTP status (5xx, 429: retry)."""
    if code is None:
        transient = http_status >= 500 or http_status == 429 or http_status == 0
        return Verdict(Action.RETRY if transient else Action.FAIL, 0, message or f"HTTP {http_status}")
    reason = READABLE.get(code, message or f"error {code}")
    if code == 131056:
        return Verdict(Action.RETRY_RECIPIENT, code, reason)
    if code in PAUSE_TEMPLATE_CODES:
        return Verdict(Action.PAUSE_TEMPLATE, code, reason)
    if code in PAUSE_ACCOUNT_CODES or 200 <= code <= 299:
        return Verdict(Action.PAUSE_ACCOUNT, code, reason)
    if code in RETRY_CODES or http_status >= 500:
        return Verdict(Action.RETRY, code, reason)
    return Verdict(Action.FAIL, code, reason)


def backoff_seconds(attempt: int, action: Action, jitter: float) -> float:
    """Exponential with jitter (0..1): 1, 2, 4 ... s capped at 5 min; the pair rate waits 4^n s.

    The pair rate is never retried sooner than its spacing: before then Meta refuses it again for sure.
    """
    if action == Action.RETRY_RECIPIENT:
        return max(PAIR_SPACING.total_seconds(), min(300.0, 4.0**attempt) * (0.5 + jitter / 2))
    return min(300.0, 2.0**attempt) * (0.5 + jitter / 2)
