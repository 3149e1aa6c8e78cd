"""The day a promise names, however the debtor writes it, and whatever the day they write it on."""

from datetime import date, timedelta

import pytest

from saas_app.core.intents import Intent, Reading, classify, promised_date
from saas_app.whatsapp.simulator_replies import TEXTS, _date_forms

NOVEMBER_23 = date(2026, 11, 23)  # a Monday
DECEMBER_20 = date(2026, 12, 20)


@pytest.mark.parametrize(
    ("text", "today", "when"),
    [
        # Month names in the five languages, day first and month first, with and without the year.
        ("I'll pay on December 2", NOVEMBER_23, date(2026, 12, 2)),
        ("I'll pay on 2 December", NOVEMBER_23, date(2026, 12, 2)),
        ("I'll pay on the 2nd of December", NOVEMBER_23, date(2026, 12, 2)),
        ("I'll pay on Dec 2nd, 2026", NOVEMBER_23, date(2026, 12, 2)),
        ("Vou pagar em 2 de dezembro", NOVEMBER_23, date(2026, 12, 2)),
        ("Pago no dia 1º de dezembro", NOVEMBER_23, date(2026, 12, 1)),
        ("Pago el 2 de diciembre de 2026", NOVEMBER_23, date(2026, 12, 2)),
        ("Pago il 2 dicembre", NOVEMBER_23, date(2026, 12, 2)),
        ("Je paierai le 2 décembre", NOVEMBER_23, date(2026, 12, 2)),
        # Numbers: day first, month first when only that reads, ISO.
        ("Je vais payer le 20.12.", NOVEMBER_23, date(2026, 12, 20)),
        ("I'll pay on 12/20", NOVEMBER_23, date(2026, 12, 20)),
        ("I'll pay on 2026-12-20", NOVEMBER_23, date(2026, 12, 20)),
        # In December, January is next year's, however it is written.
        ("I'll pay on January 5", DECEMBER_20, date(2027, 1, 5)),
        ("Pago el 5/1", DECEMBER_20, date(2027, 1, 5)),
        ("Vou pagar dia 5", DECEMBER_20, date(2027, 1, 5)),
        ("Je paierai le 5 janvier", DECEMBER_20, date(2027, 1, 5)),
        # Relative days.
        ("I'll pay today", NOVEMBER_23, NOVEMBER_23),
        ("Pago hoje à tarde", NOVEMBER_23, NOVEMBER_23),
        ("Pago a fin de mes", NOVEMBER_23, date(2026, 11, 30)),
        ("Pago na sexta", NOVEMBER_23, date(2026, 11, 27)),
        ("Pago até a quinta", NOVEMBER_23, date(2026, 11, 26)),
        ("I'll pay on Friday", date(2026, 11, 27), date(2026, 12, 4)),  # said on a Friday: the coming one
        ("Pago el lunes", NOVEMBER_23, date(2026, 11, 30)),
        # Amounts are not days.
        ("I'll pay 12.50 tomorrow", NOVEMBER_23, date(2026, 11, 24)),
        ("Vou pagar R$ 150,00 amanhã", NOVEMBER_23, date(2026, 11, 24)),
    ],
)
def test_a_promise_reads_its_day_in_every_way_people_write_it(text: str, today: date, when: date) -> None:
    assert classify(text, today) == Reading(Intent.PROMISE, when)


@pytest.mark.parametrize(
    "text",
    [
        "I'll pay on November 20",  # three days ago: a slip, not a promise a year away
        "Pago el 20/11",
        "Je paierai le 20 novembre",
        "I'll pay on February 30",
        "I'll pay on 31/02",
    ],
)
def test_a_day_that_is_gone_or_impossible_leaves_the_promise_without_a_date(text: str) -> None:
    reading = classify(text, NOVEMBER_23)
    assert (reading.intent, reading.promised_on) == (Intent.PROMISE, None)


def test_words_that_look_like_months_or_weekdays_are_not_days() -> None:
    assert promised_date("i paid 2 days ago", NOVEMBER_23) is None
    assert promised_date("2 out of 3 invoices", NOVEMBER_23) is None
    assert promised_date("manda a segunda via", NOVEMBER_23) is None


def test_a_weekday_without_paying_is_no_promise() -> None:
    assert classify("Vocês abrem no sábado?", NOVEMBER_23).intent == Intent.OTHER
    assert classify("Vous pouvez me rappeler demain matin ?", NOVEMBER_23).intent == Intent.OTHER


# Around the ends of months and of the year, where a day without its month or year is easiest to misplace.
AROUND_ENDS = [date(2026, 12, 15) + timedelta(days=n) for n in range(28)]
AROUND_ENDS += [date(2027, 2, 18) + timedelta(days=n) for n in range(14)]


@pytest.mark.parametrize("today", AROUND_ENDS, ids=str)
def test_every_promise_the_simulator_writes_reads_with_its_day(today: date) -> None:
    for locale, intents in TEXTS.items():
        for wording in intents["promise"]:
            for ahead in range(2, 11):  # as far ahead as simulated debtors promise
                promised = today + timedelta(days=ahead)
                text = wording.format(**_date_forms(promised, locale))
                assert classify(text, today).promised_on == promised, (locale, text, today)
