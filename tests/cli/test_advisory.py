"""`vulndesk advisory export`: a report's advisory on stdout, or why it cannot be valid yet."""

import json
from datetime import UTC, datetime

import pytest
from django.core.management.base import CommandError
from django.test import override_settings

from tests.advisories.schemas import csaf_errors, cve_errors, osv_errors
from tests.cli.helpers import vulndesk
from tests.desk.cast import Cast, make_cast, publish
from vulndesk.desk.models import Affect, AffectStatus, ReleaseLine
from vulndesk.desk.models import Package as PackageRow
from vulndesk.desk.services.public_advisories import FILENAMES, download

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
ORG = "8254265b-2729-46b6-b9e3-3dfca2d5bfca"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(T0, tick=False),
    pytest.mark.usefixtures("published"),
]


@pytest.fixture
def published() -> Cast:
    cast = make_cast()
    publish(
        cast.crash,
        cve_id="CVE-2024-12345",
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        cvss_version="3.1",
    )
    PackageRow.objects.create(
        project=cast.emissary, name="emissary", ecosystem="npm", repository="/srv/emissary"
    )
    line = ReleaseLine.objects.create(project=cast.emissary, name="1.13")
    Affect.objects.create(
        report=cast.crash,
        release_line=line,
        package="emissary",
        affected_range="<1.13.4",
        status=AffectStatus.FIXED,
    )
    return cast


def test_it_prints_a_valid_osv_record() -> None:
    record = json.loads(vulndesk("advisory", "export", "EMISSARY-2", "--format", "osv"))
    assert record["id"] == "CVE-2024-12345"
    assert osv_errors(record) == []


@override_settings(BASE_URL="https://desk.example.org")
def test_it_prints_a_valid_cve_record_for_the_cna_given() -> None:
    out = vulndesk("advisory", "export", "emissary-2", "--format", "cve", "--cna-org-id", ORG)
    record = json.loads(out)
    assert record["cveMetadata"]["assignerOrgId"] == ORG
    assert cve_errors(record) == []


@override_settings(BASE_URL="https://desk.example.org", CNA_ORG_ID=ORG)
def test_the_cna_comes_from_the_settings_by_default() -> None:
    record = json.loads(vulndesk("advisory", "export", "EMISSARY-2", "--format", "cve"))
    assert record["containers"]["cna"]["providerMetadata"]["orgId"] == ORG


@override_settings(BASE_URL="https://desk.example.org")
def test_it_prints_a_valid_csaf_vex_document_published_by_the_project() -> None:
    document = json.loads(vulndesk("advisory", "export", "EMISSARY-2", "--format", "csaf"))
    assert document["document"]["category"] == "csaf_vex"
    assert document["document"]["publisher"] == {
        "category": "vendor",
        "name": "Emissary",
        "namespace": "https://desk.example.org",
    }
    status = document["vulnerabilities"][0]["product_status"]
    assert status == {"known_affected": ["emissary:<1.13.4"], "fixed": ["emissary:1.13.4"]}
    assert csaf_errors(document) == []


def test_the_csaf_publisher_comes_from_the_options() -> None:
    out = vulndesk(
        "advisory",
        "export",
        "EMISSARY-2",
        "--format",
        "csaf",
        "--publisher-name",
        "Example PSIRT",
        "--publisher-namespace",
        "https://psirt.example.org",
    )
    publisher = json.loads(out)["document"]["publisher"]
    assert (publisher["name"], publisher["namespace"]) == (
        "Example PSIRT",
        "https://psirt.example.org",
    )


def test_a_csaf_document_without_a_publisher_address_says_how_to_give_it() -> None:
    with pytest.raises(CommandError) as refused:
        vulndesk("advisory", "export", "EMISSARY-2", "--format", "csaf")
    assert str(refused.value) == (
        "EMISSARY-2: the CSAF 2.0 VEX record cannot be valid yet:\n"
        "- the publisher's namespace '' is not an http(s) URL: give the publisher's web address\n"
        "(give the publisher's address with --publisher-namespace URL)"
    )


def test_markdown_is_text() -> None:
    text = vulndesk("advisory", "export", "EMISSARY-2", "--format", "md")
    assert text.startswith("# Crafted header crashes the proxy\n")
    # "<1.13.4" names the first version without the flaw: the patched one.
    assert "| emissary (npm) on 1.13 | < 1.13.4 | 1.13.4 |" in text
    assert "Severity: High (7.5)" in text


def test_an_unknown_report_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="no report EMISSARY-99"):
        vulndesk("advisory", "export", "EMISSARY-99")


def test_a_record_that_cannot_be_valid_yet_says_what_is_missing() -> None:
    with pytest.raises(CommandError) as refused:
        vulndesk("advisory", "export", "EMISSARY-1", "--format", "osv")
    assert str(refused.value) == (
        "EMISSARY-1: the OSV record cannot be valid yet:\n"
        "- no id OSV accepts: 'EMISSARY-1' does not start with a database prefix such as CVE- or"
        " GHSA-; assign a CVE ID to the report (vulndesk report cve KEY ID)\n"
        "- nothing affected is known: record the packages or release lines it affects and"
        " where each is fixed"
    )


def test_a_cve_record_without_a_cna_says_how_to_name_it() -> None:
    with pytest.raises(CommandError, match="--cna-org-id UUID or VULNDESK_CNA_ORG_ID"):
        vulndesk("advisory", "export", "EMISSARY-2", "--format", "cve")


@override_settings(CNA_ORG_ID=ORG, BASE_URL="https://desk.example.org")
def test_every_format_is_named_by_the_one_table_and_prints_what_its_download_offers(
    published: Cast,
) -> None:
    """`--format` takes the names of public_advisories.FORMATS, and each prints the same text
    as that format's download of the published advisory: one way to render each."""
    assert tuple(FILENAMES) == ("osv", "cve", "csaf", "md")
    for name, filename in FILENAMES.items():
        offered = download(published.crash, filename)
        assert offered is not None
        assert offered.problems == (), name
        assert vulndesk("advisory", "export", "EMISSARY-2", "--format", name) == offered.body


def test_a_format_the_table_lacks_is_refused_naming_those_it_has() -> None:
    with pytest.raises(CommandError) as refused:
        vulndesk("advisory", "export", "EMISSARY-2", "--format", "json")
    assert "invalid choice: 'json' (choose from 'osv', 'cve', 'csaf', 'md')" in str(refused.value)
