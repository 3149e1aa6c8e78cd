from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from saas_app.core.throttle import (
    FREE_FAILURES_PER_ACCOUNT,
    FREE_FAILURES_PER_ADDRESS,
    FREE_FAILURES_PER_PAIR,
    MAX_DELAY,
    RESETS_PER_ACCOUNT,
    RESETS_PER_ADDRESS,
    UNLOCK_MAIL_INTERVAL,
    WINDOW,
    decide,
    delay_after,
    reset_allowed,
    should_mail_unlock,
)
from tests.properties import examples

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def seconds_ago(*seconds: float) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in seconds]


# Failure times within the window, seconds before NOW.
failure_times = st.lists(
    st.floats(min_value=0, max_value=WINDOW.total_seconds() - 1, allow_nan=False).map(lambda s: seconds_ago(s)[0]),
    max_size=60,
)


def test_the_owners_typos_cost_nothing() -> None:
    typos = seconds_ago(*[1] * (FREE_FAILURES_PER_PAIR - 1))
    assert decide(pair=typos, account=typos, address=typos, now=NOW).allowed


def test_the_wait_of_a_pair_doubles_with_each_failure() -> None:
    waits = []
    for count in range(FREE_FAILURES_PER_PAIR, FREE_FAILURES_PER_PAIR + 4):
        failures = [NOW] * count
        decision = decide(pair=failures, account=failures, address=failures, now=NOW)
        assert not decision.allowed
        waits.append(decision.retry_after.total_seconds())
    assert waits == [1, 2, 4, 8]


def test_the_wait_runs_from_the_latest_failure_and_then_the_pair_may_try_again() -> None:
    failures = seconds_ago(*[10] * (FREE_FAILURES_PER_PAIR + 4))  # a 16 s wait, 10 s of it gone
    decision = decide(pair=failures, account=failures, address=failures, now=NOW)
    assert decision.retry_after == timedelta(seconds=6)
    later = NOW + decision.retry_after
    assert decide(pair=failures, account=failures, address=failures, now=later).allowed


def test_the_wait_has_a_ceiling() -> None:
    assert delay_after(10_000, FREE_FAILURES_PER_PAIR) == MAX_DELAY
    assert delay_after(FREE_FAILURES_PER_PAIR - 1, FREE_FAILURES_PER_PAIR) == timedelta(0)


def test_failures_older_than_the_window_are_forgotten() -> None:
    old = [NOW - WINDOW] * 50
    assert decide(pair=old, account=old, address=old, now=NOW).allowed


def test_another_pair_guessing_the_account_does_not_refuse_the_owner_below_the_account_threshold() -> None:
    """The flaw found: five wrong passwords by anyone blocked the account even for the right password."""
    attacker = seconds_ago(*[1] * (FREE_FAILURES_PER_ACCOUNT - 1))
    assert decide(pair=[], account=attacker, address=[], now=NOW).allowed


def test_an_address_guessing_many_accounts_is_slowed_except_for_accounts_that_signed_in_from_it() -> None:
    """The flaw found: twenty failures blocked every account behind one address."""
    guesses = seconds_ago(*[0] * FREE_FAILURES_PER_ADDRESS)
    slowed = decide(pair=[], account=[], address=guesses, now=NOW)
    assert not slowed.allowed
    assert not slowed.account_under_attack
    assert decide(pair=[], account=[], address=guesses, now=NOW, known_address=True).allowed
    assert decide(pair=[], account=[], address=guesses[1:], now=NOW).allowed


def test_an_account_guessed_from_many_addresses_is_slowed_for_everyone_and_its_owner_gets_an_unlock_link() -> None:
    botnet = seconds_ago(*[0] * FREE_FAILURES_PER_ACCOUNT)
    decision = decide(pair=[], account=botnet, address=[], now=NOW, known_address=True)
    assert not decision.allowed
    assert decision.account_under_attack


def test_a_pair_or_address_wait_does_not_mail_the_owner() -> None:
    failures = seconds_ago(*[0] * FREE_FAILURES_PER_PAIR)
    decision = decide(pair=failures, account=failures, address=failures, now=NOW)
    assert not decision.allowed
    assert not decide(pair=failures, account=failures, address=failures, now=NOW).account_under_attack


def test_unlock_links_are_mailed_at_most_once_per_interval() -> None:
    assert should_mail_unlock(None, NOW)
    assert not should_mail_unlock(NOW - UNLOCK_MAIL_INTERVAL + timedelta(seconds=1), NOW)
    assert should_mail_unlock(NOW - UNLOCK_MAIL_INTERVAL, NOW)


def test_reset_requests_are_limited_per_account_and_per_address() -> None:
    assert reset_allowed(seconds_ago(*[1] * (RESETS_PER_ACCOUNT - 1)), [], NOW)
    assert not reset_allowed(seconds_ago(*[1] * RESETS_PER_ACCOUNT), [], NOW)
    assert not reset_allowed([], seconds_ago(*[1] * RESETS_PER_ADDRESS), NOW)
    assert reset_allowed(seconds_ago(*[3600] * RESETS_PER_ACCOUNT), seconds_ago(*[3600] * RESETS_PER_ADDRESS), NOW)


@settings(max_examples=examples(200))
@given(pair=failure_times, others=failure_times, address=failure_times, extra=failure_times, known=st.booleans())
def test_more_failures_never_shorten_the_wait(
    pair: list[datetime], others: list[datetime], address: list[datetime], extra: list[datetime], known: bool
) -> None:
    before = decide(pair=pair, account=pair + others, address=pair + address, now=NOW, known_address=known)
    after = decide(
        pair=pair + extra, account=pair + others + extra, address=pair + address + extra, now=NOW, known_address=known
    )
    assert after.retry_after >= before.retry_after
    assert after.allowed <= before.allowed
    assert after.account_under_attack >= before.account_under_attack


@settings(max_examples=examples(200))
@given(others=failure_times, address=failure_times)
def test_the_owners_clean_pair_is_never_refused_by_other_pairs_below_the_account_threshold(
    others: list[datetime], address: list[datetime]
) -> None:
    """Whatever others try on other accounts from the owner's address, or on this account from elsewhere."""
    account = others[: FREE_FAILURES_PER_ACCOUNT - 1]
    assert decide(pair=[], account=account, address=address, now=NOW, known_address=True).allowed
    assert decide(pair=[], account=account, address=address[: FREE_FAILURES_PER_ADDRESS - 1], now=NOW).allowed


@settings(max_examples=examples(200))
@given(pair=failure_times, others=failure_times, address=failure_times)
def test_a_wait_is_never_longer_than_the_ceiling_and_is_over_when_it_says(
    pair: list[datetime], others: list[datetime], address: list[datetime]
) -> None:
    failures = {"pair": pair, "account": pair + others, "address": pair + address}
    decision = decide(**failures, now=NOW)
    assert timedelta(0) <= decision.retry_after <= MAX_DELAY
    assert decision.allowed == (decision.retry_after == timedelta(0))
    assert decide(**failures, now=NOW + decision.retry_after).allowed
