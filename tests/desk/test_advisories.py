"""Public advisories: anyone reads the published reports; an embargoed one is never there.

EMISSARY-2 is published with a CVE, a score and fixed versions; EMISSARY-1 is embargoed.
"""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.cast import CRASH_TITLE, LEAK_TITLE, Cast, make_cast, publish
from vulndesk.desk.models import Affect, AffectStatus, ReleaseLine

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast() -> Cast:
    cast = make_cast()
    publish(
        cast.crash,
        cve_id="CVE-2024-12345",
        cvss_vector=VECTOR,
        cvss_version="3.1",
        cvss_score="7.5",
        severity="high",
        description="A crafted header **crashes** the proxy.\n\n<script>alert(1)</script>",
    )
    line = ReleaseLine.objects.create(project=cast.emissary, name="1.13", branch="release/v1.13")
    Affect.objects.create(
        report=cast.crash,
        release_line=line,
        affected_range="<1.13.4",
        fixed_version="1.13.4",
        status=AffectStatus.FIXED,
    )
    return cast


def advisory_url(number: int) -> str:
    return reverse("advisory-detail", kwargs={"project": "emissary", "number": number})


@pytest.fixture(params=["anonymous", "charlie", "alice"])
def reader(request: pytest.FixtureRequest, client: Client, cast: Cast) -> Client:
    """Advisories read the same for everyone: nobody, an outsider, the security team."""
    user: User | None = getattr(cast, request.param, None)
    if user is not None:
        sign_in(client, user)
    return client


def test_the_list_shows_published_advisories_and_nothing_embargoed(reader: Client) -> None:
    response = reader.get(reverse("advisory-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="{advisory_url(2)}">EMISSARY-2</a>' in html
    assert CRASH_TITLE in html
    assert "CVE-2024-12345" in html
    assert "2024-03-01" in html
    assert LEAK_TITLE not in html
    assert "EMISSARY-1" not in html


def test_an_advisory_shows_what_the_world_needs_to_act(reader: Client) -> None:
    response = reader.get(advisory_url(2))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in (
        f"EMISSARY-2: {CRASH_TITLE}",
        "CVE-2024-12345",
        f"<code>{VECTOR}</code>",
        '<span class="severity severity-high">high</span>',
        "<td>&lt;1.13.4</td>",
        "<td>1.13.4</td>",
        "<strong>crashes</strong>",
    ):
        assert shown in html
    assert "<script>alert(1)</script>" not in html


def test_an_embargoed_report_has_no_advisory_page(reader: Client) -> None:
    for number in (1, 99):
        response = reader.get(advisory_url(number))
        assert response.status_code == 404
        assert LEAK_TITLE not in response.content.decode()


def test_an_advisory_of_a_report_not_yet_scored_or_affected_still_reads(
    client: Client, cast: Cast
) -> None:
    publish(cast.leak)
    html = client.get(advisory_url(1)).content.decode()
    assert "not scored" in html
    assert "No affected versions recorded." in html


def test_a_page_that_does_not_exist_is_refused_naming_it(client: Client, cast: Cast) -> None:
    response = client.get(reverse("advisory-list") + "?page=9")
    assert response.status_code == 400
    assert "page: " in response.content.decode()


def test_the_nav_offers_a_login_to_anonymous_readers_and_no_desk_links(
    client: Client, cast: Cast
) -> None:
    html = client.get(reverse("advisory-list")).content.decode()
    assert f'href="{reverse("login")}"' in html
    assert f'href="{reverse("report-list")}"' not in html
