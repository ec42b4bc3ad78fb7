"""Go-live rehearsal (上线演练) of the HTTP API with Locust: province systems, case workers, citizens, auditors.

    make loadtest                                        # seeded store + server + 60 s headless, 20 users
    .venv/bin/python -m loadtests.rehearsal --workers 2  # the same, distributed: one master, two workers

Settings (environment, set by loadtests/rehearsal.py): POOLING_TOKEN_KEY_FILE (the server's signing key: tokens
are issued here with api.auth), LOADTEST_CITIZENS (a file of seeded citizen IDs, one a line), LOADTEST_PAYERS (the
same for the persons contributing in unit 44), LOADTEST_RECORDED_AT (the instant every write is recorded at: the
month after the store's clock, which a simulated store requires), LOADTEST_P99_MS (the p99 budget, default 500),
LOADTEST_SERVER_PID and LOADTEST_RESOURCES (the server process to sample, and the CSV to write).

Weights and rates (a national day scaled down; stated assumptions, not statistics):
- Citizen, weight 20, one request per 1-3 s: reads their own dossier (the heaviest by count: 500 M insured, the
  app is how they see their account).
- CaseWorker, weight 5, one request per 1-2 s: a person's dossier as of a past date (folded from the stream).
- ProvinceSystem, weight 2, one request per 2-4 s: a monthly contribution file (POST /imports, 20 contributions
  to seeded persons insured in unit 44, for the month being recorded; until session 8 this file held enrollments
  of new persons), single enrollments (POST /messages) and transfer requests of seeded persons (which the rules
  may refuse with 409/422: a refusal is a correct answer, not an error).
- Auditor, weight 1, one request per 3-6 s: the national ledger and a unit's trial balance.

Pass/fail (events.quitting): exit code 1 when more than 0.1 % of requests failed or the p99 of all requests is
over LOADTEST_P99_MS. Failures are transport errors and 5xx, or 4xx other than the rules' refusals."""

from __future__ import annotations

import csv
import itertools
import os
import random
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import gevent
import psutil
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from api.auth import issue_token, load_key
from loadtests.load_messages import contribution
from standards.identifiers import make_citizen_id

REFUSALS = {409, 422, 424}  # the rules said no: the system worked
MAX_ERROR_RATE = 0.001
_KEY = load_key(Path(os.environ.get("POOLING_TOKEN_KEY_FILE", "var/token.key")))
_CITIZENS = [
    line.strip() for line in Path(os.environ.get("LOADTEST_CITIZENS", "var/loadtest/citizens.txt")).read_text().split()
]
_PAYERS = [
    line.strip() for line in Path(os.environ.get("LOADTEST_PAYERS", "var/loadtest/payers.txt")).read_text().split()
]
_RECORDED_AT = os.environ.get("LOADTEST_RECORDED_AT", "2026-01-05T09:00:00Z")
_NUMBERS = itertools.count(random.SystemRandom().randrange(10**6))  # distinct per process: serials never collide


def _token(role: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(_KEY, role, ttl=timedelta(hours=4), **claims)}"}


def _enrollment(number: int) -> dict[str, Any]:
    birth = date(1980, 1, 1) + timedelta(days=number // 1000 % 9000)
    return {
        "type": "enrollment",
        "serial": f"LT-{os.getpid()}-{number}",
        "unit": "44",
        "citizen_id": make_citizen_id("44", birth, number % 1000, county="0399"),  # never in the population
        "effective": _RECORDED_AT[:10],
        "kind": "employee",
        "employer_uscc": "91440100000000043H",
        "name": "演练",
        "hukou_unit": "44",
        "category": "worker",
        "recorded_at": _RECORDED_AT,
    }


# The payers in turn, from a random place in the list (processes do not share it).
_PAYING = itertools.islice(itertools.cycle(_PAYERS), random.SystemRandom().randrange(max(len(_PAYERS), 1)), None)


class _Base(HttpUser):
    abstract = True

    def _get(self, url: str, name: str) -> None:
        with self.client.get(url, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code >= 400 and response.status_code not in REFUSALS:
                response.failure(f"{response.status_code}")
            else:
                response.success()


class Citizen(_Base):
    """A citizen reading their own dossier (token bound to their citizen ID)."""

    weight = 20
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.citizen = random.choice(_CITIZENS)
        self.headers = _token("citizen", citizen_id=self.citizen)

    @task
    def own_dossier(self) -> None:
        self._get(f"/api/v1/persons/{self.citizen}/dossier", "citizen dossier")


class CaseWorker(_Base):
    """A ministry case worker answering a question about a past date."""

    weight = 5
    wait_time = between(1, 2)

    def on_start(self) -> None:
        self.headers = _token("ministry")

    @task
    def dossier_as_of(self) -> None:
        citizen = random.choice(_CITIZENS)
        self._get(f"/api/v1/persons/{citizen}/dossier?as_of=2024-06-30", "dossier as of")


class ProvinceSystem(_Base):
    """Guangdong's system: contribution files, single messages, transfers."""

    weight = 2
    wait_time = between(2, 4)

    def on_start(self) -> None:
        self.headers = _token("province", unit="44")

    def _post(self, url: str, name: str, **kwargs: Any) -> None:
        with self.client.post(url, headers=self.headers, name=name, catch_response=True, **kwargs) as response:
            if response.status_code >= 400 and response.status_code not in REFUSALS:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            else:
                response.success()

    @task(1)
    def monthly_file(self) -> None:
        """A file of 20 contributions for the month being recorded, each to a person insured in unit 44 (the next
        20 of the list, from a random start per process: two processes, or a pass around a short list, may pay a
        month twice, which the rules refuse with 409, as they would a province's resent file)."""
        import orjson

        lines = b"\n".join(
            orjson.dumps(contribution(f"LT-C-{os.getpid()}-{next(_NUMBERS)}", next(_PAYING), _RECORDED_AT))
            for _ in range(20)
        )
        headers = {**self.headers, "Content-Type": "application/x-ndjson"}
        with self.client.post(
            "/api/v1/imports", data=lines, headers=headers, name="import contribution file", catch_response=True
        ) as response:
            if response.status_code != 202:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(4)
    def enrollment(self) -> None:
        self._post("/api/v1/messages", "message enrollment", json=_enrollment(next(_NUMBERS)))

    @task(1)
    def transfer_request(self) -> None:
        citizen = random.choice(_CITIZENS)
        body = {
            "type": "transfer_request",
            "serial": f"LT-T-{os.getpid()}-{next(_NUMBERS)}",
            "unit": "44",
            "citizen_id": citizen,
            "from_unit": "32",
            "recorded_at": _RECORDED_AT,
        }
        self._post("/api/v1/messages", "message transfer_request", json=body)


class Auditor(_Base):
    """An auditor reading the ledgers."""

    weight = 1
    wait_time = between(3, 6)

    def on_start(self) -> None:
        self.headers = _token("auditor")

    @task
    def ledgers(self) -> None:
        self._get("/api/v1/ledgers/national", "ledger national")
        self._get("/api/v1/ledgers/units/44", "ledger unit")


def _sample(environment: Environment, pid: int, path: Path) -> None:
    """Every 2 s: the server's CPU % and resident memory (and the machine's CPU), into a CSV."""
    process = psutil.Process(pid)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seconds", "server_cpu_percent", "server_rss_mb", "machine_cpu_percent", "rps"])
        process.cpu_percent()
        while True:
            gevent.sleep(2)
            try:
                cpu, rss = process.cpu_percent(), process.memory_info().rss / 2**20
            except psutil.Error:
                return
            rps = environment.stats.total.current_rps
            writer.writerow([round(time.time() - started), cpu, round(rss, 1), psutil.cpu_percent(), round(rps, 1)])
            handle.flush()


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    pid = os.environ.get("LOADTEST_SERVER_PID")
    if pid and not isinstance(environment.runner, WorkerRunner):
        target = Path(os.environ.get("LOADTEST_RESOURCES", "var/loadtest/resources.csv"))
        gevent.spawn(_sample, environment, int(pid), target)


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return  # the master decides
    total = environment.stats.total
    budget = float(os.environ.get("LOADTEST_P99_MS", "500"))
    p99 = total.get_response_time_percentile(0.99) or 0.0
    rate = total.fail_ratio
    verdict = rate <= MAX_ERROR_RATE and p99 <= budget
    print(
        f"rehearsal: {total.num_requests} requests, error rate {100 * rate:.3f} % (max 0.1 %), "
        f"p99 {p99:.0f} ms (budget {budget:.0f} ms): {'PASS' if verdict else 'FAIL'}"
    )
    if not verdict:
        environment.process_exit_code = 1
    _ = MasterRunner  # the master runs this listener too (a local runner is neither master nor worker)
