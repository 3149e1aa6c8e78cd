from datetime import UTC, datetime, timedelta

from saas_app.core.throttle import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, WINDOW, decide

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def minutes_ago(*minutes: int) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_a_few_failures_are_allowed() -> None:
    assert decide(minutes_ago(1, 2, 3, 4), [], NOW).allowed


def test_too_many_failures_on_one_account_blocks_until_the_oldest_leaves_the_window() -> None:
    failures = minutes_ago(*range(1, MAX_FAILURES_PER_ACCOUNT + 1))  # 1..5 minutes ago
    decision = decide(failures, [], NOW)
    assert not decision.allowed
    assert decision.retry_after == WINDOW - timedelta(minutes=MAX_FAILURES_PER_ACCOUNT)


def test_old_failures_do_not_count() -> None:
    assert decide(minutes_ago(*[20] * 10), [], NOW).allowed


def test_an_address_guessing_many_accounts_is_blocked() -> None:
    assert decide([], minutes_ago(*[1] * MAX_FAILURES_PER_ADDRESS), NOW).allowed is False
    assert decide([], minutes_ago(*[1] * (MAX_FAILURES_PER_ADDRESS - 1)), NOW).allowed
