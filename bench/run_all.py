"""`make bench`: every benchmark on SQLite and on PostgreSQL, several runs, one table in docs/benchmarks.md.

    .venv/bin/python -m bench.run_all                  # the targets' sizes, BENCH_RUNS runs (default 3)
    BENCH_QUICK=1 .venv/bin/python -m bench.run_all    # small sizes: a check that everything runs
    .venv/bin/python -m bench.run_all --only planner   # one script (make bench ONLY=planner)

Each script runs in its own process, once per run and database (PostgreSQL: a fresh database of its
own, created and dropped around it), and prints its figures as `BENCH {json}` lines
(bench.harness.report). The table shows each figure's median over the runs and its spread (min-max);
it replaces what is between the markers in docs/benchmarks.md and leaves the rest of the file alone.
Runs go round the scripts in turn (run 1 of every script, then run 2...), so a neighbour's burst of load
lands on one run of each, not on every run of one; and bench.pywa_compare runs right after Cobro's
dispatch on the same database, so the ratio between them is taken within one pass.
"""

import argparse
import json
import os
import platform
import re
import shlex
import signal
import statistics
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.dispatch import figure_names
from bench.harness import settle
from saas_app import db
from saas_app.settings import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:begin (written by `make bench`, bench/run_all.py: edits between these markers are lost) -->"
END = "<!-- bench:end -->"
DATABASES = ("SQLite", "PostgreSQL")
NOT_RUN = "not run"


@dataclass(frozen=True)
class Expected:
    """A figure a script is known to report: shown as "not run" when it does not arrive."""

    figure: str
    unit: str
    target: str = ""


@dataclass(frozen=True)
class Job:
    """One script with its arguments: the targets' sizes, and the small ones of BENCH_QUICK=1."""

    script: str
    args: tuple[str, ...]
    quick_args: tuple[str, ...]
    expects: tuple[Expected, ...] = ()

    def arguments(self, quick: bool) -> tuple[str, ...]:
        return self.quick_args if quick else self.args

    def command(self, quick: bool) -> str:
        return shlex.join([".venv/bin/python", "-m", f"bench.{self.script}", *self.arguments(quick)])


def _dispatch(messages: str, organizations: str, delay: str) -> Job:
    """A run of bench.dispatch, expecting the figures it names (figure_names): accepted msg/s and the share refused."""
    sizes = ("--organizations", organizations, "--answer-delay", delay)
    numbers = int(organizations)
    rate, refused = figure_names(numbers, float(delay))
    expects = (Expected(rate, "msg/s", f">= {950 * numbers:,} msg/s"), Expected(refused, "%", "<= 0.1%"))
    return Job("dispatch", ("--messages", messages, *sizes), ("--messages", "600", *sizes), expects)


def _pywa(delay: str) -> Job:
    return Job(
        "pywa_compare",
        ("--messages", "20000", "--answer-delay", delay),
        ("--messages", "300", "--answer-delay", delay, "--seconds", "5"),
    )


def _webhooks(in_flight: str) -> Job:
    return Job(
        "webhooks",
        ("--messages", "20000", "--concurrency", in_flight),
        ("--messages", "1000", "--concurrency", in_flight),
        (Expected(f"webhooks: {in_flight} in flight", "events/s", ">= 3,000 events/s"),),
    )


# The targets' sizes (DESIGN.md §6, issues 18, 21 and 23). pywa_compare follows dispatch: see the docstring.
JOBS = (
    Job(
        "planner",
        ("--enrollments", "1000000"),
        ("--enrollments", "2000"),
        (Expected("planner: 1,000,000 enrollments", "s", "<= 60 s"),),
    ),
    Job(
        "imports",
        ("--rows", "100000"),
        ("--rows", "2000"),
        (
            Expected("import: 100,000 rows", "s", "<= 30 s"),
            Expected("import: peak memory", "MB", "bounded by a batch"),
            Expected("import: peak memory at 20,000 rows", "MB", "bounded by a batch"),
        ),
    ),
    _dispatch("20000", "1", "0"),
    _pywa("0"),
    _dispatch("20000", "1", "0.2"),
    _pywa("0.2"),
    _dispatch("20000", "2", "0"),
    _webhooks("16"),
    _webhooks("64"),
    Job(
        "worker_memory",
        ("--messages", "100000"),
        ("--messages", "2000"),
        (Expected("worker: peak RSS over 100,000 messages", "MB", "<= 300 MB"),),
    ),
    Job("dashboard", ("--invoices", "100000"), ("--invoices", "2000")),
    Job("invoices_page", ("--invoices", "100000"), ("--invoices", "2000")),
    Job("debtors_page", ("--invoices", "100000"), ("--invoices", "2000")),
    Job("campaign_view", ("--messages", "1000000"), ("--messages", "20000")),
)

# Why a figure has no target, by script: the table says "none" and this note says why.
NO_TARGET_WHY = {
    "pywa_compare": "a comparison, not a goal: what a script around pywa sends on the same machine, in the same pass",
    "debtors_page": "issue 18 asks for the debtors page to be fine at 100,000 invoices, and names no figure",
    "imports": "DESIGN.md asks for one pass with progress, and memory a fraction of reading the file whole",
    "dispatch": "DESIGN.md's target is per worker at 0 and 200 ms; the rest show how the rate is kept",
    "webhooks": "the app's CPU time per event: what one costs, which a neighbour's load moves less than events/s",
    "campaign_view": "the figures the view's target is made of, each shown beside it",
}


@dataclass(frozen=True)
class Sample:
    """One `BENCH` line of one run."""

    figure: str
    value: float
    unit: str
    target: str
    database: str
    run: int


@dataclass
class Results:
    """What the runs printed, in the order the figures first arrived, and the scripts that failed."""

    samples: list[Sample] = field(default_factory=list)
    commands: dict[str, str] = field(default_factory=dict)  # figure: the command that printed it
    scripts: dict[str, str] = field(default_factory=dict)  # figure: its script
    failures: list[str] = field(default_factory=list)


def parse_line(line: str, run: int) -> Sample | None:
    """A `BENCH {json}` line (bench.harness.report) as a Sample; None for any other line."""
    if not line.startswith("BENCH "):
        return None
    data = json.loads(line.removeprefix("BENCH "))
    return Sample(
        figure=str(data["figure"]),
        value=float(data["value"]),
        unit=str(data.get("unit", "")),
        target=str(data.get("target", "")),
        database=str(data.get("database", "SQLite")),
        run=run,
    )


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    runs: int


def summarize(values: Iterable[float]) -> Summary | None:
    values = list(values)
    if not values:
        return None
    return Summary(statistics.median(values), min(values), max(values), len(values))


def number(value: float) -> str:
    """Three significant figures at most, thousands with commas: 1,234 / 56.7 / 0.89."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def meets(target: str, value: float) -> bool | None:
    """Whether `value` meets a target such as "<= 60 s" or ">= 1,000 msg/s"; None when it cannot say."""
    found = re.match(r"\s*(<=|>=|<|>)\s*([\d,.]+)", target)
    if not found:
        return None
    bound = float(found.group(2).replace(",", ""))
    return {"<=": value <= bound, ">=": value >= bound, "<": value < bound, ">": value > bound}[found.group(1)]


def cell(summary: Summary | None, unit: str, target: str, runs: int) -> str:
    if summary is None:
        return NOT_RUN
    text = f"{number(summary.median)} {unit}".strip()
    if summary.runs > 1:
        text += f" ({number(summary.low)}-{number(summary.high)})"
    if summary.runs != runs:
        text += f", {summary.runs} runs"
    return text + (" **missed**" if meets(target, summary.median) is False else "")


@dataclass(frozen=True)
class Row:
    script: str
    figure: str
    unit: str
    target: str
    command: str


def rows(results: Results, jobs: Iterable[Job], quick: bool) -> list[Row]:
    """Every figure that arrived or was expected, grouped by script in the jobs' order."""
    listed: dict[str, Row] = {}
    first = {s.figure: s for s in reversed(results.samples)}  # the first sample of each figure
    for job in jobs:
        for expected in job.expects:
            arrived = first.get(expected.figure)
            unit = arrived.unit if arrived else expected.unit
            target = arrived.target if arrived else expected.target
            listed.setdefault(expected.figure, Row(job.script, expected.figure, unit, target, job.command(quick)))
    for sample in results.samples:
        if sample.figure not in listed:
            script, command = results.scripts[sample.figure], results.commands[sample.figure]
            listed[sample.figure] = Row(script, sample.figure, sample.unit, sample.target, command)
    order = list(dict.fromkeys(job.script for job in jobs))
    return sorted(listed.values(), key=lambda row: order.index(row.script) if row.script in order else len(order))


def values_of(results: Results, figure: str, database: str) -> list[float]:
    return [s.value for s in results.samples if s.figure == figure and s.database == database]


def figure_table(results: Results, jobs: Iterable[Job], quick: bool, runs: int) -> list[str]:
    lines = [
        "| figure | target | SQLite | PostgreSQL | command (add `--database postgresql://…`) |",
        "|---|---|---|---|---|",
    ]
    script = ""
    for row in rows(results, jobs, quick):
        if row.script != script:
            script = row.script
            lines.append(f"| **{script}** | | | | |")
        target = row.target or "none (see below)"
        values = [cell(summarize(values_of(results, row.figure, db)), row.unit, row.target, runs) for db in DATABASES]
        lines.append(f"| {row.figure} | {target} | {values[0]} | {values[1]} | `{row.command}` |")
    return lines


def pywa_ratios(results: Results) -> list[str]:
    """Cobro's dispatch over each pywa figure of the same answer delay, per run and database, as medians."""
    figures = [
        f for f in dict.fromkeys(s.figure for s in results.samples) if f.startswith("pywa: ") and "refused" not in f
    ]
    if not figures:
        return []
    lines = [
        "",
        "Cobro's worker (`dispatch: one number`) against the pywa script at the same answer delay: Cobro's msg/s"
        " over the script's, taken within each pass (same run, same database), median over the runs.",
        "",
        "| pywa script | SQLite | PostgreSQL |",
        "|---|---|---|",
    ]
    for figure in figures:
        delay = figure.rpartition("answer ")[2]
        cobro = f"dispatch: one number, answer {delay}"
        ratios = []
        for database in DATABASES:
            by_run = {s.run: s.value for s in results.samples if s.figure == cobro and s.database == database}
            per_run = [
                by_run[s.run] / s.value
                for s in results.samples
                if s.figure == figure and s.database == database and s.run in by_run and s.value
            ]
            summary = summarize(per_run)
            ratios.append(f"{number(summary.median)}x" if summary else NOT_RUN)
        lines.append(f"| {figure.removeprefix('pywa: ')} | {ratios[0]} | {ratios[1]} |")
    return lines


def notes(results: Results, jobs: Iterable[Job], quick: bool) -> list[str]:
    untargeted = dict.fromkeys(row.script for row in rows(results, jobs, quick) if not row.target)
    why = [f"- {script}: {NO_TARGET_WHY.get(script, 'the script reports none')}." for script in untargeted]
    return ["", "Figures without a target:", "", *why] if why else []


def render(results: Results, jobs: Iterable[Job], header: dict[str, str], quick: bool, runs: int) -> str:
    jobs = list(jobs)
    lines = [BEGIN, "", "## Figures (generated by `make bench`)", ""]
    if quick:
        lines += [
            "**QUICK RUN (`BENCH_QUICK=1`): small sizes, to check that every benchmark runs. These figures say"
            " nothing about the targets, which are set at the sizes in the figures' names; see each command.**",
            "",
        ]
    lines += [f"- {name}: {value}" for name, value in header.items()]
    lines += [
        "",
        f"Medians of {runs} run{'s' if runs != 1 else ''} with the spread (min-max). SQLite: a fresh file per run;"
        " PostgreSQL: a fresh database per run, created and dropped. **missed**: the median misses the target.",
        "",
        *figure_table(results, jobs, quick, runs),
        *pywa_ratios(results),
        *notes(results, jobs, quick),
    ]
    if results.failures:
        lines += ["", "Scripts that failed (their figures are missing above):", ""]
        lines += [f"- {failure}" for failure in results.failures]
    return "\n".join([*lines, "", END])


def replace_generated(document: str, generated: str) -> str:
    """`document` with what is between the markers replaced by `generated` (markers included); without
    markers, `generated` goes after the title, and the rest of the document stays below it."""
    start, end = document.find(BEGIN), document.find(END)
    if start >= 0 and end > start:
        return document[:start] + generated + document[end + len(END) :]
    title, newline, rest = document.partition("\n")
    if title.startswith("# "):
        return f"{title}\n\n{generated}\n{newline}{rest.lstrip()}"
    return f"{generated}\n\n{document}"


# What a run is measured on ---------------------------------------------------------------------------------


def _meminfo_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _postgres_version(admin_url: str | None) -> str:
    if admin_url is None:
        return "not reachable"
    import psycopg

    with psycopg.connect(admin_url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from the PATH, as make finds it
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def machine_header(admin_url: str | None, started: datetime, load_before: str) -> dict[str, str]:
    return {
        "date": f"{started:%Y-%m-%d %H:%M} UTC (took {(datetime.now(UTC) - started).total_seconds() / 60:.0f} min)",
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, {_meminfo_gb()} of memory",
        "software": f"Python {platform.python_version()}, PostgreSQL {_postgres_version(admin_url)}",
        "commit": _commit(),
        "load average (1, 5, 15 min)": f"{load_before} at the start, {_load()} at the end",
    }


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


# Running the scripts -----------------------------------------------------------------------------------------


@contextmanager
def database_for(kind: str) -> Iterator[str]:
    """'' for SQLite (the script makes a fresh file), or a fresh PostgreSQL database's URL, dropped afterwards."""
    if kind == "SQLite":
        yield ""
        return
    from tests.databases import postgres_database

    with postgres_database() as url:
        yield url


def run_script(job: Job, quick: bool, database: str, run: int, timeout: float, results: Results) -> None:
    """The job's script in its own process group (its simulator and app processes with it), its
    output shown as it comes, its BENCH lines kept."""
    command = [sys.executable, "-m", f"bench.{job.script}", *job.arguments(quick)]
    if database:
        command += ["--database", database]
    print(f"\n=== run {run + 1}: {shlex.join(command[1:])}", flush=True)
    process = subprocess.Popen(  # noqa: S603 - our own scripts
        command,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    # A script that hangs (a simulator that never answers) is stopped with everything it started.
    watchdog = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
    watchdog.start()
    tail: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        print("    " + line, end="", flush=True)
        tail = [*tail[-9:], line.rstrip()]
        sample = parse_line(line.strip(), run)
        if sample is not None:
            results.samples.append(sample)
            results.commands.setdefault(sample.figure, job.command(quick))
            results.scripts.setdefault(sample.figure, job.script)
    code = process.wait()
    watchdog.cancel()
    where = f"`{job.command(quick)}` on {_kind(database)}, run {run + 1}"
    if code == -signal.SIGKILL:
        results.failures.append(f"{where}: stopped after {timeout:.0f} s")
    elif code != 0:
        results.failures.append(f"{where}: exit {code}: {tail[-1] if tail else ''}")


def _kind(database: str) -> str:
    return "PostgreSQL" if database else "SQLite"


def select_jobs(only: str) -> list[Job]:
    """Every job, or those of the scripts named in `only` (comma-separated: planner,dispatch)."""
    if not only:
        return list(JOBS)
    wanted = {name.strip().removeprefix("bench.") for name in only.split(",") if name.strip()}
    unknown = wanted - {job.script for job in JOBS}
    if unknown:
        raise SystemExit(f"unknown script(s): {', '.join(sorted(unknown))}; known: {_scripts()}")
    return [job for job in JOBS if job.script in wanted]


def _scripts() -> str:
    return ", ".join(dict.fromkeys(job.script for job in JOBS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=os.environ.get("ONLY", ""), help=f"scripts to run, of: {_scripts()}")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS") or 3))
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK", "") not in ("", "0"))
    parser.add_argument("--databases", default="SQLite,PostgreSQL", help="SQLite, PostgreSQL or both")
    parser.add_argument("--timeout", type=float, default=0, help="seconds a script may take (default 600 quick, 3 h)")
    parser.add_argument("--out", type=Path, default=DOC, help="the markdown file whose generated part is replaced")
    args = parser.parse_args()
    jobs = select_jobs(args.only)
    databases = [db for db in DATABASES if db.lower() in args.databases.lower()]
    timeout = args.timeout or (600 if args.quick else 3 * 3600)
    from tests.databases import postgres_admin_url

    admin_url = postgres_admin_url() if "PostgreSQL" in databases else None
    if "PostgreSQL" in databases and admin_url is None:
        raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432 (or set TEST_POSTGRES_URL)")
    # PostgreSQL writes out what the last script left before the next starts, whichever its database: the
    # checkpoint a million-row seed sets off is spread over minutes and would run beside the next script,
    # a SQLite one too. The scripts settle their own seeds the same way.
    server = db.engine_for(admin_url) if admin_url else None
    started, load_before = datetime.now(UTC), _load()
    results = Results()
    for run in range(args.runs):
        for kind in databases:
            for job in jobs:
                if server is not None:
                    settle(server)
                with database_for(kind) as url:
                    run_script(job, args.quick, url, run, timeout, results)
    header = machine_header(admin_url, started, load_before)
    header["runs"] = (
        f"{args.runs}; scripts: {', '.join(dict.fromkeys(j.script for j in jobs))}; on {', '.join(databases)}"
    )
    generated = render(results, jobs, header, args.quick, args.runs)
    document = args.out.read_text() if args.out.exists() else "# Benchmarks\n"
    args.out.write_text(replace_generated(document, generated))
    print(f"\nwrote {args.out.relative_to(PROJECT_ROOT) if args.out.is_relative_to(PROJECT_ROOT) else args.out}")
    print("\n".join(figure_table(results, jobs, args.quick, args.runs)))
    print("\n".join(pywa_ratios(results)))
    if results.failures:
        print("\n".join(["failed:", *results.failures]))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
