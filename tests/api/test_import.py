"""Importing a report through the API: the same report as the form and mail file, dated from
when the source tracker received it, with the reporter's link and acknowledgement, once per
source reference however often (or however concurrently) the import runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from tests.api.conftest import T0, Api, People, token_for
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import (
    AuditEvent,
    Deadline,
    Project,
    Report,
    ReporterLink,
    TeamRole,
)
from vulndesk.desk.services import audit
from vulndesk.desk.services.api_intake import Imported, import_report
from vulndesk.desk.services.reports import create_report
from vulndesk.notify.models import ACKNOWLEDGEMENT_DEADLINE, OutboundEmail

IMPORT = "/projects/emissary/reports"
JIRA = "https://jira.example.org/browse/SEC-42"


def jira_report(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Path traversal in the static file handler",
        "description": "`GET /static/..%2f..%2fetc/passwd` returns the file.",
        "affected_versions": "1.12, 1.13",
        "reporter_name": "Erin Finder",
        "reporter_email": "erin@example.org",
        **fields,
    }


def filed(response: Any) -> Report:
    body = response.json()
    return Report.objects.get(project__slug=body["project"], number=body["number"])


def test_an_import_files_the_same_shape_of_report_as_every_channel(people: People) -> None:
    """FOLIO-11: the API files through the form's and mail's service; the answer is the report
    as GET shows it, plus the reporter's link."""
    response = people.alice.post(IMPORT, jira_report())
    assert response.status_code == 201, response.json()
    body = response.json()
    report = filed(response)
    assert (report.channel, report.state, report.key) == ("api", "received", "EMISSARY-3")
    assert (report.reporter_email, report.affected_versions) == ("erin@example.org", "1.12, 1.13")
    shown = people.alice.get("/reports/emissary/3").json()
    assert {name: value for name, value in body.items() if name != "reporter_link"} == shown
    created = AuditEvent.objects.get(report=report, action="report.created")
    assert (created.actor, created.data["channel"]) == (people.cast.alice, "api")
    assert audit.verify_chain() == []


def test_received_at_is_t0_of_every_timeline(people: People) -> None:
    received = T0 - timedelta(days=20)
    response = people.alice.post(IMPORT, jira_report(received_at=received.isoformat()))
    assert response.status_code == 201
    report = filed(response)
    assert report.received_at == received
    # The same report filed by the team at that moment has exactly these deadlines.
    twin = create_report(
        make_project("twin", preset="envoy"),
        title="twin",
        description="",
        reporter_name="",
        reporter_email="",
        received_at=received,
        actor=None,
    )

    def dates(of: Report) -> list[tuple[str, Any, Any]]:
        return list(of.deadlines.order_by("name").values_list("name", "due_at", "opens_at"))

    assert dates(report) == dates(twin)
    assert dates(report)
    # Twenty days on, the first timelines have run out: the desk shows them overdue.
    assert response.json()["deadlines"]["overdue"] >= 1


def test_an_already_public_import_starts_on_the_public_path(people: People) -> None:
    """EMI-4: a public link marks it public from T0 and the desk says its timelines are ASAP;
    EMI-14: they stay ASAP at CVSS 4.0 or more, and the normal ones return below 4.0."""
    received = T0 - timedelta(days=2)
    response = people.alice.post(
        IMPORT,
        jira_report(
            received_at=received.isoformat(),
            public_disclosure_url="https://github.com/emissary/emissary/issues/99",
        ),
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["public_disclosure_at"], body["embargoed"]) == (received.isoformat(), True)
    assert body["disclosure_level"] == "public"
    assert body["handling"]["asap"] is True  # unscored: waiting for a score must not slow it
    report = filed(response)
    asap = Deadline.objects.running().filter(report=report, asap=True)
    assert set(asap.values_list("due_at", flat=True)) == {received}

    def scored(vector: str) -> Any:
        version = Report.objects.get(pk=report.pk).version
        path = f"/reports/emissary/{report.number}/cvss"
        return people.alice.post(path, {"vector": vector, "version": version}).json()

    assert scored("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")["handling"]["asap"] is True
    low = scored("CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N")
    assert (low["cvss_score"], low["handling"]["asap"]) == (2.0, False)
    assert not Deadline.objects.running().filter(report=report, asap=True).exists()


def test_an_already_public_import_alerts_the_policys_list_at_once(people: People) -> None:
    """EMI-4, VIT-3: whatever the channel, the alert list hears of it when it is filed."""
    make_member(make_project("vitess"), people.cast.alice, TeamRole.SECURITY_TEAM)
    response = people.alice.post(
        "/projects/vitess/reports",
        jira_report(public_disclosure_url="https://github.com/vitessio/vitess/issues/7"),
    )
    alert = OutboundEmail.objects.get(
        report=filed(response), kind=OutboundEmail.Kind.ALREADY_PUBLIC_ALERT
    )
    assert alert.to == "cncf-vitess-maintainers@lists.cncf.io"


def test_a_published_third_party_vulnerability_is_recorded_as_such(people: People) -> None:
    """FOLIO-Q6: a dependency's vulnerability already published upstream."""
    response = people.alice.post(
        IMPORT,
        jira_report(third_party=True, public_disclosure_url="https://nvd.nist.gov/vuln/CVE-1"),
    )
    assert response.status_code == 201
    report = filed(response)
    assert report.third_party
    assert report.is_publicly_disclosed


def test_the_reporter_link_opens_the_imported_reports_page(people: People) -> None:
    response = people.alice.post(IMPORT, jira_report())
    link = response.json()["reporter_link"]
    assert link.startswith("http://testserver/r/vdr")
    page = Client().get(link.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "EMISSARY-3" in page.content.decode()


def test_without_reporter_link_no_link_is_issued(people: People) -> None:
    response = people.alice.post(IMPORT, jira_report(reporter_link=False))
    assert response.status_code == 201
    assert response.json()["reporter_link"] is None
    assert not ReporterLink.objects.filter(report=filed(response)).exists()


def acknowledge_in_two_days(project: Project) -> None:
    steps = {"acknowledged": {"quote": "Within two days.", "anchor": "disclosure", "within": "P2D"}}
    Project.objects.filter(pk=project.pk).update(policy_overrides={"timeline": {"steps": steps}})


def test_the_reporter_is_owed_an_acknowledgement(people: People) -> None:
    acknowledge_in_two_days(people.cast.emissary)
    report = filed(people.alice.post(IMPORT, jira_report()))
    email = OutboundEmail.objects.get(report=report)
    assert (email.kind, email.to) == (OutboundEmail.Kind.ACKNOWLEDGEMENT, "erin@example.org")
    assert "EMISSARY-3" in email.subject
    acknowledged = report.deadlines.get(name=ACKNOWLEDGEMENT_DEADLINE)
    assert acknowledged.met_at is None  # met when the worker sends it


def test_a_source_that_already_answered_the_reporter_owes_them_nothing(people: People) -> None:
    acknowledge_in_two_days(people.cast.emissary)
    report = filed(people.alice.post(IMPORT, jira_report(acknowledge=False)))
    assert not OutboundEmail.objects.filter(report=report).exists()
    acknowledged = report.deadlines.get(name=ACKNOWLEDGEMENT_DEADLINE)
    assert acknowledged.met_at == T0


def test_the_credit_line_is_kept_as_the_reporter_wants_it(people: People) -> None:
    report = filed(
        people.alice.post(IMPORT, jira_report(credit_kind="handle", credit_name="  @erin  "))
    )
    assert (report.credit_kind, report.credit_name) == ("handle", "@erin")
    anonymous = filed(
        people.alice.post(IMPORT, jira_report(credit_kind="anonymous", credit_name="Erin"))
    )
    assert (anonymous.credit_kind, anonymous.credit_name) == ("anonymous", "")


def test_importing_the_same_reference_again_returns_the_first_report(people: People) -> None:
    first = people.alice.post(IMPORT, jira_report(external_ref=JIRA))
    again = people.alice.post(IMPORT, jira_report(external_ref=f"  {JIRA} ", title="Edited"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["title"] == "Path traversal in the static file handler"
    assert again.json()["reporter_link"] is None
    report = filed(first)
    assert report.external_ref == JIRA
    assert Report.objects.filter(external_ref=JIRA).count() == 1
    assert ReporterLink.objects.filter(report=report).count() == 1
    assert OutboundEmail.objects.filter(report=report).count() == 1


def test_a_reference_is_unique_per_project_only(people: People) -> None:
    vitess = make_project("vitess")
    make_member(vitess, people.cast.alice, TeamRole.SECURITY_TEAM)
    emissary = people.alice.post(IMPORT, jira_report(external_ref="SEC-1"))
    other = people.alice.post("/projects/vitess/reports", jira_report(external_ref="SEC-1"))
    assert (emissary.status_code, other.status_code) == (201, 201)
    assert other.json()["key"] == "VITESS-1"


def test_imports_without_a_reference_are_each_filed(people: People) -> None:
    numbers = [people.alice.post(IMPORT, jira_report()).json()["number"] for _ in range(2)]
    assert numbers == [3, 4]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reporter_email": "erin at example.org"}, "body.reporter_email"),
        ({"public_disclosure_url": "javascript:alert(1)"}, "body.public_disclosure_url"),
        ({"public_disclosure_url": "not a link"}, "body.public_disclosure_url"),
        ({"credit_kind": "nickname", "credit_name": "Erin"}, "body.credit_kind"),
        ({"credit_name": "Erin"}, "body.credit_kind"),
        ({"credit_kind": "name"}, "body.credit_name"),
        ({"title": "   "}, "body.title"),
        ({"title": ""}, "body.title"),
        ({"title": "x" * 301}, "body.title"),
        ({"title": "nul\x00byte"}, "body.title"),
        ({"description": "x" * 100_001}, "body.description"),
        ({"external_ref": "x" * 301}, "body.external_ref"),
        ({"received_at": (T0 + timedelta(minutes=1)).isoformat()}, "body.received_at"),
        ({"received_at": "2024-02-01T10:00:00"}, "body.received_at"),  # no timezone
        ({"received_at": "1969-12-31T23:00:00Z"}, "body.received_at"),
        ({"third_party": True}, "body.third_party"),
        ({"acknowledge": "no"}, "body.acknowledge"),
        ({"channel": "email"}, "body.channel"),
    ],
)
def test_each_bad_field_is_a_422_naming_it_and_files_nothing(
    people: People, fields: dict[str, Any], field: str
) -> None:
    before = Report.objects.count()
    response = people.alice.post(IMPORT, jira_report(**fields))
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["field"] == field, body
    assert set(body) == {"code", "message", "field", "errors"}
    assert Report.objects.count() == before
    assert not OutboundEmail.objects.exists()


def test_a_missing_title_is_a_422_naming_it(people: People) -> None:
    response = people.alice.post(IMPORT, {"description": "no title"})
    assert (response.status_code, response.json()["field"]) == (422, "body.title")


def refused(api: Api, path: str = IMPORT) -> int:
    before = (Report.objects.count(), ReporterLink.objects.count(), AuditEvent.objects.count())
    status: int = api.post(path, jira_report()).status_code
    assert (Report.objects.count(), ReporterLink.objects.count(), AuditEvent.objects.count()) == (
        before
    )
    return status


def test_only_the_projects_security_team_and_operators_may_import(people: People) -> None:
    victor = make_user("victor")
    make_member(make_project("vitess"), victor, TeamRole.SECURITY_TEAM)
    other_team = Api(token_for(victor))
    operator = make_user("olga")
    operator.is_superuser = True
    operator.save()
    assert refused(people.anonymous) == 401
    assert refused(people.alice_reader) == 403
    assert people.alice_reader.post(IMPORT, jira_report()).json()["code"] == "read_only_token"
    assert refused(people.charlie) == 404
    assert refused(people.bob) == 404  # a Fix Lead of one report, not of the project
    assert refused(people.dave) == 404  # on a Fix Team
    assert refused(Api(token_for(people.cast.rita))) == 403  # sees the project, files nothing
    assert refused(other_team) == 404
    assert refused(people.alice, "/projects/nowhere/reports") == 404
    assert Api(token_for(operator)).post(IMPORT, jira_report()).status_code == 201


# -- concurrent imports of one reference -------------------------------------------------------


def importer() -> tuple[Project, Callable[[str], Imported]]:
    project = make_project("emissary", preset="envoy")
    alice = make_user("alice")
    make_member(project, alice, TeamRole.SECURITY_TEAM)

    def run(title: str) -> Imported:
        return import_report(
            project, title=title, reporter_email="erin@example.org", external_ref=JIRA, actor=alice
        )

    return project, run


def only_one_report_was_made(project: Project) -> Report:
    report = Report.objects.get(project=project)
    assert ReporterLink.objects.filter(report=report).count() == 1
    assert OutboundEmail.objects.filter(report=report).count() == 1
    assert AuditEvent.objects.filter(action="report.created").count() == 1
    assert audit.verify_chain() == []
    return report


@pytest.mark.django_db(transaction=True)
def test_an_import_that_loses_the_race_returns_the_winners_report() -> None:
    """A rival import of the same reference commits between this import's look-up and its
    insert: the unique constraint refuses the second report, and the winner's comes back."""
    project, run = importer()
    rival: list[Imported] = []

    def commit_rival() -> None:
        try:
            rival.append(run("the winner"))
        finally:
            connections.close_all()

    def rival_first(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # The first statement of the import's transaction (SQLite's BEGIN; PostgreSQL's first
        # query): the look-up has found nothing, and nothing is locked yet.
        if not rival and (sql.startswith("BEGIN") or context["connection"].in_atomic_block):
            thread = threading.Thread(target=commit_rival)
            thread.start()
            thread.join()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(rival_first):
        loser = run("the loser")
    assert len(rival) == 1
    assert rival[0].created
    assert (loser.created, loser.reporter_token) == (False, None)
    assert loser.report.pk == rival[0].report.pk
    assert only_one_report_was_made(project).title == "the winner"


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_reference_at_once_make_one_report() -> None:
    project, run = importer()
    barrier = threading.Barrier(2)

    def race(title: str) -> Imported:
        barrier.wait()
        try:
            return run(title)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(race, ["first", "second"]))
    assert sorted(result.created for result in results) == [False, True]
    assert results[0].report.pk == results[1].report.pk
    assert only_one_report_was_made(project).pk == results[0].report.pk
