"""What a business without Cobro gets: the same template sends from a script around pywa, timed.

    .venv/bin/python -m bench.pywa_compare --messages 20000 --answer-delay 0.2

The script a developer writes with pywa (the most used Python WhatsApp Cloud API client): a loop
calling `send_template` one message at a time (pywa.WhatsApp, sync), or `asyncio.gather` over every
message with a semaphore of 4, 64 or 256 in flight (pywa_async.WhatsApp). It sends bench.planner's
template, with its three named parameters, to a different phone each time, from one number on
Cobro's simulator (its own process, as bench.dispatch starts it) at Meta's top tier: 1,000 msg/s.

Such a script has no pacing: nothing keeps it under the number's rate, so what goes over is refused
with 130429 and lost unless the script retries it; nor does it keep a record of what went, so a crash
halfway means sending again from the start. msg/s counts the sends the simulator accepted.

pywa has no setting for the Graph API's address (4.5: GraphAPI sets the httpx session's base_url to
https://graph.facebook.com/v<version>); the script hands pywa a session and points it at the
simulator afterwards. The async session may hold as many connections as there are sends in flight
(httpx's default pool holds 100). httpx's AsyncClient costs more CPU a request the more are in flight
(encode/httpx#3215), so on 2 cores its msg/s can fall as the semaphore widens; the script's CPU per
send is printed beside msg/s to show it. Cobro's worker sends over its own h11 pool (whatsapp/client.py).

Each way sends up to --messages, for at most --seconds: one at a time at 200 ms an answer is 5 a
second, and 20,000 would take over an hour. --database only names the column make bench puts the
figures in (it runs this right after bench.dispatch on each database): pywa uses no database.
"""

import argparse
import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pywa
import pywa_async
from pywa.errors import WhatsAppError
from pywa.types.templates import BodyText, TemplateLanguage

from bench.dispatch import free_port, simulator_call, start_simulator
from bench.harness import machine, report
from saas_app.settings import settings
from saas_app.whatsapp import sandbox

# bench.planner's template: the one Cobro's worker sends in bench.dispatch.
TEMPLATE = "Hi {{customer_name}}, {{amount}} is due on {{due_date}}. Thanks."
RATE = 1000  # Meta's top tier, as bench.dispatch configures it
THROTTLED = 130429
IN_FLIGHT = (4, 64, 256)


@dataclass
class Outcome:
    accepted: int = 0
    refused: int = 0  # over the number's rate (130429)
    other_errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's: what the client itself costs, whatever the neighbours' load

    def count(self, error: Exception | None) -> None:
        if error is None:
            self.accepted += 1
        elif isinstance(error, WhatsAppError) and error.code == THROTTLED:
            self.refused += 1
        else:
            self.other_errors += 1

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    @property
    def refused_share(self) -> float:
        tried = self.accepted + self.refused + self.other_errors
        return 100 * self.refused / tried if tried else 0.0


def sandbox_number(port: int) -> tuple[str, str]:
    """A sandbox number on the simulator, the template approved, at the top tier: (phone id, token)."""
    phone_id = sandbox.phone_number_id(990_000_001)
    token, _ = sandbox.credentials(settings.simulator_secret, phone_id)
    simulator_call(
        port, "/_simulator/templates", {"phone_number_id": phone_id, "name": "t", "language": "en", "body": TEMPLATE}
    )
    simulator_call(port, f"/_simulator/numbers/{phone_id}", {"throughput": RATE, "messaging_limit": "TIER_UNLIMITED"})
    return phone_id, token


def at_simulator(session: httpx.Client | httpx.AsyncClient, port: int) -> None:
    """pywa has just set the session's base_url to graph.facebook.com: the same path, on the simulator."""
    session.base_url = httpx.URL(f"http://127.0.0.1:{port}").join(session.base_url.path)


def params(i: int) -> list[Any]:
    return [BodyText.params(customer_name=f"Debtor {i}", amount="€ 100.00", due_date="2026-12-01")]


def recipients(first: int, n: int) -> list[str]:
    """Phones none of the other ways wrote to: Meta refuses a second message to one phone within 6 s."""
    return [f"39348{i:07d}" for i in range(first, first + n)]


def sequential(phone_id: str, token: str, port: int, phones: list[str], seconds: float) -> Outcome:
    session = httpx.Client(timeout=30)
    whatsapp = pywa.WhatsApp(phone_id=phone_id, token=token, session=session)
    at_simulator(session, port)
    outcome = Outcome()
    started, cpu = time.perf_counter(), time.process_time()
    for i, phone in enumerate(phones):
        if time.perf_counter() - started > seconds:
            break
        try:
            whatsapp.send_template(to=phone, name="t", language=TemplateLanguage.ENGLISH, params=params(i))
            outcome.count(None)
        except (WhatsAppError, httpx.HTTPError) as error:
            outcome.count(error)
    outcome.seconds, outcome.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    session.close()
    return outcome


async def gathered(phone_id: str, token: str, port: int, phones: list[str], in_flight: int, seconds: float) -> Outcome:
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    session = httpx.AsyncClient(timeout=30, limits=limits)
    whatsapp = pywa_async.WhatsApp(phone_id=phone_id, token=token, session=session)
    at_simulator(session, port)
    outcome = Outcome()
    gate = asyncio.Semaphore(in_flight)
    started, cpu = time.perf_counter(), time.process_time()

    async def send(i: int, phone: str) -> None:
        async with gate:
            if time.perf_counter() - started > seconds:
                return
            try:
                await whatsapp.send_template(to=phone, name="t", language=TemplateLanguage.ENGLISH, params=params(i))
                outcome.count(None)
            except (WhatsAppError, httpx.HTTPError) as error:  # a connection dropped under load, too
                outcome.count(error)

    await asyncio.gather(*(send(i, phone) for i, phone in enumerate(phones)))
    outcome.seconds, outcome.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    await session.aclose()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="sends each way, at most")
    parser.add_argument("--answer-delay", type=float, default=0.0, help="seconds the simulator takes per send")
    parser.add_argument("--seconds", type=float, default=30.0, help="each way stops starting sends after this")
    parser.add_argument("--database", default="", help="only the column make bench reports in: pywa uses none")
    args = parser.parse_args()
    port = free_port()
    simulator = start_simulator(port, args.answer_delay)
    delay = f"answer {args.answer_delay * 1000:.0f} ms"
    print(machine())
    print(f"pywa {pywa.__version__}; up to {args.messages:,} sends each way, {args.seconds:.0f} s at most; {delay}")
    try:
        phone_id, token = sandbox_number(port)
        ways = [("sequential", lambda phones: sequential(phone_id, token, port, phones, args.seconds))]
        ways += [
            (
                f"{k} in flight",
                lambda phones, k=k: asyncio.run(gathered(phone_id, token, port, phones, k, args.seconds)),
            )
            for k in IN_FLIGHT
        ]
        for n, (way, send) in enumerate(ways):
            outcome = send(recipients(n * args.messages, args.messages))
            print(
                f"{way:>12}: {outcome.accepted:,} accepted in {outcome.seconds:.1f} s: {outcome.per_second:,.0f} msg/s;"
                f" refused as over the rate (130429, lost: no retry) {outcome.refused:,}"
                f" ({outcome.refused_share:.1f}%); other errors {outcome.other_errors:,};"
                f" the script's CPU {1000 * outcome.cpu_seconds / max(1, outcome.accepted):.2f} ms a send"
            )
            report(f"pywa: {way}, {delay}", outcome.per_second, "msg/s", database=args.database)
            report(
                f"pywa: refused as over the rate, {way}, {delay}", outcome.refused_share, "%", database=args.database
            )
        seen = simulator_call(port, "/_simulator/stats")
        print(f"the simulator refused {seen['refused_over_throughput']:,} sends as over the rate of {RATE:,}/s")
    finally:
        simulator.terminate()
        simulator.wait()


if __name__ == "__main__":
    main()
