"""A project's private distributors list (KAR-36, FOLIO-6, FOLIO-14, FOLIO-Q3, VIT-27).

Karmada runs the list by application. kim is on its security team; dora speaks for Debian and
applies; ruth speaks for Red Hat; charlie has no role anywhere. Vitess has no list (VIT-27).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, Distributor, Project, TeamRole
from vulndesk.desk.models.distributor import DistributorMembership, MembershipState
from vulndesk.desk.services import distributors
from vulndesk.desk.services.announcements import plan_announcements
from vulndesk.desk.services.distributors import DistributorError
from vulndesk.notify.models import OutboundEmail

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]

TERMS = "Keep every detail to your security team until the Release Date."


@pytest.fixture
def kim() -> User:
    return make_user("kim")


@pytest.fixture
def karmada(kim: User) -> Project:
    project = make_project("karmada")
    make_member(project, kim, TeamRole.SECURITY_TEAM)
    return project


@pytest.fixture
def dora() -> User:
    return make_user("dora")


def apply_as(user: User, project: Project, name: str = "Debian") -> DistributorMembership:
    return distributors.apply(
        project,
        organisation=name,
        email=f"security@{name.lower()}.example",
        statement="We ship Karmada to thousands of clusters.",
        actor=user,
    )


def test_kar_36_an_application_is_decided_by_the_security_team(
    karmada: Project, kim: User, dora: User
) -> None:
    membership = apply_as(dora, karmada)
    assert membership.state == MembershipState.APPLIED
    assert list(membership.distributor.members.all()) == [dora]
    decided = distributors.decide(membership, approve=True, reason="", actor=kim)
    assert (decided.state, decided.decided_by) == (MembershipState.APPROVED, kim)
    actions = list(
        AuditEvent.objects.filter(project=karmada).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["distributors.applied", "distributors.approved"]
    with pytest.raises(DistributorError, match="already decided"):
        distributors.decide(decided, approve=False, reason="changed our mind", actor=kim)


def test_a_decline_needs_a_reason_the_applicant_reads(
    client: Client, karmada: Project, kim: User, dora: User
) -> None:
    membership = apply_as(dora, karmada)
    with pytest.raises(DistributorError, match="reason: say why"):
        distributors.decide(membership, approve=False, reason=" ", actor=kim)
    membership.refresh_from_db()
    assert membership.state == MembershipState.APPLIED
    distributors.decide(membership, approve=False, reason="Not a distributor of Karmada", actor=kim)
    sign_in(client, dora)
    html = client.get(reverse("distributors-join", kwargs={"project": "karmada"})).content.decode()
    assert "Debian: declined (Not a distributor of Karmada)" in html


def test_an_application_states_who_applies_and_why(karmada: Project, dora: User) -> None:
    with pytest.raises(DistributorError) as refused:
        distributors.apply(karmada, organisation=" ", email="", statement="", actor=dora)
    assert str(refused.value).split("; ") == [
        "organisation: give the organisation's name",
        "statement: say who you are and why you need advance notice",
    ]
    assert not Distributor.objects.exists()


def test_an_organisation_applies_once_and_again_after_a_decline(
    karmada: Project, kim: User, dora: User
) -> None:
    first = apply_as(dora, karmada)
    with pytest.raises(DistributorError, match="Debian has already applied; the security team"):
        apply_as(dora, karmada)
    distributors.decide(first, approve=False, reason="Tell us more", actor=kim)
    again = apply_as(dora, karmada)
    assert (again.pk, again.state, again.decision_reason) == (first.pk, "applied", "")
    assert Distributor.objects.count() == 1
    distributors.decide(again, approve=True, reason="", actor=kim)
    with pytest.raises(DistributorError, match="Debian is on the list already; nothing to do"):
        apply_as(dora, karmada)


def test_vit_27_a_project_without_a_list_takes_no_application_and_no_terms(
    dora: User, kim: User
) -> None:
    vitess = make_project("vitess")
    with pytest.raises(DistributorError, match="VIT-27"):
        apply_as(dora, vitess)
    with pytest.raises(DistributorError, match="VIT-27"):
        distributors.publish_terms(vitess, TERMS, actor=kim)
    assert not DistributorMembership.objects.exists()


def test_folio_q3_an_invitation_only_list_takes_no_application(dora: User, kim: User) -> None:
    project = make_project("folio", policy_overrides={"distributors": {"membership": "invitation"}})
    with pytest.raises(DistributorError, match="invitation only"):
        apply_as(dora, project)
    membership = distributors.invite(
        project, organisation="Debian", email="security@debian.org", member=dora, actor=kim
    )
    assert membership.state == MembershipState.APPROVED
    assert list(membership.distributor.members.all()) == [dora]
    assert AuditEvent.objects.get(action="distributors.invited").data == {
        "distributor": "debian",
        "member": "dora",
    }


def test_terms_are_versioned_and_an_old_acceptance_binds_to_nothing_new(
    karmada: Project, kim: User, dora: User
) -> None:
    membership = distributors.decide(apply_as(dora, karmada), approve=True, reason="", actor=kim)
    assert not membership.may_receive(distributors.current_terms(karmada))
    v1 = distributors.publish_terms(karmada, TERMS, actor=kim)
    assert distributors.publish_terms(karmada, TERMS + "\n", actor=kim) == v1  # same text
    accepted = distributors.accept_terms(membership, digest=v1.digest, actor=dora)
    assert (accepted.terms, accepted.terms_accepted_by) == (v1, dora)
    assert accepted.terms_accepted_at == T0
    assert accepted.may_receive(v1)
    v2 = distributors.publish_terms(karmada, TERMS + " Tell us of any leak.", actor=kim)
    assert v2.version == 2
    assert not accepted.may_receive(v2)
    with pytest.raises(DistributorError, match="changed while you read them"):
        distributors.accept_terms(accepted, digest=v1.digest, actor=dora)
    event = AuditEvent.objects.get(action="distributors.terms_accepted")
    assert event.data == {"distributor": "debian", "version": 1, "digest": v1.digest}


def test_an_organisation_applies_and_accepts_the_terms_on_the_public_page(
    client: Client, karmada: Project, kim: User, dora: User
) -> None:
    terms = distributors.publish_terms(karmada, TERMS, actor=kim)
    page = reverse("distributors-join", kwargs={"project": "karmada"})
    html = client.get(page).content.decode()
    assert "Private Distributors List of Karmada" in html
    assert TERMS in html
    assert "Log in</a> to apply" in html
    sign_in(client, dora)
    response = client.post(
        reverse("distributors-apply", kwargs={"project": "karmada"}),
        {"organisation": "Debian", "email": "security@debian.org", "statement": "We ship it."},
    )
    assert response.status_code == 302
    membership = DistributorMembership.objects.get()
    distributors.decide(membership, approve=True, reason="", actor=kim)
    html = client.get(page).content.decode()
    assert "Accept terms version 1 for Debian" in html
    response = client.post(
        reverse("distributors-accept-terms", kwargs={"project": "karmada"}),
        {"membership": membership.pk, "digest": terms.digest},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.terms == terms
    assert "accepted terms version 1" in client.get(page).content.decode()


def test_a_refused_application_keeps_what_was_typed(
    client: Client, karmada: Project, dora: User
) -> None:
    sign_in(client, dora)
    response = client.post(
        reverse("distributors-apply", kwargs={"project": "karmada"}),
        {"organisation": "Debian", "email": "not an address", "statement": "We ship it."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert 'value="Debian"' in html
    assert not Distributor.objects.exists()


def test_nobody_accepts_terms_for_an_organisation_they_do_not_work_for(
    client: Client, karmada: Project, kim: User, dora: User
) -> None:
    terms = distributors.publish_terms(karmada, TERMS, actor=kim)
    membership = apply_as(dora, karmada)
    sign_in(client, make_user("ruth"))
    response = client.post(
        reverse("distributors-accept-terms", kwargs={"project": "karmada"}),
        {"membership": membership.pk, "digest": terms.digest},
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.terms is None


def test_the_members_are_published_only_where_the_policy_says_so(
    client: Client, kim: User, dora: User
) -> None:
    published = make_project(
        "karmada", policy_overrides={"distributors": {"publish_members": True}}
    )
    quiet = make_project("folio")
    for project in (published, quiet):
        distributors.decide(apply_as(dora, project), approve=True, reason="", actor=kim)
    apply_as(make_user("ruth"), published, "Red Hat")  # not approved: never listed
    html = client.get(reverse("distributors-join", kwargs={"project": "karmada"})).content
    assert b'id="members-h"' in html
    assert b"<li>Debian</li>" in html
    assert b"Red Hat" not in html
    html = client.get(reverse("distributors-join", kwargs={"project": "folio"})).content
    assert b'id="members-h"' not in html
    assert b"Debian" not in html


def test_the_security_team_decides_and_publishes_terms_on_its_page(
    client: Client, karmada: Project, kim: User, dora: User
) -> None:
    membership = apply_as(dora, karmada)
    sign_in(client, kim)
    page = reverse("project-distributors", kwargs={"slug": "karmada"})
    html = client.get(page).content.decode()
    assert "We ship Karmada to thousands of clusters." in html
    decision = reverse(
        "project-distributors-decision", kwargs={"slug": "karmada", "pk": membership.pk}
    )
    response = client.post(decision, {"approve": "no", "reason": ""})
    assert response.status_code == 400
    assert "say why the application is declined" in response.content.decode()
    assert client.post(decision, {"approve": "yes", "reason": ""}).status_code == 302
    response = client.post(
        reverse("project-distributors-terms", kwargs={"slug": "karmada"}), {"text": TERMS}
    )
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert "not accepted: receives nothing" in html
    assert "In force: version 1" in html


def test_only_the_security_team_opens_its_distributors_page(
    client: Client, karmada: Project, dora: User
) -> None:
    page = reverse("project-distributors", kwargs={"slug": "karmada"})
    assert client.get(page).status_code == 302
    sign_in(client, dora)
    assert client.get(page).status_code == 404
    maintainer = make_user("max")
    make_member(karmada, maintainer, TeamRole.MAINTAINER)
    sign_in(client, maintainer)
    assert client.get(page).status_code == 403


def test_the_security_team_invites_an_organisation_from_its_page(
    client: Client, kim: User, dora: User
) -> None:
    make_project("folio", policy_overrides={"distributors": {"membership": "invitation"}})
    make_member(Project.objects.get(slug="folio"), kim, TeamRole.SECURITY_TEAM)
    sign_in(client, kim)
    url = reverse("project-distributors-invite", kwargs={"slug": "folio"})
    response = client.post(url, {"organisation": "Debian", "email": "", "member": "nobody"})
    assert response.status_code == 400
    assert "no user named &#x27;nobody&#x27;" in response.content.decode()
    assert not DistributorMembership.objects.exists()
    response = client.post(url, {"organisation": "Debian", "email": "", "member": "dora"})
    assert response.status_code == 302
    assert DistributorMembership.objects.get().state == MembershipState.APPROVED
    public = client.get(reverse("distributors-join", kwargs={"project": "folio"})).content
    assert b"Membership is by invitation of the security team." in public
    assert b'id="apply-h"' not in public


def test_kar_33_an_organisation_bound_after_the_date_was_set_gets_the_advance_notice_at_once(
    karmada: Project, kim: User, dora: User
) -> None:
    """Issue 8 item 2, KAR-33, KAR-36: accepting the terms (or being approved after accepting
    them) plans the open reports again; the new organisation's notice is queued once."""
    release_date = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)
    report = make_report(
        karmada, state="fix_ready", cve_id="CVE-2024-1234", release_date=release_date
    )
    make_report(karmada, state="fix_ready", cve_id="CVE-2024-1235")  # no date: nothing owed yet
    terms = distributors.publish_terms(karmada, TERMS, actor=kim)
    notices = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DISTRIBUTOR_NOTICE)
    assert not notices.exists()

    debian = distributors.decide(apply_as(dora, karmada), approve=True, reason="", actor=kim)
    assert not notices.exists()  # approved, but not bound by the terms yet
    distributors.accept_terms(debian, digest=terms.digest, actor=dora)
    [notice] = notices.all()
    assert (notice.report, notice.to, notice.send_after) == (
        report,
        "security@debian.example",
        T0,
    )
    assert "CVE-2024-1234" in notice.body

    # Accepting again, or planning again, owes nothing more.
    distributors.accept_terms(debian, digest=terms.digest, actor=dora)
    plan_announcements(report)
    assert notices.count() == 1

    # Red Hat accepts the terms first and is approved afterwards: told at the approval.
    ruth = make_user("ruth")
    red_hat = apply_as(ruth, karmada, "RedHat")
    distributors.accept_terms(red_hat, digest=terms.digest, actor=ruth)
    assert notices.count() == 1
    distributors.decide(red_hat, approve=True, reason="", actor=kim)
    assert sorted(notices.values_list("to", flat=True)) == [
        "security@debian.example",
        "security@redhat.example",
    ]


def test_kar_36_new_terms_supersede_what_members_bound_by_the_old_ones_were_owed(
    karmada: Project, kim: User, dora: User
) -> None:
    """KAR-36: publishing a new version of the terms plans the open reports again: a member
    bound only by the old version is owed nothing embargoed, so its waiting notices are
    superseded, and owed again once it accepts the new text."""
    make_report(
        karmada,
        state="fix_ready",
        cve_id="CVE-2024-1234",
        release_date=datetime(2024, 6, 20, 12, 0, tzinfo=UTC),
    )
    terms = distributors.publish_terms(karmada, TERMS, actor=kim)
    debian = distributors.decide(apply_as(dora, karmada), approve=True, reason="", actor=kim)
    distributors.accept_terms(debian, digest=terms.digest, actor=dora)

    def to_debian() -> list[str]:
        emails = OutboundEmail.objects.filter(to="security@debian.example").order_by("kind")
        return [f"{email.kind} {email.state}" for email in emails]

    owed = ["distributor_24h_notice", "distributor_notice"]
    assert to_debian() == [f"{kind} scheduled" for kind in owed]

    v2 = distributors.publish_terms(karmada, TERMS + " Also the patches.", actor=kim)
    assert to_debian() == [f"{kind} superseded" for kind in owed]

    distributors.accept_terms(debian, digest=v2.digest, actor=dora)
    assert to_debian() == [f"{kind} scheduled" for kind in owed]
