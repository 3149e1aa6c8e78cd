"""Properties of send-time planning, over random zones, windows, offsets and histories."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas_app.core.schedule import PAIR_SPACING, WEEK, PlannedSend, SendRules, StepPlan, next_send_time, plan
from tests.properties import examples

ZONES = [
    "America/Sao_Paulo",
    "America/Mexico_City",
    "America/Santiago",  # DST in the southern summer
    "America/New_York",
    "Europe/Rome",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kathmandu",  # a :45 offset
    "UTC",
]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@st.composite
def send_rules(draw: st.DrawFn) -> SendRules:
    start_hour = draw(st.integers(0, 22))
    end_hour = draw(st.integers(start_hour + 1, 23))
    minute = draw(st.sampled_from([0, 15, 30, 45]))
    weekdays = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
    holidays = frozenset(draw(st.sets(st.dates(date(2026, 3, 1), date(2026, 6, 30)), max_size=10)))
    return SendRules(
        window_start=time(start_hour, minute),
        window_end=time(end_hour, 59),
        weekdays=weekdays,
        min_gap=timedelta(hours=draw(st.integers(0, 72))),
        weekly_cap=draw(st.integers(0, 4)),
        holidays=holidays,
    )


history = st.lists(st.datetimes(datetime(2026, 2, 1), datetime(2026, 6, 1), timezones=st.just(UTC)), max_size=8)


def respects(at: datetime, rules: SendRules, zone: str, others: list[datetime]) -> None:
    local = at.astimezone(ZoneInfo(zone))
    assert rules.window_start <= local.time() < rules.window_end, local
    assert local.weekday() in rules.weekdays
    assert local.date() not in rules.holidays
    assert all(abs(at - other) >= max(rules.min_gap, PAIR_SPACING) for other in others)
    if rules.weekly_cap:
        points = sorted([*others, at])
        for start in points:
            assert len([p for p in points if start <= p < start + WEEK]) <= max(
                rules.weekly_cap, len([p for p in others if start <= p < start + WEEK])
            ), "a new message never pushes a 7-day window over the cap"


@settings(max_examples=examples(300), deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    rules=send_rules(),
    offset=st.integers(-10, 40),
    others=history,
)
def test_a_planned_send_respects_every_rule(zone: str, rules: SendRules, offset: int, others: list) -> None:
    target = date(2026, 3, 10) + timedelta(days=offset)
    at = next_send_time(target=target, zone=zone, rules=rules, not_before=NOW, others=others)
    if at is None:
        return
    assert at >= NOW
    assert at.astimezone(ZoneInfo(zone)).date() >= target
    respects(at, rules, zone, others)


@settings(max_examples=examples(150), deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    rules=send_rules(),
    offsets=st.lists(st.integers(-14, 60), min_size=1, max_size=6).map(sorted),
)
def test_a_cadence_plan_keeps_order_and_spacing(zone: str, rules: SendRules, offsets: list[int]) -> None:
    planned = plan(due=date(2026, 3, 20), steps=[StepPlan(o, rules) for o in offsets], zone=zone, now=NOW, others=[])
    times = [p.send_at for p in planned if p.send_at is not None]
    assert times == sorted(times)
    assert len(set(times)) == len(times), "never two messages for one moment"
    for index, at in enumerate(times):
        respects(at, rules, zone, times[:index] + times[index + 1 :])


def test_outside_the_window_moves_to_the_next_allowed_morning() -> None:
    rules = SendRules(window_start=time(9), window_end=time(19), weekdays=frozenset(range(5)))
    friday_evening = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 20:30 in São Paulo
    at = next_send_time(target=date(2026, 11, 27), zone="America/Sao_Paulo", rules=rules, not_before=friday_evening)
    assert at is not None
    assert at.astimezone(ZoneInfo("America/Sao_Paulo")) == datetime(
        2026, 11, 30, 9, 0, tzinfo=ZoneInfo("America/Sao_Paulo")
    ), "Monday 09:00 local"


def test_a_window_inside_the_spring_forward_gap_skips_to_a_real_time() -> None:
    # Rome jumps from 02:00 to 03:00 on 2026-03-29.
    rules = SendRules(window_start=time(2, 30), window_end=time(4, 0), weekdays=frozenset(range(7)), weekly_cap=0)
    at = next_send_time(
        target=date(2026, 3, 29), zone="Europe/Rome", rules=rules, not_before=datetime(2026, 3, 28, tzinfo=UTC)
    )
    assert at is not None
    local = at.astimezone(ZoneInfo("Europe/Rome"))
    assert local.date() == date(2026, 3, 29)
    assert time(3, 0) <= local.time() < time(4, 0)


def test_the_weekly_cap_waits_for_the_oldest_message_to_leave_the_week() -> None:
    rules = SendRules(
        window_start=time(0), window_end=time(23, 59), weekdays=frozenset(range(7)), min_gap=timedelta(0), weekly_cap=2
    )
    sent = [datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 3, 10, tzinfo=UTC)]
    at = next_send_time(target=date(2026, 3, 4), zone="UTC", rules=rules, not_before=NOW, others=sent)
    assert at == datetime(2026, 3, 9, 10, tzinfo=UTC)


def test_the_plan_is_none_when_nothing_fits_in_the_horizon() -> None:
    rules = SendRules(
        weekdays=frozenset({0}), holidays=frozenset(date(2026, 3, 2) + timedelta(weeks=w) for w in range(30))
    )
    [only] = plan(due=date(2026, 3, 2), steps=[StepPlan(0, rules)], zone="UTC", now=NOW)
    assert only == PlannedSend(step=0, due_day=date(2026, 3, 2), send_at=None, local=None)


def test_rules_refuse_an_empty_window() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        SendRules(window_start=time(19), window_end=time(9))
