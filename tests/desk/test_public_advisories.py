"""The public side of advisories: per-advisory downloads and the OSV and Atom feeds.

EMISSARY-2 (the crash) is published with a CVE and an affected npm package, so every format
can be valid; EMISSARY-3 is published a day later with a CVE of its own; EMISSARY-4 is
published without a CVE (its OSV and CVE records cannot be valid yet); EMISSARY-1 (the leak)
is embargoed, with a CVE and an affect too, so that anything leaking it would have it to show.
"""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from tests.advisories.schemas import csaf_errors, cve_errors, osv_errors
from tests.desk.cast import LEAK_TITLE, Cast, file_report, make_cast, publish
from tests.desk.factories import make_project
from vulndesk.desk.models import Affect, AffectStatus, Package, ReleaseLine, Report

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
ATOM = "{http://www.w3.org/2005/Atom}"
LEAK_CVE = "CVE-2024-99999"
FORMATS = ("osv.json", "cve.json", "csaf.json", "advisory.md")

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


def affect_package(report: Report, line: ReleaseLine) -> None:
    Affect.objects.create(
        report=report,
        release_line=line,
        package="emissary-client",
        affected_range="<1.13.4",
        fixed_version="1.13.4",
        status=AffectStatus.FIXED,
    )


def cast_with_leak(settings: LazySettings) -> tuple[Cast, ReleaseLine]:
    """The cast with emissary-client's repository, and EMISSARY-1 (the leak) embargoed with a
    CVE, a CVSS vector and an affect on release line 1.13, which is returned too."""
    settings.BASE_URL = "https://desk.example.org"
    settings.CNA_ORG_ID = "8254265b-2729-46b6-b9e3-3dfca2d5bfca"
    cast = make_cast()
    Package.objects.create(
        project=cast.emissary,
        name="emissary-client",
        ecosystem="npm",
        repository="https://github.com/emissary-ingress/client.git",
    )
    line = ReleaseLine.objects.create(project=cast.emissary, name="1.13")
    Report.objects.filter(pk=cast.leak.pk).update(cve_id=LEAK_CVE, cvss_vector=VECTOR)
    affect_package(cast.leak, line)
    return cast, line


@pytest.fixture
def cast(settings: LazySettings) -> Cast:
    cast, line = cast_with_leak(settings)
    publish(cast.crash, cve_id="CVE-2024-12345", cvss_vector=VECTOR, cvss_version="3.1")
    affect_package(cast.crash, line)
    later = file_report(cast.emissary, "Slow loris holds every worker", actor=cast.alice)
    publish(later, cve_id="CVE-2024-12346")
    Report.objects.filter(pk=later.pk).update(published_at=T0 + timedelta(days=1))
    affect_package(later, line)
    publish(file_report(cast.emissary, "Verbose errors", actor=cast.alice))
    return cast


def page(number: int) -> str:
    return reverse("advisory-detail", kwargs={"project": "emissary", "number": number})


def download(number: int, filename: str) -> str:
    kwargs = {"project": "emissary", "number": number, "filename": filename}
    return reverse("advisory-download", kwargs=kwargs)


def test_the_page_offers_every_format_and_each_download_is_valid(
    client: Client, cast: Cast
) -> None:
    html = client.get(page(2)).content.decode()
    for filename in FORMATS:
        assert f'href="{download(2, filename)}"' in html
    osv = client.get(download(2, "osv.json"))
    assert osv["Content-Type"] == "application/json"
    assert osv["Content-Disposition"] == 'inline; filename="EMISSARY-2.osv.json"'
    assert osv_errors(osv.json()) == []
    assert osv.json()["id"] == "CVE-2024-12345"
    assert cve_errors(client.get(download(2, "cve.json")).json()) == []
    assert csaf_errors(client.get(download(2, "csaf.json")).json()) == []
    markdown = client.get(download(2, "advisory.md"))
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown.content.decode().startswith(f"# {cast.crash.title}\n")


def test_a_record_that_cannot_be_valid_yet_is_not_offered_and_the_page_says_why(
    client: Client, cast: Cast
) -> None:
    response = client.get(page(4))
    assert response.status_code == 200
    html = response.content.decode()
    assert download(4, "osv.json") not in html
    assert download(4, "cve.json") not in html
    assert "OSV JSON: <span" in html
    assert "no id OSV accepts" in html
    assert "no CVE ID: assign one" in html
    assert f'href="{download(4, "advisory.md")}"' in html  # Markdown is always offered
    refused = client.get(download(4, "osv.json"))
    assert refused.status_code == 404
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert refused.content.decode().startswith("EMISSARY-4 has no OSV JSON record yet:\n- no id")


def test_an_embargoed_report_has_no_download_and_an_unknown_format_is_a_404(
    client: Client, cast: Cast
) -> None:
    for filename in (*FORMATS, "secret.txt"):
        response = client.get(download(1, filename))
        assert response.status_code == 404
        assert LEAK_TITLE not in response.content.decode()
        assert LEAK_CVE not in response.content.decode()
    assert client.get(download(2, "report.pdf")).status_code == 404


def test_the_osv_feed_holds_every_valid_record_newest_first(client: Client, cast: Cast) -> None:
    for url in (reverse("advisory-osv-feed"), reverse("project-osv-feed", args=["emissary"])):
        response = client.get(url)
        assert response["Content-Type"] == "application/json"
        records = response.json()
        # EMISSARY-4 has no valid OSV record: it is on the page and in the Atom feed only.
        assert [r["id"] for r in records] == ["CVE-2024-12346", "CVE-2024-12345"]
        for record in records:
            assert osv_errors(record) == []
    make_project("vitess")
    assert client.get(reverse("project-osv-feed", args=["vitess"])).json() == []
    assert client.get(reverse("project-osv-feed", args=["nosuch"])).status_code == 404


def entries(client: Client, url: str) -> list[ElementTree.Element]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # noqa: S314  # our own feed, in a test
    assert feed.tag == f"{ATOM}feed"
    return feed.findall(f"{ATOM}entry")


def test_the_atom_feed_lists_published_advisories_newest_first_with_stable_ids(
    client: Client, cast: Cast
) -> None:
    for url in (reverse("advisory-atom-feed"), reverse("project-atom-feed", args=["emissary"])):
        found = entries(client, url)
        ids = [entry.findtext(f"{ATOM}id") for entry in found]
        assert ids == [f"http://testserver{page(n)}" for n in (3, 4, 2)]
        titles = [entry.findtext(f"{ATOM}title") for entry in found]
        assert titles[2] == f"CVE-2024-12345 (EMISSARY-2): {cast.crash.title}"
        assert found[0].findtext(f"{ATOM}published") == "2024-03-02T10:00:00+00:00"
    again = [e.findtext(f"{ATOM}id") for e in entries(client, reverse("advisory-atom-feed"))]
    assert again == ids
    make_project("vitess")
    assert entries(client, reverse("project-atom-feed", args=["vitess"])) == []
    assert client.get(reverse("project-atom-feed", args=["nosuch"])).status_code == 404


def test_the_list_of_one_project_links_its_feeds(client: Client, cast: Cast) -> None:
    make_project("vitess")
    html = client.get(reverse("advisory-list") + "?project=vitess").content.decode()
    assert "Vitess security advisories" in html
    assert f'href="{reverse("project-atom-feed", args=["vitess"])}"' in html
    assert cast.crash.title not in html
    html = client.get(reverse("advisory-list")).content.decode()
    atom = reverse("advisory-atom-feed")
    assert f'<link rel="alternate" type="application/atom+xml" title="Atom" href="{atom}">' in html
    assert client.get(reverse("advisory-list") + "?project=nosuch").status_code == 404


def test_nothing_public_shows_an_embargoed_report(client: Client, cast: Cast) -> None:
    """The index, pages, downloads, feeds, SECURITY.md and security.txt, overall and for the
    project, never carry the embargoed report's title, key or CVE."""
    cast.emissary.security_email = "security@emissary.example.org"
    cast.emissary.save()
    urls = [
        reverse("advisory-list"),
        reverse("advisory-list") + "?project=emissary",
        reverse("advisory-osv-feed"),
        reverse("advisory-atom-feed"),
        reverse("project-osv-feed", args=["emissary"]),
        reverse("project-atom-feed", args=["emissary"]),
        reverse("security-txt"),
        reverse("project-security-txt", args=["emissary"]),
        reverse("project-security-policy", args=["emissary"]),
        reverse("project-security-md", args=["emissary"]),
        *(page(n) for n in (2, 3, 4)),
        *(download(n, f) for n in (2, 3, 4) for f in FORMATS),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        body = response.content.decode()
        for secret in (LEAK_TITLE, "EMISSARY-1", LEAK_CVE):
            assert secret not in body, (url, secret)
