"""The reporter's private link: the state and the committed dates of their report, nothing else."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.cast import CRASH_TITLE, Cast, make_cast
from vulndesk.desk.models import AuditEvent, Report, ReporterLink
from vulndesk.desk.services.comments import add_comment
from vulndesk.desk.services.reporter_links import issue_reporter_link, revoke_reporter_link
from vulndesk.lib.tokens import digest

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def link_url(token: str) -> str:
    return reverse("reporter-report", kwargs={"token": token})


def test_the_link_shows_state_and_committed_dates(client: Client, cast: Cast) -> None:
    Report.objects.filter(pk=cast.crash.pk).update(
        release_date=datetime(2024, 3, 20, 14, tzinfo=UTC),
        planned_merge_at=datetime(2024, 3, 19, 9, tzinfo=UTC),
    )
    _, token = issue_reporter_link(cast.crash, actor=cast.alice)
    response = client.get(link_url(token))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in (f"EMISSARY-2: {CRASH_TITLE}", "Received", "2024-03-01", "2024-03-20 14:00 UTC"):
        assert shown in html
    assert "2024-03-19 09:00 UTC" in html


def test_the_link_shows_nothing_the_team_keeps_to_itself(client: Client, cast: Cast) -> None:
    Report.objects.filter(pk=cast.crash.pk).update(
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        cvss_score="7.5",
        severity="high",
        remediation_plan="patch the header parser",
    )
    add_comment(cast.crash, author=cast.alice, body="Internal: bob should look at parser.c")
    _, token = issue_reporter_link(cast.crash, actor=cast.alice)
    html = client.get(link_url(token)).content.decode()
    # The random CSRF token may spell a name by chance ("…GbobK…" once did).
    html = re.sub(r'"X-CSRFToken": "\w+"|name="csrfmiddlewaretoken" value="\w+"', "", html)
    for hidden in (
        "CVSS:3.1",
        "7.5",
        "patch the header parser",
        "parser.c",
        "bob",
        "alice",
        "Steps to reproduce",  # the description stays with the team too
        "reporter_link.issued",
        "dana@example.org",
    ):
        assert hidden not in html


def test_the_page_is_never_stored_and_never_leaks_the_token_as_a_referrer(
    client: Client, cast: Cast
) -> None:
    _, token = issue_reporter_link(cast.crash, actor=cast.alice)
    response = client.get(link_url(token))
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_a_wrong_or_revoked_token_is_a_plain_404(client: Client, cast: Cast) -> None:
    link, token = issue_reporter_link(cast.crash, actor=cast.alice)
    assert client.get(link_url(token + "x")).status_code == 404
    assert client.get(link_url("vdr_guess")).status_code == 404
    revoke_reporter_link(link, actor=cast.alice)
    response = client.get(link_url(token))
    assert response.status_code == 404
    assert CRASH_TITLE not in response.content.decode()


def test_a_signed_in_outsider_gains_nothing_without_the_token(client: Client, cast: Cast) -> None:
    issue_reporter_link(cast.crash, actor=cast.alice)
    sign_in(client, cast.charlie)
    assert client.get(link_url("vdr_")).status_code == 404


def test_only_the_digest_is_stored_and_issuing_and_revoking_are_audited(cast: Cast) -> None:
    link, token = issue_reporter_link(cast.crash, actor=cast.alice)
    assert token.startswith("vdr_")
    assert len(token) > 40
    assert link.token_digest == digest(token)
    assert not ReporterLink.objects.filter(token_digest=token).exists()
    revoke_reporter_link(link, actor=cast.alice)
    revoke_reporter_link(link, actor=cast.alice)
    assert link.revoked_at is not None
    actions = list(
        AuditEvent.objects.filter(report=cast.crash, action__startswith="reporter_link.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["reporter_link.issued", "reporter_link.revoked"]


def test_each_link_opens_its_own_report_only(client: Client, cast: Cast) -> None:
    _, leak_token = issue_reporter_link(cast.leak, actor=cast.alice)
    html = client.get(link_url(leak_token)).content.decode()
    assert "EMISSARY-1" in html
    assert CRASH_TITLE not in html
