"""How fast is "what is due or overdue now" over 100k reports?

Seeds a new database (SQLite in a new temporary data directory, or the new, empty PostgreSQL
database named by VULNDESK_BENCH_DATABASE_URL) with --reports reports of which a tenth are
still open, then times `Deadline.objects.due_by()` (what `vulndesk deadlines` runs) against
a hand-written SQL query over the same tables as the floor, in the same run.

    .venv/bin/python bench/deadlines.py [--reports 100000] [--repeat 7]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

# Never the operator's own database: a new data directory, or a database named for the bench.
os.environ["DJANGO_SETTINGS_MODULE"] = "vulndesk.settings"
os.environ["VULNDESK_SECRET_KEY"] = "bench-only"  # noqa: S105
os.environ["VULNDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="vulndesk-bench-")
os.environ["VULNDESK_DATABASE_URL"] = os.environ.get("VULNDESK_BENCH_DATABASE_URL", "")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from vulndesk.desk.models import Deadline, Project, Report  # noqa: E402

NAMES = ("fix_team_formed", "fix_developed", "forthcoming_fix_announced", "fix_released")
FLOOR_SQL = """
    SELECT d.id, d.name, d.rule_id, d.due_at, d.asap, r.number, p.slug
    FROM desk_deadline d
    JOIN desk_report r ON r.id = d.report_id
    JOIN desk_project p ON p.id = r.project_id
    WHERE d.met_at IS NULL AND d.due_at <= %s
      AND r.state NOT IN ('rejected', 'duplicate', 'closed')
      AND NOT EXISTS (
        SELECT 1 FROM desk_deadlinepause x WHERE x.deadline_id = d.id AND x.ended_at IS NULL
      )
    ORDER BY d.due_at, d.report_id, d.name
"""


def seed(count: int, now: datetime) -> None:
    """Bulk rows, not the services: the subject here is the read, not a million audit events."""
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        projects = Project.objects.bulk_create(
            Project(slug=f"project-{i}", name=f"Project {i}", preset="envoy") for i in range(100)
        )
        batch = 10_000
        for start in range(0, count, batch):
            reports = Report.objects.bulk_create(
                Report(
                    project=projects[n % 100],
                    number=n // 100 + 1,
                    title=f"Report {n}",
                    state="closed" if n % 10 else "fixing",
                    received_at=now - timedelta(hours=n % 2000),
                )
                for n in range(start, min(start + batch, count))
            )
            Deadline.objects.bulk_create(
                Deadline(
                    report=report,
                    name=name,
                    rule_id="EMI-27",
                    due_at=report.received_at + timedelta(days=3 * i + 1),
                    met_at=None if report.state == "fixing" else report.received_at,
                )
                for report in reports
                for i, name in enumerate(NAMES)
            )


def vulndesk_query(moment: datetime) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in Deadline.objects.due_by(moment).listing()]


def floor_query(moment: datetime) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [moment])
        return list(cursor.fetchall())


def timed(
    query: Callable[[datetime], list[tuple[Any, ...]]], moment: datetime, repeat: int
) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        query(moment)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    now = datetime(2026, 1, 15, 12, tzinfo=UTC)
    started = time.perf_counter()
    seed(args.reports, now)
    seconds = time.perf_counter() - started
    print(f"seeded {args.reports} reports on {connection.vendor} in {seconds:.1f} s")
    moment = now + timedelta(days=7)
    rows = vulndesk_query(moment)
    if [row[0] for row in rows] != [row[0] for row in floor_query(moment)]:
        sys.exit("the two queries disagree: the benchmark compares nothing")
    ours, floor = (
        timed(vulndesk_query, moment, args.repeat),
        timed(floor_query, moment, args.repeat),
    )
    print(f"due or overdue: {len(rows)} deadlines of {Deadline.objects.count()}")
    print(f"floor (hand-written SQL, cursor): {floor * 1000:8.1f} ms  (median of {args.repeat})")
    print(f"vulndesk (Deadline.objects.due_by): {ours * 1000:8.1f} ms")
    print(f"ratio vulndesk/floor: {ours / floor:.2f}")


if __name__ == "__main__":
    main()
