"""How failed sign-ins and password-reset requests slow a guesser down without locking the owner out.

The scheme follows OWASP's Authentication Cheat Sheet:

- Failures are counted per (account, address) pair. After a few, that pair waits before its next
  try, and the wait doubles with each further failure, up to a ceiling.
- Many failures from one address, across accounts, slow that address the same way; but not for
  an account that has signed in from that address before, so the owner behind a shared office
  address keeps working while someone there guesses other accounts.
- Many failures on one account, from any addresses, slow every try on that account (a botnet with
  many addresses gets no more guesses than one) and mail the owner a one-time unlock link, which
  signs them in with their password whatever the waits: the owner is never locked out.

A wait runs from the latest failure it counts. A refused try is not a failure (no password was
checked), so hammering during a wait does not make it longer.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)  # how long a failure counts
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=15)
FREE_FAILURES_PER_PAIR = 3  # the owner's own typos cost nothing
FREE_FAILURES_PER_ADDRESS = 30  # an office behind one address makes typos too
FREE_FAILURES_PER_ACCOUNT = 10  # past this, the account is under attack: its owner gets an unlock link
# Beyond this many doublings the ceiling is reached anyway; it keeps 2**n small.
_MAX_DOUBLINGS = 20

# An unlock link is mailed at most this often, so failures on an account cannot flood its inbox.
UNLOCK_MAIL_INTERVAL = timedelta(minutes=15)

RESET_WINDOW = timedelta(hours=1)
RESETS_PER_ACCOUNT = 3
RESETS_PER_ADDRESS = 10


@dataclass(frozen=True)
class ThrottleDecision:
    """Whether a sign-in may check its password now; if not, how long to wait and why."""

    allowed: bool
    retry_after: timedelta = timedelta(0)
    # Refused because of the account's own failures from everywhere: its owner gets an unlock link.
    account_under_attack: bool = False


def delay_after(failures: int, free: int) -> timedelta:
    """The wait after `failures` recent failures when the first `free` cost nothing: doubling, capped."""
    if failures < free:
        return timedelta(0)
    doublings = failures - free
    if doublings >= _MAX_DOUBLINGS:
        return MAX_DELAY
    return min(MAX_DELAY, FIRST_DELAY * 2**doublings)


def _wait(failures: list[datetime], free: int, now: datetime) -> timedelta:
    """How long from `now` until this scope's latest failure has been waited out."""
    recent = [at for at in failures if now - at < WINDOW]
    if not recent:
        return timedelta(0)
    # A clock running behind another process's could put a failure in the future: never past the ceiling.
    wait = max(recent) + delay_after(len(recent), free) - now
    return max(timedelta(0), min(wait, MAX_DELAY))


def decide(
    *,
    pair: list[datetime],
    account: list[datetime],
    address: list[datetime],
    now: datetime,
    known_address: bool = False,
) -> ThrottleDecision:
    """Whether a sign-in may try its password now, from the times of recent failures.

    `pair` are the failures of this account from this address, `account` those of this account from
    anywhere, `address` those of this address on any account. `known_address` says the account has
    signed in from this address before, which spares it the address's wait.
    """
    pair_wait = _wait(pair, FREE_FAILURES_PER_PAIR, now)
    address_wait = timedelta(0) if known_address else _wait(address, FREE_FAILURES_PER_ADDRESS, now)
    account_wait = _wait(account, FREE_FAILURES_PER_ACCOUNT, now)
    retry_after = max(pair_wait, address_wait, account_wait)
    if retry_after <= timedelta(0):
        return ThrottleDecision(allowed=True)
    return ThrottleDecision(allowed=False, retry_after=retry_after, account_under_attack=account_wait > timedelta(0))


def should_mail_unlock(last_mailed: datetime | None, now: datetime) -> bool:
    """Whether to mail the owner of an account under attack a new unlock link, or the last one is recent enough."""
    return last_mailed is None or now - last_mailed >= UNLOCK_MAIL_INTERVAL


def reset_allowed(account_requests: list[datetime], address_requests: list[datetime], now: datetime) -> bool:
    """Whether a password-reset request may mail a link: a few per account and per address each hour.

    Refused requests are not counted, so nobody can keep an owner from asking; and the owner's
    inbox already holds the links the allowed requests sent.
    """
    for requests, limit in ((account_requests, RESETS_PER_ACCOUNT), (address_requests, RESETS_PER_ADDRESS)):
        if sum(1 for at in requests if now - at < RESET_WINDOW) >= limit:
            return False
    return True
