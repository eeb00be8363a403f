"""The report page's Advisory section and its downloads: every format of the one table as a
draft for those who may view the report while it is embargoed, or what a format still lacks;
once published, a link to the public advisory page (issue 7, item 6).

EMISSARY-1 (the leak) is embargoed with a CVE and a fixed npm package, so every format can be
rendered; EMISSARY-2 (the crash) has neither, so only its Markdown can be.
"""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from tests.advisories.schemas import osv_errors
from tests.desk.cast import LEAK_TITLE, Cast, publish
from tests.desk.report_page import add_to_fix_team, sign_in
from tests.desk.test_public_advisories import LEAK_CVE, cast_with_leak
from vulndesk.desk.models import Report
from vulndesk.desk.services.public_advisories import FORMATS

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast(settings: LazySettings) -> Cast:
    return cast_with_leak(settings)[0]


def page(report: Report) -> str:
    return reverse("report-detail", kwargs={"project": "emissary", "number": report.number})


def draft(report: Report, filename: str) -> str:
    kwargs = {"project": "emissary", "number": report.number, "filename": filename}
    return reverse("report-advisory-download", kwargs=kwargs)


class Section(HTMLParser):
    """The Advisory section's links and list items, as a reader of the page meets them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.links: list[str] = []
        self.items: list[str] = []
        self.heading = ""
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section" and attributes.get("id") == "advisory":
            self.inside = True
        if not self.inside:
            return
        if tag == "section":
            self._depth += 1
        if tag == "a":
            self.links.append(str(attributes.get("href")))
        if tag == "li":
            self.items.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.inside and tag == "section":
            self._depth -= 1
            self.inside = self._depth > 0

    def handle_data(self, data: str) -> None:
        if self.inside and self.items:
            self.items[-1] += data
        elif self.inside and not self.heading and data.strip():
            self.heading = data.strip()


def section(client: Client, report: Report) -> Section:
    response = client.get(page(report))
    assert response.status_code == 200
    found = Section()
    found.feed(response.content.decode())
    return found


def test_the_team_sees_a_draft_of_every_format_of_an_embargoed_report(
    client: Client, cast: Cast
) -> None:
    shown = section(sign_in(client, cast.alice), cast.leak)
    assert shown.heading == "Advisory"
    assert shown.links == [draft(cast.leak, filename) for filename in FORMATS]
    assert [item.strip() for item in shown.items] == [
        f"{chosen.label} (draft)" for chosen in FORMATS.values()
    ]
    # Not published: no link to a public page that does not exist yet.
    assert reverse("advisory-detail", args=["emissary", 1]) not in shown.links


def test_each_draft_downloads_as_its_format_and_is_never_cached(client: Client, cast: Cast) -> None:
    sign_in(client, cast.alice)
    for filename, chosen in FORMATS.items():
        response = client.get(draft(cast.leak, filename))
        assert response.status_code == 200, (filename, response.content)
        assert response["Content-Type"] == chosen.content_type
        assert response["Content-Disposition"] == (
            f'attachment; filename="EMISSARY-1.draft.{chosen.suffix}"'
        )
        assert "no-store" in response["Cache-Control"]
    record = client.get(draft(cast.leak, "osv.json")).json()
    assert record["id"] == LEAK_CVE
    assert osv_errors(record) == []


def test_a_format_that_cannot_be_valid_yet_lists_what_it_lacks(client: Client, cast: Cast) -> None:
    shown = section(sign_in(client, cast.alice), cast.crash)
    assert shown.links == [draft(cast.crash, "advisory.md")]
    osv_item = next(item for item in shown.items if item.startswith("OSV JSON"))
    assert "cannot be valid yet; it lacks" in osv_item
    assert "no id OSV accepts" in " ".join(shown.items)
    refused = client.get(draft(cast.crash, "osv.json"))
    assert refused.status_code == 409
    assert refused.content.decode().startswith("EMISSARY-2 has no OSV JSON record yet:\n- no id")
    assert client.get(draft(cast.crash, "secret.txt")).status_code == 404


def test_an_embargoed_draft_is_for_those_who_may_view_the_report_alone(
    client: Client, cast: Cast
) -> None:
    """The Fix Team reads its report's draft; the Fix Lead of another report, a release
    manager before publication, a distributor and an outsider get the 404 of a report that
    does not exist; the anonymous are sent to sign in."""
    dave = add_to_fix_team(cast.leak)
    assert sign_in(Client(), dave).get(draft(cast.leak, "advisory.md")).status_code == 200
    for user in (cast.bob, cast.rita, cast.dora, cast.charlie):
        response = sign_in(Client(), user).get(draft(cast.leak, "advisory.md"))
        assert response.status_code == 404, user
        assert LEAK_TITLE not in response.content.decode()
        assert LEAK_CVE not in response.content.decode()
    anonymous = Client().get(draft(cast.leak, "advisory.md"))
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_once_published_the_section_links_the_public_advisory(client: Client, cast: Cast) -> None:
    publish(cast.leak)
    shown = section(sign_in(client, cast.rita), cast.leak)
    assert shown.links[0] == reverse("advisory-detail", args=["emissary", 1])
    assert shown.links[1:] == [draft(cast.leak, filename) for filename in FORMATS]
    assert all("(draft)" not in item for item in shown.items)
    response = client.get(draft(cast.leak, "osv.json"))
    assert response["Content-Disposition"] == 'attachment; filename="EMISSARY-1.osv.json"'
