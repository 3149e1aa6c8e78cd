"""How hard property tests search: a fixed set of examples in `make test`, many random ones in `make test-deep`.

`make test` must give the same verdict on every run (a test that fails now and then is a bug to
find, not a test to retry), so its examples are derived from each test's own code. `make test-deep`
(HYPOTHESIS_PROFILE=deep) draws fresh random examples, many more of them, to find what the fixed
set does not; anything it finds becomes an explicit `@example`.
"""

import os

from hypothesis import HealthCheck, settings

DEEP_FACTOR = 20  # how many more examples each property test tries in `make test-deep`

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile(
    "deep",
    derandomize=False,
    database=None,
    print_blob=True,
    max_examples=settings.default.max_examples * DEEP_FACTOR,  # for tests that do not set their own
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(count: int) -> int:
    """The number of examples a property test tries under the profile in force."""
    return count * DEEP_FACTOR if PROFILE == "deep" else count
