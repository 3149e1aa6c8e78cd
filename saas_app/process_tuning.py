"""Settings for the processes that keep time to the millisecond: the worker paces each number's sends,
the simulator counts them in moving seconds as Meta does.

On one event loop a pause of 30 ms is a lost share of a number's second (the pacer lets a late send
make up only core.ratelimit.BURST), and in the simulator it bunches arrivals into one second. bench.dispatch
found two causes of such pauses and this removes them:
- the cyclic garbage collector walking every object alive since start-up (modules, ORM mappings,
  compiled queries) at each full collection: 50-120 ms at a time. gc.freeze() sets those aside for good,
  and a higher first threshold (the young generation collected every 10,000 allocations, not 700) makes
  collections rarer;
- the database thread keeping the interpreter lock for the default 5 ms switch interval while the
  event loop waits for it: at 1 ms the loop gets it back within a send's interval.
Measured on 2 cores with 20,000 messages on one number (SQLite): 862-873 accepted msg/s before, 954-958
with the worker and the simulator both set so.
"""

import gc
import sys

SWITCH_INTERVAL = 0.001  # seconds a thread may hold the interpreter lock while another waits for it
FIRST_GENERATION = 10_000  # allocations between young collections (the default is 700)


def keep_time() -> None:
    """Call once the process has started up (everything it keeps is loaded), before its event loop runs."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION, older, oldest)
    sys.setswitchinterval(SWITCH_INTERVAL)
