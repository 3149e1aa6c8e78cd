"""bench/run_all.py, the runner of `make bench`: what it reads from the scripts and what it writes."""

import json

import pytest

from bench import run_all
from bench.run_all import BEGIN, END, Expected, Job, Results, Sample

DISPATCH = Job(
    "dispatch",
    ("--messages", "20000"),
    ("--messages", "600"),
    (Expected("dispatch: one number, answer 0 ms", "msg/s", ">= 1,000 msg/s"),),
)
PLANNER = Job(
    "planner", ("--enrollments", "1000000"), ("--enrollments", "2000"), (Expected("planner: x", "s", "<= 60 s"),)
)
PYWA = Job("pywa_compare", ("--messages", "20000"), ("--messages", "300"))


def bench_line(figure: str, value: float, database: str = "SQLite", unit: str = "msg/s", target: str = "") -> str:
    line = {"figure": figure, "value": value, "unit": unit, "target": target, "database": database}
    return "BENCH " + json.dumps(line)


def results_of(*samples: Sample) -> Results:
    results = Results(samples=list(samples))
    for sample in samples:
        script = sample.figure.partition(":")[0].replace("pywa", "pywa_compare")
        results.scripts.setdefault(sample.figure, script)
        results.commands.setdefault(sample.figure, f"python -m bench.{script}")
    return results


def test_a_bench_line_is_read_and_any_other_line_is_not() -> None:
    sample = run_all.parse_line(bench_line("dispatch: one number, answer 0 ms", 1234.5, "PostgreSQL"), run=2)
    assert sample == Sample("dispatch: one number, answer 0 ms", 1234.5, "msg/s", "", "PostgreSQL", 2)
    assert run_all.parse_line("sent 20,000 messages in 12.0 s", run=0) is None


def test_the_median_and_the_spread_of_the_runs() -> None:
    summary = run_all.summarize([3.0, 1.0, 10.0])
    assert (summary.median, summary.low, summary.high, summary.runs) == (3.0, 1.0, 10.0, 3)
    assert run_all.summarize([]) is None
    assert run_all.cell(summary, "s", "<= 60 s", runs=3) == "3.00 s (1.00-10.0)"
    assert run_all.cell(run_all.summarize([1500.0, 900.0]), "msg/s", ">= 1,000 msg/s", runs=3) == (
        "1,200 msg/s (900-1,500), 2 runs"
    )
    assert run_all.cell(run_all.summarize([61.0]), "s", "<= 60 s", runs=1) == "61.0 s **missed**"


@pytest.mark.parametrize(
    ("target", "value", "met"),
    [
        ("<= 60 s", 60, True),
        ("<= 60 s", 61, False),
        (">= 1,000 msg/s", 950, False),
        ("< 10%", 9.9, True),
        ("", 1, None),
    ],
)
def test_a_target_is_met_or_missed_or_cannot_say(target: str, value: float, met: bool | None) -> None:
    assert run_all.meets(target, value) is met


def test_the_table_shows_every_figure_by_script_and_not_run_for_those_that_never_came() -> None:
    results = results_of(
        Sample("dispatch: one number, answer 0 ms", 1000.0, "msg/s", ">= 1,000 msg/s", "SQLite", 0),
        Sample("dispatch: one number, answer 0 ms", 1200.0, "msg/s", ">= 1,000 msg/s", "SQLite", 1),
        Sample("dispatch: one number, answer 0 ms", 800.0, "msg/s", ">= 1,000 msg/s", "PostgreSQL", 0),
        Sample("pywa: 64 in flight, answer 0 ms", 100.0, "msg/s", "", "SQLite", 0),
        Sample("pywa: 64 in flight, answer 0 ms", 200.0, "msg/s", "", "SQLite", 1),
    )
    text = run_all.render(results, [PLANNER, DISPATCH, PYWA], {"machine": "2 cores"}, quick=False, runs=2)
    lines = text.splitlines()
    assert lines[0] == BEGIN
    assert lines[-1] == END
    assert "- machine: 2 cores" in lines
    planner = next(line for line in lines if line.startswith("| planner: x |"))
    assert planner.count("not run") == 2
    assert "<= 60 s" in planner
    dispatch = next(line for line in lines if line.startswith("| dispatch: one number, answer 0 ms |"))
    assert "1,100 msg/s (1,000-1,200)" in dispatch
    assert "800 msg/s, 1 runs **missed**" in dispatch
    assert lines.index("| **planner** | | | | |") < lines.index("| **dispatch** | | | | |")
    # Cobro over pywa within each run: 1000/100 and 1200/200, median 8x; no PostgreSQL pywa run.
    assert "| 64 in flight, answer 0 ms | 8.00x | not run |" in lines
    assert any(line.startswith("- pywa_compare: a comparison") for line in lines)
    assert "QUICK RUN" not in text
    assert "QUICK RUN" in run_all.render(results, [DISPATCH], {}, quick=True, runs=2)


def test_a_new_table_replaces_the_old_one_and_keeps_the_rest_of_the_document() -> None:
    document = f"# Benchmarks\n\nIntro.\n\n{BEGIN}\nold table\n{END}\n\n## Campaign counters\n\nKept.\n"
    replaced = run_all.replace_generated(document, f"{BEGIN}\nnew table\n{END}")
    assert "old table" not in replaced
    assert "new table" in replaced
    assert replaced.startswith("# Benchmarks\n\nIntro.")
    assert replaced.endswith("## Campaign counters\n\nKept.\n")
    without_markers = run_all.replace_generated("# Benchmarks\n\nKept.\n", f"{BEGIN}\nnew\n{END}")
    assert without_markers.index("new") < without_markers.index("Kept.")


def test_only_runs_the_scripts_named() -> None:
    assert {job.script for job in run_all.select_jobs("planner, bench.dispatch")} == {"planner", "dispatch"}
    assert len(run_all.select_jobs("")) == len(run_all.JOBS)
    with pytest.raises(SystemExit, match="unknown script"):
        run_all.select_jobs("plannr")
