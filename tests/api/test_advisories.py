"""The advisory API: a report's advisory in each format of the one table, a draft to the team
while embargoed and nothing to anyone else; and importing an OSV record or GitHub advisory,
refused whole with each problem's JSON path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import override_settings

from tests.advisories.examples import ADVISORY
from tests.advisories.schemas import csaf_errors, cve_errors, osv_errors
from tests.advisories.test_parse import GHSA_RECORD
from tests.api.conftest import Api, People, token_for
from tests.desk.cast import publish
from tests.desk.factories import make_user
from vulndesk.advisories import osv
from vulndesk.desk.models import (
    Affect,
    AffectStatus,
    AuditEvent,
    Distributor,
    ReleaseLine,
    Report,
)
from vulndesk.desk.models import Package as PackageRow
from vulndesk.desk.services.public_advisories import FILENAMES, FORMATS

ORG = "8254265b-2729-46b6-b9e3-3dfca2d5bfca"
ISSUED = override_settings(CNA_ORG_ID=ORG, BASE_URL="https://desk.example.org")
IMPORT = "/projects/emissary/advisories/import"
OSV_RECORD = osv.render(ADVISORY)


def advisory(api: Api, report: Report, name: str) -> Any:
    return api.get(f"/reports/emissary/{report.number}/advisory", format=name)


def fixed_in_1_13(report: Report) -> None:
    """What a valid record of every format needs: a CVE ID and a package fixed on a line."""
    Report.objects.filter(pk=report.pk).update(
        cve_id="CVE-2024-12345", cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    )
    PackageRow.objects.get_or_create(
        project=report.project, name="emissary", ecosystem="npm", repository="/srv/emissary"
    )
    line, _ = ReleaseLine.objects.get_or_create(project=report.project, name="1.13")
    Affect.objects.create(
        report=report,
        release_line=line,
        package="emissary",
        affected_range="<1.13.4",
        status=AffectStatus.FIXED,
    )


@ISSUED
def test_every_format_of_the_table_is_served_as_its_download_offers_it(people: People) -> None:
    """Issue 7 item 6: format=osv|cve|csaf|md are the names of public_advisories.FORMATS, and
    each answer is that format's record, valid by its schema."""
    report = publish(people.cast.crash)
    fixed_in_1_13(report)
    assert tuple(FILENAMES) == ("osv", "cve", "csaf", "md")
    for name, filename in FILENAMES.items():
        response = advisory(people.alice, report, name)
        assert response.status_code == 200, (name, response.content)
        assert response["Content-Type"] == FORMATS[filename].content_type
    assert osv_errors(json.loads(advisory(people.alice, report, "osv").content)) == []
    assert cve_errors(json.loads(advisory(people.alice, report, "cve").content)) == []
    assert csaf_errors(json.loads(advisory(people.alice, report, "csaf").content)) == []
    markdown = advisory(people.alice, report, "md").content.decode()
    assert markdown.startswith("# Crafted header crashes the proxy\n")
    # Without a format, OSV, as `vulndesk advisory export` prints by default.
    plain = people.alice.get(f"/reports/emissary/{report.number}/advisory")
    assert plain.content == advisory(people.alice, report, "osv").content


def test_a_format_not_in_the_table_is_refused_naming_the_query_field(people: People) -> None:
    response = advisory(people.alice, people.cast.crash, "json")
    assert response.status_code == 422
    assert response.json()["field"] == "query.format"


def test_a_record_that_cannot_be_valid_yet_is_a_conflict_listing_what_is_missing(
    people: People,
) -> None:
    """409, not 422: the request is right, the report lacks a CVE ID and what it affects."""
    response = advisory(people.alice, people.cast.leak, "osv")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "advisory_incomplete"
    assert body["message"].startswith("EMISSARY-1 has no valid OSV JSON record yet")
    assert [error["message"] for error in body["errors"]] == [
        "no id OSV accepts: 'EMISSARY-1' does not start with a database prefix such as CVE- or"
        " GHSA-; assign a CVE ID to the report (vulndesk report cve KEY ID)",
        "nothing affected is known: record the packages or release lines it affects and where"
        " each is fixed",
    ]
    assert {error["code"] for error in body["errors"]} == {"missing"}
    # Markdown needs nothing more: the team's draft of an embargoed report.
    draft = advisory(people.alice, people.cast.leak, "md")
    assert draft.status_code == 200
    assert draft.content.decode().startswith("# Admin token leaks into access logs\n")


def test_an_embargoed_reports_draft_is_the_teams_alone(people: People) -> None:
    """Those who may view the report get its draft (the security team, the Fix Team, the Fix
    Lead); the reporter, an outsider and a distributor get the 404 of a report that does not
    exist, with no word of it; no token is a 401."""
    leak = people.cast.leak
    assert advisory(people.alice, leak, "md").status_code == 200
    assert advisory(people.dave, leak, "md").status_code == 200  # its Fix Team
    assert advisory(people.bob, people.cast.crash, "md").status_code == 200  # its Fix Lead
    reporter = make_user("dana")
    Report.objects.filter(pk=leak.pk).update(reporter_email=reporter.email)
    distributor = make_user("deb")
    Distributor.objects.get(slug="debian").members.add(distributor)
    rita = Api(token_for(people.cast.rita))  # release manager: published reports only
    for who in (
        people.charlie,
        people.bob,
        rita,
        Api(token_for(reporter)),
        Api(token_for(distributor)),
    ):
        response = advisory(who, leak, "md")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "EMISSARY-1" not in response.content.decode()
        assert "Admin token" not in response.content.decode()
    assert advisory(people.anonymous, leak, "md").status_code == 401
    # Published, the release manager reads it too.
    publish(leak)
    assert advisory(rita, leak, "md").status_code == 200


def open_edx_lines(people: People) -> None:
    """Emissary gets the package and lines the example records name."""
    project = people.cast.emissary
    PackageRow.objects.create(
        project=project, name="openedx-animals", ecosystem="PyPI", repository="/srv/animals"
    )
    for name in ("master", "open-release/zebrawood.master"):
        ReleaseLine.objects.create(project=project, name=name)


def test_an_osv_record_is_imported_as_a_published_report(people: People) -> None:
    open_edx_lines(people)
    response = people.alice.post(IMPORT, OSV_RECORD)
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "project": "emissary",
        "number": 3,
        "key": "EMISSARY-3",
        "state": "published",
        "not_kept": [
            "$.affected[0]: commit ranges of https://github.com/openedx/openedx-animals are not"
            " kept (the desk records fix commits with a backport)"
        ],
    }
    report = Report.objects.get(project__slug="emissary", number=3)
    assert (report.external_ref, report.cve_id) == ("CVE-2024-12345", "CVE-2024-12345")
    imported = AuditEvent.objects.get(report=report, action="report.imported")
    assert imported.actor == people.cast.alice
    # And it reads back as OSV from the same API.
    again = json.loads(advisory(people.alice, report, "osv").content)
    assert again["id"] == "CVE-2024-12345"


def test_a_github_advisory_is_told_by_its_fields_or_by_the_format_hint(people: People) -> None:
    open_edx_lines(people)
    response = people.alice.post(IMPORT + "?format=ghsa", GHSA_RECORD)
    assert response.status_code == 201, response.json()
    assert Report.objects.get(project__slug="emissary", number=3).external_ref == (
        "GHSA-2222-3333-4444"
    )
    # Read as OSV, a GitHub advisory is refused at its fields: the hint is obeyed.
    other = copy.deepcopy(GHSA_RECORD) | {"ghsa_id": "GHSA-5555-6666-7777", "cve_id": None}
    refused = people.alice.post(IMPORT + "?format=osv", other)
    assert refused.status_code == 422
    assert "$.ghsa_id" in {error["field"] for error in refused.json()["errors"]}


def test_a_refused_record_names_each_problem_at_its_json_path_and_imports_nothing(
    people: People,
) -> None:
    record = copy.deepcopy(OSV_RECORD)
    record["affected"][0]["ranges"][0]["events"][1] = {"fixed": "not a version"}
    record["colour"] = "red"
    before = (Report.objects.count(), AuditEvent.objects.count())
    response = people.alice.post(IMPORT, record)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_record"
    assert body["message"] == (
        "the OSV record cannot be imported: nothing was imported; errors lists why"
    )
    fields = [error["field"] for error in body["errors"]]
    assert "$.colour" in fields
    assert "$.affected[0].ranges[0].events[1].fixed" in fields
    assert body["field"] == fields[0]
    assert all(not error["message"].startswith("$") for error in body["errors"])
    assert (Report.objects.count(), AuditEvent.objects.count()) == before


def test_a_record_naming_what_the_project_lacks_is_refused_whole(people: People) -> None:
    """The package and lines are checked against the project before anything is written: no
    report, no affect, no audit event is left of a refused import."""
    before = (Report.objects.count(), Affect.objects.count(), AuditEvent.objects.count())
    response = people.alice.post(IMPORT, OSV_RECORD)
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"$.affected[0].package", "$.affected[1].package"} <= fields
    assert (Report.objects.count(), Affect.objects.count(), AuditEvent.objects.count()) == before


def test_an_id_imported_before_is_a_conflict_naming_its_report(people: People) -> None:
    open_edx_lines(people)
    assert people.alice.post(IMPORT, OSV_RECORD).status_code == 201
    again = people.alice.post(IMPORT, OSV_RECORD)
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "already_imported"
    assert "already on the desk as EMISSARY-3" in body["message"]
    assert body["errors"][0]["field"] == "$.id"
    assert "CVE-2024-12345 was imported before as EMISSARY-3" in body["errors"][0]["message"]
    # The GitHub advisory of the same vulnerability names its CVE: the same report.
    ghsa = people.alice.post(IMPORT, GHSA_RECORD)
    assert ghsa.status_code == 409
    assert ghsa.json()["errors"][0]["field"] == "$.identifiers"
    assert Report.objects.filter(project__slug="emissary").count() == 3


@pytest.mark.parametrize(
    ("who", "status"),
    [("alice_reader", 403), ("bob", 404), ("charlie", 404), ("dave", 404), ("anonymous", 401)],
)
def test_only_the_projects_security_team_imports(people: People, who: str, status: int) -> None:
    """A read token may not write; bob and dave work on one report each and see no project;
    without a token, 401."""
    open_edx_lines(people)
    response = getattr(people, who).post(IMPORT, OSV_RECORD)
    assert response.status_code == status
    assert Report.objects.filter(project__slug="emissary").count() == 2


def test_a_release_manager_sees_the_project_but_may_not_import(people: People) -> None:
    open_edx_lines(people)
    response = Api(token_for(people.cast.rita)).post(IMPORT, OSV_RECORD)
    assert response.status_code == 403
    assert response.json()["message"] == (
        "you may see this project but not import advisories into it"
    )


def test_a_body_that_is_not_an_advisory_object_is_refused(people: People) -> None:
    assert people.alice.post_raw(IMPORT, "{not json").status_code == 400
    listed = people.alice.post(IMPORT, [OSV_RECORD])
    assert listed.status_code == 422
    neither = people.alice.post(IMPORT, {"title": "x"})
    assert neither.status_code == 422
    assert neither.json()["errors"][0]["field"] == "$"
