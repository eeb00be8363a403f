"""Distributor notices: dora's organisation (Debian) reads its notices and acknowledges them.

alice is on Emissary's security team (she reads the notices of her reports, and does not
acknowledge for a distributor); charlie has no role; a notice to Red Hat stays Red Hat's.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.cast import LEAK_TITLE, Cast, make_cast
from tests.desk.factories import make_user
from vulndesk.desk.models import AuditEvent, Distributor, DistributorNotice

pytestmark = pytest.mark.django_db

BODY = "Fix ships **2024-03-20**. <script>alert(1)</script>"


@pytest.fixture
def cast() -> Cast:
    return make_cast()


@pytest.fixture
def notice(cast: Cast) -> DistributorNotice:
    return DistributorNotice.objects.create(
        report=cast.leak, distributor=cast.debian, subject="Advance notice: Emissary", body=BODY
    )


@pytest.fixture
def red_hats(cast: Cast) -> DistributorNotice:
    red_hat = Distributor.objects.create(slug="redhat", name="Red Hat")
    red_hat.members.add(make_user("ruth"))
    return DistributorNotice.objects.create(
        report=cast.leak, distributor=red_hat, subject="Red Hat only", body="for Red Hat"
    )


def detail_url(notice: DistributorNotice) -> str:
    return reverse("notice-detail", kwargs={"pk": notice.pk})


def acknowledge_url(notice: DistributorNotice) -> str:
    return reverse("notice-acknowledge", kwargs={"pk": notice.pk})


def test_an_anonymous_visitor_is_sent_to_the_login_page(
    client: Client, notice: DistributorNotice
) -> None:
    for url in (reverse("notice-list"), detail_url(notice)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(acknowledge_url(notice)).status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_an_outsider_sees_no_notice(client: Client, cast: Cast, notice: DistributorNotice) -> None:
    sign_in(client, cast.charlie)
    html = client.get(reverse("notice-list")).content.decode()
    assert "No notices for you." in html
    assert notice.subject not in html
    assert client.get(detail_url(notice)).status_code == 404
    assert client.post(acknowledge_url(notice)).status_code == 404


def test_a_distributor_reads_its_own_notices_and_not_another_organisations(
    client: Client, cast: Cast, notice: DistributorNotice, red_hats: DistributorNotice
) -> None:
    sign_in(client, cast.dora)
    html = client.get(reverse("notice-list")).content.decode()
    assert f'href="{detail_url(notice)}"' in html
    assert red_hats.subject not in html
    assert client.get(detail_url(red_hats)).status_code == 404
    assert client.post(acknowledge_url(red_hats)).status_code == 404
    red_hats.refresh_from_db()
    assert red_hats.acknowledged_at is None


def test_the_notice_body_is_sanitised_markdown_and_names_no_report(
    client: Client, cast: Cast, notice: DistributorNotice
) -> None:
    sign_in(client, cast.dora)
    html = client.get(detail_url(notice)).content.decode()
    assert "<strong>2024-03-20</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert LEAK_TITLE not in html
    assert "EMISSARY-1" not in html
    assert '<button type="submit">Acknowledge</button>' in html


def test_a_distributor_has_no_report_page(
    client: Client, cast: Cast, notice: DistributorNotice
) -> None:
    sign_in(client, cast.dora)
    assert client.get(cast.leak.get_absolute_url()).status_code == 404


def test_acknowledging_records_who_and_when_once(
    client: Client, cast: Cast, notice: DistributorNotice
) -> None:
    sign_in(client, cast.dora)
    response = client.post(acknowledge_url(notice))
    assert response.status_code == 302
    assert response["Location"] == detail_url(notice)
    notice.refresh_from_db()
    assert notice.acknowledged_by == cast.dora
    assert notice.acknowledged_at is not None
    first = notice.acknowledged_at
    assert client.post(acknowledge_url(notice)).status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_at == first
    event = AuditEvent.objects.get(action="notice.acknowledged")
    assert (event.actor, event.report_id) == (cast.dora, cast.leak.pk)
    html = client.get(detail_url(notice)).content.decode()
    assert "by dora" in html
    assert '<button type="submit">Acknowledge</button>' not in html


def test_the_security_team_reads_the_notice_but_does_not_acknowledge_it(
    client: Client, cast: Cast, notice: DistributorNotice
) -> None:
    sign_in(client, cast.alice)
    html = client.get(detail_url(notice)).content.decode()
    assert notice.subject in html
    assert '<button type="submit">Acknowledge</button>' not in html
    assert client.post(acknowledge_url(notice)).status_code == 403
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_acknowledging_needs_a_post(client: Client, cast: Cast, notice: DistributorNotice) -> None:
    sign_in(client, cast.dora)
    assert client.get(acknowledge_url(notice)).status_code == 405


def test_the_list_says_where_each_notice_stands_never_reading_silence_as_an_answer(
    client: Client, cast: Cast, notice: DistributorNotice
) -> None:
    sign_in(client, cast.dora)
    assert (
        '<span class="due">not read yet</span>'
        in client.get(reverse("notice-list")).content.decode()
    )
    client.get(detail_url(notice))
    html = client.get(reverse("notice-list")).content.decode()
    assert '<span class="due">read, no answer yet</span>' in html
    assert "not affected" not in html
