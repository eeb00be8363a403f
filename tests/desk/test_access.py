"""desk.access, rule by rule: who sees which report, who may act on it, and what embargo means.

Each role is a named person of the Emissary project (preset envoy) unless said otherwise:
alice — security team; rita — release manager; fiona — on the Fix Team of the leak report;
dave — works for a distributor; charlie — signed in, no role; olga — operator.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404
from django.utils import timezone

from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk import access
from vulndesk.desk.models import (
    Distributor,
    DistributorNotice,
    FixTeamMember,
    Project,
    Report,
    ReporterLink,
    StateChoices,
    TeamRole,
)
from vulndesk.lib.tokens import new_token

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class People:
    alice: User
    rita: User
    fiona: User
    dave: User
    charlie: User
    olga: User
    emissary: Project
    leak: Report  # embargoed; fiona's Fix Team works on it
    crash: Report  # embargoed; nobody but the security team
    published: Report


def publish(report: Report) -> Report:
    Report.objects.filter(pk=report.pk).update(
        state=StateChoices.PUBLISHED, published_at=timezone.now()
    )
    report.refresh_from_db()
    return report


@pytest.fixture
def people() -> People:
    alice, rita, fiona, dave, charlie = (
        make_user(name) for name in ("alice", "rita", "fiona", "dave", "charlie")
    )
    olga = User.objects.create_superuser("olga", "olga@example.org", "password")
    emissary = make_project("emissary", preset="envoy")
    make_member(emissary, alice, TeamRole.SECURITY_TEAM)
    make_member(emissary, rita, TeamRole.RELEASE_MANAGER)
    leak, crash = make_report(emissary), make_report(emissary)
    FixTeamMember.objects.create(report=leak, user=fiona, accepted_at=timezone.now())
    distributor = Distributor.objects.create(slug="distro", name="Distro Inc.")
    distributor.members.add(dave)
    DistributorNotice.objects.create(report=crash, distributor=distributor, subject="s", body="b")
    return People(
        alice,
        rita,
        fiona,
        dave,
        charlie,
        olga,
        emissary,
        leak,
        crash,
        publish(make_report(emissary)),
    )


def visible(user: User | AnonymousUser) -> set[int]:
    return set(access.reports_visible_to(user).values_list("pk", flat=True))


def test_embargo_has_one_meaning_in_queries_and_on_the_row(people: People) -> None:
    embargoed = set(Report.objects.embargoed().values_list("pk", flat=True))
    assert embargoed == {r.pk for r in Report.objects.all() if r.is_embargoed}
    assert embargoed == {people.leak.pk, people.crash.pk}
    assert people.published.pk in set(Report.objects.published().values_list("pk", flat=True))


def test_the_security_team_and_the_operator_see_every_report_of_the_project(
    people: People,
) -> None:
    every = {people.leak.pk, people.crash.pk, people.published.pk}
    assert visible(people.alice) == every
    assert visible(people.olga) == every


def test_a_fix_team_member_sees_their_report_and_nothing_else(people: People) -> None:
    assert visible(people.fiona) == {people.leak.pk}


def test_an_invited_fix_team_member_sees_nothing_until_they_accept(people: People) -> None:
    FixTeamMember.objects.filter(user=people.fiona).update(accepted_at=None)
    assert visible(people.fiona) == set()


def test_fix_team_access_ends_when_membership_ends(people: People) -> None:
    """EMI-7's end of access is a date on the row, not a deleted row."""
    FixTeamMember.objects.filter(user=people.fiona).update(ended_at=timezone.now())
    assert visible(people.fiona) == set()
    assert FixTeamMember.objects.filter(user=people.fiona).exists()


def test_a_release_manager_sees_published_reports_only(people: People) -> None:
    assert visible(people.rita) == {people.published.pk}


def test_a_release_manager_on_the_fix_team_sees_that_embargoed_report(people: People) -> None:
    FixTeamMember.objects.create(report=people.crash, user=people.rita, accepted_at=timezone.now())
    assert visible(people.rita) == {people.published.pk, people.crash.pk}


def test_distributors_outsiders_and_anonymous_see_no_report(people: People) -> None:
    assert visible(people.dave) == set()
    assert visible(people.charlie) == set()
    assert visible(AnonymousUser()) == set()


def test_a_deactivated_security_team_member_sees_nothing(people: People) -> None:
    User.objects.filter(pk=people.alice.pk).update(is_active=False)
    people.alice.refresh_from_db()
    assert visible(people.alice) == set()


def test_leaving_the_security_team_ends_access(people: People) -> None:
    people.alice.memberships.update(left_at=timezone.now())
    assert visible(people.alice) == set()


def test_everyone_reads_published_advisories_and_nothing_embargoed(people: People) -> None:
    for user in (AnonymousUser(), people.charlie, people.dave):
        advisories = set(access.advisories_visible_to(user).values_list("pk", flat=True))
        assert advisories == {people.published.pk}


def test_only_the_security_team_and_fix_lead_triage(people: People) -> None:
    assert access.can_triage(people.alice, people.leak)
    assert not access.can_triage(people.fiona, people.leak)
    assert not access.can_triage(people.rita, people.published)
    Report.objects.filter(pk=people.crash.pk).update(fix_lead=people.charlie)
    assert access.can_triage(people.charlie, people.crash)
    assert not access.can_triage(people.charlie, people.leak)


def test_the_fix_team_records_affects_and_comments_on_its_own_report_only(people: People) -> None:
    assert access.can_edit_affects(people.fiona, people.leak)
    assert access.can_comment(people.fiona, people.leak)
    assert not access.can_edit_affects(people.fiona, people.crash)
    assert not access.can_comment(people.fiona, people.crash)


def test_project_settings_belong_to_its_security_team(people: People) -> None:
    assert access.can_manage_project(people.alice, people.emissary)
    assert access.can_manage_project(people.olga, people.emissary)
    assert not access.can_manage_project(people.rita, people.emissary)
    assert set(access.projects_visible_to(people.rita)) == {people.emissary}
    assert set(access.projects_visible_to(people.fiona)) == set()


def test_a_distributor_sees_its_own_notices_and_the_team_sees_its_reports_notices(
    people: People,
) -> None:
    other = Distributor.objects.create(slug="other", name="Other Ltd.")
    mine = access.notices_visible_to(people.dave).get()
    DistributorNotice.objects.create(report=people.crash, distributor=other, subject="x", body="y")
    assert list(access.notices_visible_to(people.dave)) == [mine]
    assert access.notices_visible_to(people.alice).count() == 2
    assert access.notices_visible_to(people.charlie).count() == 0
    assert access.can_acknowledge_notice(people.dave, mine)
    assert not access.can_acknowledge_notice(people.alice, mine)


def test_a_reporter_link_opens_its_report_until_revoked(people: People) -> None:
    raw, token_digest = new_token("vdr")
    link = ReporterLink.objects.create(report=people.leak, token_digest=token_digest)
    assert access.report_for_reporter_link(raw) == people.leak
    with pytest.raises(Http404):
        access.report_for_reporter_link(raw + "x")
    link.revoked_at = datetime(2026, 1, 1, tzinfo=UTC)
    link.save()
    with pytest.raises(Http404):
        access.report_for_reporter_link(raw)


def test_operators_and_security_team_members_need_a_second_factor(people: People) -> None:
    assert access.needs_two_factor(people.alice)
    assert access.needs_two_factor(people.olga)
    for user in (people.rita, people.fiona, people.dave, people.charlie, AnonymousUser()):
        assert not access.needs_two_factor(user)


def test_a_maintainer_is_on_the_security_team_where_the_policy_says_so(people: People) -> None:
    """VIT-1: Vitess's security team is its maintainers."""
    vitess = make_project("vitess")
    maintainer = make_user("max")
    make_member(vitess, maintainer, TeamRole.MAINTAINER)
    report = make_report(vitess)
    assert report.pk in visible(maintainer)
    assert access.needs_two_factor(maintainer)
