"""How fast is the report list API against a hand-written floor, under load, over 100k reports?

Seeds a new database (SQLite in a new temporary data directory, or the new, empty PostgreSQL
database named by VULNDESK_BENCH_DATABASE_URL) with --reports reports over 100 projects, and a
security-team member of 20 of them with an API token. One gunicorn (same workers for both)
serves vulndesk plus the floor view of bench/api_urls.py: the same first page of the same rows
from one hand-written SQL statement and json.dumps. wrk then drives each with 16 connections
for a fixed time, in turns, and the run prints requests/s, p50 and p99 and the ratio.

    .venv/bin/python bench/api.py [--reports 100000] [--seconds 10] [--rounds 2] [--workers 2]

wrk must be installed (`apt-get install -y wrk`): a Python load generator would be slower
than the server it measures.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

# Never the operator's own database: a new data directory, or a database named for the bench.
os.environ["DJANGO_SETTINGS_MODULE"] = "api_settings"
os.environ["VULNDESK_SECRET_KEY"] = "bench-only"  # noqa: S105
os.environ["VULNDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="vulndesk-bench-")
os.environ["VULNDESK_DATABASE_URL"] = os.environ.get("VULNDESK_BENCH_DATABASE_URL", "")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from vulndesk.accounts.tokens import issue_token  # noqa: E402
from vulndesk.desk.models import Project, Report, TeamMember, TeamRole  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
STATES = ("received", "triaging", "accepted", "fixing", "scheduled", "published", "closed")
SEVERITIES = ("", "low", "medium", "high", "critical")
PAGE = 50
CONNECTIONS = 16


def seed(count: int, now: datetime) -> str:
    """Bulk rows, not the services: the subject is the read. Returns the member's raw token."""
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        projects = Project.objects.bulk_create(
            Project(slug=f"project-{i}", name=f"Project {i}", preset="envoy") for i in range(100)
        )
        member = User.objects.create_user("sam", "sam@example.org")
        TeamMember.objects.bulk_create(
            TeamMember(project=project, user=member, role=TeamRole.SECURITY_TEAM)
            for project in projects[::5]
        )
        batch = 10_000
        for start in range(0, count, batch):
            Report.objects.bulk_create(
                Report(
                    project=projects[n % 100],
                    number=n // 100 + 1,
                    title=f"Report {n}: crafted input crashes the parser",
                    state=STATES[n % len(STATES)],
                    severity=SEVERITIES[n % len(SEVERITIES)],
                    cvss_score=Decimal(n % 100) / 10 if n % len(SEVERITIES) else None,
                    # Several reports share each second, so the id has to break ties.
                    received_at=now - timedelta(seconds=n // 3),
                    published_at=now if STATES[n % len(STATES)] == "published" else None,
                )
                for n in range(start, min(start + batch, count))
            )
    token = issue_token(member, name="bench", scope="read", lifetime=timedelta(days=1))[1]
    with connection.cursor() as cursor:
        # Fresh statistics, as a live database has: both plans are chosen knowing the rows.
        cursor.execute("ANALYZE")
    return token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    command += ["--pythonpath", str(BENCH_DIR), "--log-level", "warning", "vulndesk.wsgi"]
    server = subprocess.Popen(command, env=os.environ.copy())  # noqa: S603
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit("gunicorn did not start")


def fetch(url: str, token: str) -> list[str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return [item["key"] for item in json.load(response)["items"]]


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def load(url: str, token: str, seconds: int) -> Run:
    """wrk's figures for `url` under CONNECTIONS connections for `seconds`."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    command += ["-H", f"Authorization: Bearer {token}", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx" in out:
        sys.exit(f"{url} answered errors under load:\n{out}")

    def percentile(name: str) -> float:
        found = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if found is None:
            sys.exit(f"no {name}th percentile in wrk's output:\n{out}")
        return float(found[1]) * UNITS[found[2]]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        sys.exit(f"no requests/s in wrk's output:\n{out}")
    return Run(float(rps[1]), percentile("50"), percentile("99"))


def summary(name: str, runs: list[Run]) -> Run:
    middle = Run(
        statistics.median(run.rps for run in runs),
        statistics.median(run.p50_ms for run in runs),
        statistics.median(run.p99_ms for run in runs),
    )
    print(
        f"{name:<34} {middle.rps:8.0f} req/s   p50 {middle.p50_ms:6.1f} ms   "
        f"p99 {middle.p99_ms:6.1f} ms"
    )
    return middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `apt-get install -y wrk`, then run this again")
    started = time.perf_counter()
    token = seed(args.reports, datetime.now(UTC))
    seconds = time.perf_counter() - started
    print(f"seeded {args.reports} reports on {connection.vendor} in {seconds:.1f} s")
    connection.close()
    port = free_port()
    server = start_server(port, args.workers)
    try:
        api = f"http://127.0.0.1:{port}/api/v1/reports?limit={PAGE}"
        floor = f"http://127.0.0.1:{port}/bench/floor?limit={PAGE}"
        page = fetch(api, token)
        if len(page) != PAGE or page != fetch(floor, token):
            sys.exit("the API and the floor disagree: the benchmark compares nothing")
        print(
            f"first page of {PAGE}, {CONNECTIONS} connections, {args.workers} gunicorn workers, "
            f"{args.rounds} x {args.seconds} s each, taking turns (medians)"
        )
        load(api, token, 2), load(floor, token, 2)  # warm both up
        api_runs, floor_runs = [], []
        for _ in range(args.rounds):
            floor_runs.append(load(floor, token, args.seconds))
            api_runs.append(load(api, token, args.seconds))
        base = summary("floor (hand-written SQL, json)", floor_runs)
        ours = summary("vulndesk GET /api/v1/reports", api_runs)
        print(f"ratio API/floor: {ours.rps / base.rps:.2f}x requests/s")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
