"""How much memory one `cobro worker` process takes to send N messages: its peak RSS, read from the kernel.

    .venv/bin/python -m bench.worker_memory --messages 100000 [--database postgresql://...]

Target (issue 23): <= 300 MB at 100,000 messages, so a worker fits a small machine next to the app.
The messages are bench.dispatch's (bench.planner's organization, due now, its sandbox number on the
simulator in its own process); the worker is the real command, `cobro worker --until-idle`, in its
own process, and its peak resident set is the kernel's high-water mark (VmHWM in /proc/<pid>/status),
read until it exits. Memory that grows with the messages sent would show as a peak that grows with N.
"""

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session, select

from bench.dispatch import free_port, prepare, start_simulator
from bench.harness import machine, prepare_database, report
from saas_app.models import Message
from saas_app.settings import PROJECT_ROOT

RATE = 1000  # the number's throughput: Meta's top tier, as in bench.dispatch


def high_water_mark_mb(pid: int) -> float | None:
    """The process's peak resident set so far (VmHWM), in MB; None once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return None


def run_worker(database_url: str) -> tuple[float, float]:
    """`cobro worker` until nothing is due: (its peak RSS in MB, seconds it ran)."""
    command = [sys.executable, "-m", "saas_app.cli", "worker", "--until-idle", "--plan-seconds", "0"]
    environment = {**os.environ, "DATABASE_URL": database_url}
    started = time.perf_counter()
    worker = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL)  # noqa: S603
    peak = 0.0
    # The mark only rises: the last reading before the exit is the peak, short of the last 50 ms.
    while worker.poll() is None:
        peak = max(peak, high_water_mark_mb(worker.pid) or 0.0)
        time.sleep(0.05)
    if worker.returncode != 0:
        raise SystemExit(f"cobro worker exited with {worker.returncode}")
    return peak, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    engine = prepare_database(args.database, "worker_memory")
    url = engine.url.render_as_string(hide_password=False)
    port = free_port()
    simulator = start_simulator(port, answer_delay=0.0)
    try:
        print(machine())
        print(f"database: {engine.dialect.name}; messages: {args.messages:,}, one number at {RATE:,}/s")
        with Session(engine) as session:
            prepare(session, args.messages, organizations=1, port=port, rate=RATE)
        peak, seconds = run_worker(url)
        with Session(engine) as session:
            statuses = Counter(session.exec(select(Message.status)).all())
    finally:
        simulator.terminate()
        simulator.wait()
    print(f"cobro worker ran {seconds:.1f} s; statuses: {dict(statuses)}")
    if statuses["sent"] < args.messages:
        # The peak is still the worker's, over fewer sends: say so rather than let the figure's name claim them all.
        print(f"NOTE: it stopped at idle with {args.messages - statuses['sent']:,} of {args.messages:,} not sent")
    print(f"peak RSS of the worker process (VmHWM): {peak:.0f} MB (target <= 300 MB)")
    report("worker: peak RSS over 100,000 messages", peak, "MB", "<= 300 MB", database=args.database)


if __name__ == "__main__":
    main()
