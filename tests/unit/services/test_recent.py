"""services.recent: an answer is reused for its seconds, then read again; a change forgets it."""

import pytest

from saas_app.services import recent


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(recent.time, "monotonic", lambda: now[0])
    return now


def test_an_answer_is_reused_for_its_seconds_then_read_again(clock: list[float]) -> None:
    reads: list[str] = []
    kept: recent.Recent[str] = recent.Recent(seconds=1.0)

    def read() -> str:
        reads.append("read")
        return f"answer {len(reads)}"

    assert kept.get("key", read) == "answer 1"
    clock[0] += 0.9
    assert kept.get("key", read) == "answer 1"
    clock[0] += 0.2
    assert kept.get("key", read) == "answer 2", "a second later the database is asked again"
    assert kept.get("other", read) == "answer 3", "each key has its own answer"


def test_a_missing_answer_is_not_kept_so_strangers_cannot_fill_memory(clock: list[float]) -> None:
    kept: recent.Recent[str] = recent.Recent(seconds=1.0)
    answers = iter([None, "connected now"])
    assert kept.get("123", lambda: next(answers)) is None
    assert kept.get("123", lambda: next(answers)) == "connected now", "a number connected a moment later is found"
    assert len(kept._read_at) == 1


def test_forgetting_sends_the_next_question_to_the_database(clock: list[float]) -> None:
    kept: recent.Recent[int] = recent.Recent(seconds=60.0)
    kept.get("a", lambda: 1)
    kept.get("b", lambda: 1)
    kept.forget("a")
    assert kept.get("a", lambda: 2) == 2
    assert kept.get("b", lambda: 2) == 1
    recent.forget_all()
    assert kept.get("b", lambda: 3) == 3
