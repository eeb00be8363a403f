"""The people of the web-page stories, and the Emissary reports they do or do not see.

alice is on Emissary's security team (preset envoy); bob leads the fix of one report and is on
no team; charlie can log in and has no role anywhere; rita is Emissary's release manager (she
sees its reports once published); dora works for Debian, a distributor (she sees notices only).
Reports are made through the services at whatever time the test froze, so their deadlines are
dated from then.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import Distributor, Project, Report, StateChoices, TeamRole
from vulndesk.desk.services.reports import create_report

LEAK_TITLE = "Admin token leaks into access logs"
CRASH_TITLE = "Crafted header crashes the proxy"


@dataclass(frozen=True)
class Cast:
    alice: User
    bob: User
    charlie: User
    rita: User
    dora: User
    debian: Distributor
    emissary: Project
    leak: Report  # EMISSARY-1: bob has no part in it
    crash: Report  # EMISSARY-2: bob is its Fix Lead


def file_report(
    project: Project, title: str, *, actor: User | None, description: str = ""
) -> Report:
    return create_report(
        project,
        title=title,
        description=description or "Steps to reproduce are attached.",
        reporter_name="Dana Reporter",
        reporter_email="dana@example.org",
        actor=actor,
    )


def publish(report: Report, **fields: object) -> Report:
    """As the `published` transition leaves it: the embargo is over from now on."""
    Report.objects.filter(pk=report.pk).update(
        state=StateChoices.PUBLISHED, published_at=timezone.now(), **fields
    )
    report.refresh_from_db()
    return report


def make_cast() -> Cast:
    alice, bob, charlie = make_user("alice"), make_user("bob"), make_user("charlie")
    emissary = make_project("emissary", preset="envoy")
    make_member(emissary, alice, TeamRole.SECURITY_TEAM)
    rita, dora = make_user("rita"), make_user("dora")
    make_member(emissary, rita, TeamRole.RELEASE_MANAGER)
    debian = Distributor.objects.create(slug="debian", name="Debian", email="security@debian.org")
    debian.members.add(dora)
    leak = file_report(emissary, LEAK_TITLE, actor=alice)
    crash = file_report(emissary, CRASH_TITLE, actor=alice)
    # No service assigns a Fix Lead yet; set it as the assignment would.
    Report.objects.filter(pk=crash.pk).update(fix_lead=bob)
    crash.refresh_from_db()
    return Cast(
        alice=alice,
        bob=bob,
        charlie=charlie,
        rita=rita,
        dora=dora,
        debian=debian,
        emissary=emissary,
        leak=leak,
        crash=crash,
    )
