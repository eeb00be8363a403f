"""Distributor notices and each organisation's answer (KAR-33, KAR-35, KAR-36, KAR-46, FOLIO-6,
FOLIO-14, VIT-27).

Karmada's list: kim is on its security team. Debian (dora) and SUSE (sam) are approved and
accepted the embargo terms; Red Hat (ruth) is approved but never accepted them; Canonical
applied and waits. A notice goes to Debian and SUSE only; the desk says so for Red Hat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, DistributorNotice, Project, Report, TeamRole
from vulndesk.desk.models.distributor import DistributorMembership, NoticeStatus
from vulndesk.desk.services import distributors, notices
from vulndesk.desk.services.distributors import DistributorError
from vulndesk.notify.models import OutboundEmail

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
RELEASE = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)  # KAR-33's example D
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]

BODY = "Patch: https://git.example.org/karmada/pull/1. Mitigation: disable the webhook."


@dataclass(frozen=True)
class Story:
    kim: User
    dora: User
    sam: User
    ruth: User
    karmada: Project
    report: Report


def join(project: Project, user: User, name: str, kim: User, *, accept: bool) -> None:
    membership = distributors.apply(
        project, organisation=name, email=f"security@{name.lower()}.example",
        statement="We ship Karmada.", actor=user,
    )  # fmt: skip
    distributors.decide(membership, approve=True, reason="", actor=kim)
    if accept:
        terms = distributors.current_terms(project)
        assert terms is not None
        distributors.accept_terms(membership, digest=terms.digest, actor=user)


@pytest.fixture
def story() -> Story:
    return make_story()


def make_story() -> Story:
    kim, dora, sam, ruth = (make_user(name) for name in ("kim", "dora", "sam", "ruth"))
    karmada = make_project("karmada", policy_overrides={"calendar": {"timezone": "Europe/Berlin"}})
    make_member(karmada, kim, TeamRole.SECURITY_TEAM)
    distributors.publish_terms(karmada, "Keep it to your security team.", actor=kim)
    join(karmada, dora, "Debian", kim, accept=True)
    join(karmada, sam, "SUSE", kim, accept=True)
    join(karmada, ruth, "Red Hat", kim, accept=False)
    distributors.apply(
        karmada, organisation="Canonical", email="", statement="Ubuntu", actor=make_user("cal")
    )
    report = make_report(karmada, actor=kim, release_date=RELEASE)
    return Story(kim, dora, sam, ruth, karmada, report)


def send(story: Story) -> notices.Sent:
    return notices.send_notice(
        story.report, subject="Advance notice: Karmada", body=BODY, actor=story.kim
    )


def notice_of(story: Story, user: User) -> DistributorNotice:
    return DistributorNotice.objects.get(report=story.report, distributor__members=user)


def test_kar_46_one_identical_notice_to_every_member_bound_by_the_terms(story: Story) -> None:
    sent = send(story)
    assert (sent.count, sent.held) == (2, ["Red Hat"])
    sent_to = DistributorNotice.objects.filter(report=story.report)
    assert sorted(n.distributor.name for n in sent_to) == ["Debian", "SUSE"]
    assert {(n.subject, n.body) for n in sent_to} == {("Advance notice: Karmada", BODY)}
    event = AuditEvent.objects.get(action="notice.sent")
    assert event.data["to"] == ["debian", "suse"]
    assert event.data["not_sent_terms_not_accepted"] == ["Red Hat"]


def test_a_distributor_without_accepted_terms_receives_nothing_embargoed(story: Story) -> None:
    """Issue 8, bad input; KAR-36, FOLIO-6: Red Hat is approved but accepted no terms, and
    Canonical is not approved; neither can read anything of the report."""
    send(story)
    assert not DistributorNotice.objects.filter(distributor__members=story.ruth).exists()
    assert not DistributorNotice.objects.filter(distributor__name="Canonical").exists()
    rows = {row.distributor.name: row.label for row in notices.status_of(story.report).rows}
    assert rows == {
        "Debian": "not read yet",
        "Red Hat": "not sent: terms not accepted",
        "SUSE": "not read yet",
    }


def test_new_terms_stop_notices_until_accepted_again(story: Story) -> None:
    distributors.publish_terms(story.karmada, "New terms: report leaks in 24 h.", actor=story.kim)
    with pytest.raises(DistributorError, match="nobody to send this to; nothing was sent"):
        send(story)
    assert not DistributorNotice.objects.exists()


def test_vit_27_no_notice_leaves_a_project_without_a_list(story: Story) -> None:
    vitess = make_project("vitess")
    make_member(vitess, story.kim, TeamRole.SECURITY_TEAM)
    report = make_report(vitess, actor=story.kim)
    with pytest.raises(DistributorError, match="VIT-27"):
        notices.send_notice(report, subject="s", body="b", actor=story.kim)
    assert not DistributorNotice.objects.exists()


def status(notice: DistributorNotice) -> NoticeStatus:
    notice.refresh_from_db()
    return notice.status


def test_never_looked_is_never_not_affected(client: Client, story: Story) -> None:
    """Five distinct states, five distinct words; silence counts as no answer."""
    send(story)
    debian, suse = notice_of(story, story.dora), notice_of(story, story.sam)
    assert status(debian) == NoticeStatus.NOT_READ
    sign_in(client, story.dora)
    client.get(reverse("notice-detail", kwargs={"pk": debian.pk}))
    assert status(debian) == NoticeStatus.READ
    notices.acknowledge_notice(debian, actor=story.dora)
    assert status(debian) == NoticeStatus.ACKNOWLEDGED
    notices.answer_notice(
        suse, answer="not_affected", statement="We ship 1.9 only.", actor=story.sam
    )
    assert status(suse) == NoticeStatus.NOT_AFFECTED
    assert suse.acknowledged_at == T0  # an answer is an acknowledgement too
    labels = [each.label for each in NoticeStatus]
    assert len(set(labels)) == len(labels)
    counts = notices.status_of(story.report).counts
    assert counts["not affected"] == 1
    assert counts["acknowledged, not assessed yet"] == 1
    assert counts["not sent: terms not accepted"] == 1


def test_an_organisation_answers_on_its_own_page(client: Client, story: Story) -> None:
    send(story)
    debian = notice_of(story, story.dora)
    sign_in(client, story.dora)
    page = reverse("notice-detail", kwargs={"pk": debian.pk})
    html = client.get(page).content.decode()
    assert "Are you affected?" in html
    assert "Only Debian and the project's security team read this answer." in html
    response = client.post(
        reverse("notice-answer", kwargs={"pk": debian.pk}),
        {"answer": "affected", "statement": "bookworm ships 1.10.2"},
    )
    assert response.status_code == 302
    debian.refresh_from_db()
    assert (debian.answer, debian.statement, debian.answered_by) == (
        "affected",
        "bookworm ships 1.10.2",
        story.dora,
    )
    event = AuditEvent.objects.get(action="notice.answered")
    assert event.data["answer"] == "affected"
    html = client.get(page).content.decode()
    assert "Change your answer" in html
    # SUSE's page is SUSE's: Debian's people cannot read or answer it.
    suse = notice_of(story, story.sam)
    assert client.get(reverse("notice-detail", kwargs={"pk": suse.pk})).status_code == 404
    response = client.post(
        reverse("notice-answer", kwargs={"pk": suse.pk}),
        {"answer": "affected", "statement": "x"},
    )
    assert response.status_code == 404


def test_an_answer_without_a_statement_is_refused_and_kept(client: Client, story: Story) -> None:
    send(story)
    debian = notice_of(story, story.dora)
    sign_in(client, story.dora)
    response = client.post(
        reverse("notice-answer", kwargs={"pk": debian.pk}), {"answer": "not_affected"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert 'value="not_affected" required id="answer_answer_1" checked' in html
    debian.refresh_from_db()
    assert debian.answer == ""


def test_the_security_team_reads_answers_but_does_not_give_them(
    client: Client, story: Story
) -> None:
    send(story)
    debian = notice_of(story, story.dora)
    sign_in(client, story.kim)
    html = client.get(reverse("notice-detail", kwargs={"pk": debian.pk})).content.decode()
    assert "Are you affected?" not in html
    response = client.post(
        reverse("notice-answer", kwargs={"pk": debian.pk}),
        {"answer": "not_affected", "statement": "guess"},
    )
    assert response.status_code == 403
    assert status(debian) == NoticeStatus.NOT_READ  # the team's visit is not the org's reading


def test_the_embargo_end_is_shown_to_the_hour_in_utc_and_the_policy_zone(
    client: Client, story: Story
) -> None:
    send(story)
    sign_in(client, story.dora)
    html = client.get(
        reverse("notice-detail", kwargs={"pk": notice_of(story, story.dora).pk})
    ).content.decode()
    assert '<time datetime="2024-06-30T12:00:00Z" data-local>2024-06-30 12:00 UTC</time>' in html
    assert "(Europe/Berlin: 2024-06-30 14:00 CEST)" in html
    assert "/static/desk/localtime.js" in html  # adds the reader's own zone


def test_the_report_page_shows_every_organisation_at_a_glance(client: Client, story: Story) -> None:
    send(story)
    notices.answer_notice(
        notice_of(story, story.sam), answer="affected", statement="SLE 15 ships it", actor=story.sam
    )
    sign_in(client, story.kim)
    html = client.get(story.report.get_absolute_url()).content.decode()
    section = html[
        html.index('id="distributors"') : html.index("</section>", html.index('id="distributors"'))
    ]
    assert "<li><strong>1</strong> not read yet</li>" in section
    assert "<li><strong>1</strong> affected</li>" in section
    assert "<li><strong>1</strong> not sent: terms not accepted</li>" in section
    assert "not affected" not in section
    assert "SLE 15 ships it" in section
    assert "2024-06-30 12:00 UTC" in section
    assert "Remind the 1 that have not answered" in section


def test_the_security_team_sends_the_notice_from_the_report_page(
    client: Client, story: Story
) -> None:
    sign_in(client, story.kim)
    url = reverse(
        "report-distributor-notice", kwargs={"project": "karmada", "number": story.report.number}
    )
    response = client.post(url, {"subject": "Advance notice", "body": ""})
    assert response.status_code == 400
    assert 'value="Advance notice"' in response.content.decode()
    assert not DistributorNotice.objects.exists()
    response = client.post(url, {"subject": "Advance notice", "body": BODY}, follow=True)
    html = response.content.decode()
    assert "Notice sent to 2 organisations; 1 not sent: terms not accepted." in html
    assert DistributorNotice.objects.count() == 2


def test_a_distributor_cannot_send_notices(client: Client, story: Story) -> None:
    sign_in(client, story.dora)
    url = reverse(
        "report-distributor-notice", kwargs={"project": "karmada", "number": story.report.number}
    )
    assert client.post(url, {"subject": "s", "body": BODY}).status_code == 404
    assert not DistributorNotice.objects.exists()


def add_organisations(story: Story, count: int, start: int) -> None:
    for n in range(start, start + count):
        join(story.karmada, make_user(f"vendor{n}"), f"Vendor {n}", story.kim, accept=n % 2 == 0)


def report_page_queries(client: Client, story: Story) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(story.report.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_the_report_page_asks_the_same_number_of_queries_for_3_or_60_organisations(
    client: Client, story: Story
) -> None:
    """No query per organisation: VINCE slowed to ~10 s a page at 121 vendors."""
    send(story)
    sign_in(client, story.kim)
    few = report_page_queries(client, story)
    add_organisations(story, 57, start=0)
    DistributorNotice.objects.all().delete()
    send(story)
    for notice in DistributorNotice.objects.all()[:10]:
        notice.first_read_at = T0
        notice.save()
    many = report_page_queries(client, story)
    assert DistributorMembership.objects.filter(state="approved").count() == 60
    assert few == many


def test_the_silent_are_reminded_and_those_who_answered_are_not(
    client: Client, story: Story
) -> None:
    send(story)
    notices.acknowledge_notice(notice_of(story, story.dora), actor=story.dora)
    sign_in(client, story.kim)
    url = reverse(
        "report-distributor-remind", kwargs={"project": "karmada", "number": story.report.number}
    )
    html = client.post(url, follow=True).content.decode()
    assert "Reminded 1 organisations that have not answered." in html
    reminder = OutboundEmail.objects.get(kind=OutboundEmail.Kind.DISTRIBUTOR_REMINDER)
    assert (reminder.to, reminder.audience) == ("security@suse.example", "distributors")
    assert reminder.subject == "Reminder: Advance notice: Karmada"
    assert f"/notices/{notice_of(story, story.sam).pk}/" in reminder.body
    assert BODY not in reminder.body  # the notice itself stays on SUSE's page
    assert notice_of(story, story.sam).reminded_at == T0
    assert notice_of(story, story.dora).reminded_at is None
    assert AuditEvent.objects.get(action="notice.reminded").data == {
        "reminded": ["SUSE"],
        "no_address": [],
    }


def test_an_organisation_whose_terms_lapsed_is_not_reminded(story: Story) -> None:
    send(story)
    distributors.publish_terms(story.karmada, "New terms: report leaks in 24 h.", actor=story.kim)
    with pytest.raises(DistributorError, match="nobody to remind"):
        notices.remind_silent(story.report, actor=story.kim)
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DISTRIBUTOR_REMINDER).exists()
