"""How fast is a report page whose notice went to 500 organisations, against a bare Django view?

Seeds a new database (SQLite in a new temporary data directory, or the new, empty PostgreSQL
database named by VULNDESK_BENCH_DATABASE_URL) with a Karmada project, --organisations approved
distributors (nine in ten accepted the embargo terms and were sent the notice, in every state of
answer) and one report. Then, in one process through the full middleware stack, it times the
security team's report page (with its Distributors section) and the floor of
bench/distributors_urls.py: the same rows from one SQL statement as a bare HTML table. CERT/CC's
VINCE took ~10 s a page at 121 vendors.

    .venv/bin/python bench/distributors.py [--organisations 500] [--repeat 15]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Never the operator's own database: a new data directory, or a database named for the bench.
os.environ["DJANGO_SETTINGS_MODULE"] = "vulndesk.settings"
os.environ["VULNDESK_SECRET_KEY"] = "bench-only"  # noqa: S105
os.environ["VULNDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="vulndesk-bench-")
os.environ["VULNDESK_DATABASE_URL"] = os.environ.get("VULNDESK_BENCH_DATABASE_URL", "")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from vulndesk.desk.models import (  # noqa: E402
    Distributor,
    DistributorNotice,
    Project,
    Report,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.models.distributor import (  # noqa: E402
    DistributorMembership,
    DistributorTerms,
    terms_digest,
)

TERMS = "Keep every detail to your security team until the Release Date."


def seed(count: int, now: datetime) -> tuple[User, Report]:
    """Bulk rows, not the services: the subject is the page that reads them."""
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        project = Project.objects.create(slug="karmada", name="Karmada", preset="karmada")
        kim = User.objects.create_user("kim", "kim@example.org")
        TeamMember.objects.create(project=project, user=kim, role=TeamRole.SECURITY_TEAM)
        TOTPDevice.objects.create(user=kim, name="phone", confirmed=True)
        terms = DistributorTerms.objects.create(
            project=project, version=1, text=TERMS, digest=terms_digest(TERMS)
        )
        report = Report.objects.create(
            project=project,
            number=1,
            title="Crafted manifest escalates privileges",
            state="scheduled",
            release_date=now + timedelta(days=14),
        )
        organisations = Distributor.objects.bulk_create(
            Distributor(slug=f"vendor-{n}", name=f"Vendor {n:04d}", email=f"sec@v{n}.example")
            for n in range(count)
        )
        accepted = [d for n, d in enumerate(organisations) if n % 10]
        DistributorMembership.objects.bulk_create(
            DistributorMembership(
                project=project,
                distributor=d,
                state="approved",
                terms=terms if n % 10 else None,
                terms_accepted_at=now if n % 10 else None,
            )
            for n, d in enumerate(organisations)
        )
        answers = ["", "", "affected", "not_affected", ""]
        DistributorNotice.objects.bulk_create(
            DistributorNotice(
                report=report,
                distributor=d,
                subject="Advance notice",
                body="Patch attached.",
                sent_at=now,
                first_read_at=now if n % 3 else None,
                acknowledged_at=now if n % 4 == 0 else None,
                answer=answers[n % 5],
                statement="we ship 1.10" if answers[n % 5] else "",
            )
            for n, d in enumerate(accepted)
        )
    with connection.cursor() as cursor:
        # Fresh statistics, as a live database has: both plans are chosen knowing the rows.
        cursor.execute("ANALYZE")
    return kim, report


def timed(client: Client, url: str, repeat: int) -> float:
    """The median of `repeat` requests, in milliseconds, after one to warm up."""
    client.get(url)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    kim, report = seed(args.organisations, datetime.now(UTC))
    with override_settings(ROOT_URLCONF="distributors_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(kim)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=kim).persistent_id
        session.save()
        page = report.get_absolute_url()
        floor = f"/bench/floor/{report.project_id}/{report.pk}/"
        html = client.get(page).content.decode()
        if html.count('<tr class="status-') != args.organisations:
            sys.exit("the page does not list every organisation: the benchmark compares nothing")
        ours = timed(client, page, args.repeat)
        base = timed(client, floor, args.repeat)
    print(
        f"{args.organisations} organisations on one notice, {connection.vendor}, "
        f"median of {args.repeat} requests"
    )
    print(f"{'floor (one SQL statement, bare table)':<42} {base:8.1f} ms")
    print(f"{'vulndesk report page':<42} {ours:8.1f} ms")
    print(f"ratio page/floor: {ours / base:.1f}x")


if __name__ == "__main__":
    main()
