"""The worker and the simulator set the interpreter for short pauses before their event loop runs."""

import gc
import sys
from collections.abc import Iterator

import pytest

from saas_app import process_tuning


@pytest.fixture
def restored() -> Iterator[None]:
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("restored")
def test_what_is_alive_at_start_up_leaves_the_collectors_walks_and_threads_hand_over_sooner() -> None:
    sys.setswitchinterval(0.005)
    kept_since_start_up = {"loaded": ["modules", "mappings", "compiled queries"]}

    def walked_by_collections() -> bool:
        return any(tracked is kept_since_start_up for tracked in gc.get_objects())

    assert walked_by_collections()

    process_tuning.keep_time()

    assert not walked_by_collections()
    assert gc.get_threshold()[0] == process_tuning.FIRST_GENERATION > 700
    assert sys.getswitchinterval() == pytest.approx(process_tuning.SWITCH_INTERVAL)
