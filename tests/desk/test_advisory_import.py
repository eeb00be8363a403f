"""Importing an OSV or GitHub advisory as a past, published report, and exporting it again."""

import copy
import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings

from tests.advisories.examples import ADVISORY
from tests.advisories.strategies import advisories
from tests.advisories.test_parse import GHSA_RECORD, osv_states
from tests.desk.factories import make_project
from vulndesk.advisories import osv
from vulndesk.advisories.errors import InvalidRecord
from vulndesk.advisories.model import Advisory, Package, Revision, purl_for
from vulndesk.advisories.parse import parse
from vulndesk.desk.models import AuditEvent, Project, ReleaseLine, Report
from vulndesk.desk.models import Package as PackageRow
from vulndesk.desk.services.advisory_export import build_advisory
from vulndesk.desk.services.advisory_import import import_advisory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 1, tzinfo=UTC)
slugs = (f"past{n}" for n in itertools.count())


def open_edx(slug: str = "openedx") -> Project:
    project = make_project(slug, preset="openedx")
    PackageRow.objects.create(
        project=project, name="openedx-animals", ecosystem="PyPI", repository="/srv/animals"
    )
    for name in ("master", "open-release/zebrawood.master"):
        ReleaseLine.objects.create(project=project, name=name)
    return project


def desk_keeps(advisory: Advisory, report: Report) -> Advisory:
    """What a report holds of an imported advisory: one score (CVSS 3 where there are two),
    packages it publishes by their version ranges, no commit ranges, dates as published, and
    its summary as a title, which the desk keeps without surrounding blanks as every form does."""
    read = osv_states(advisory)
    kept = tuple(
        replace(
            a,
            package=replace(a.package, purl=purl_for(a.package.ecosystem, a.package.name)),
            ranges=a.version_ranges,
        )
        for a in read.affected
        if a.package is not None and (a.version_ranges or a.versions)
    )
    published = read.published or read.modified
    return replace(
        read,
        id=report.key,
        vendor=report.project.name,
        summary=read.summary.strip(),
        modified=max(report.updated_at, published),
        published=published,
        severity=tuple(sorted(read.severity, key=lambda s: s.scored.version))[:1],
        affected=kept,
        revisions=(Revision(published, "Published."),),
    )


def test_an_osv_record_becomes_a_published_report_that_exports_as_it_came() -> None:
    project = open_edx()
    parsed = parse(osv.render(ADVISORY), vendor=project.name)
    imported = import_advisory(project, parsed, actor=None)
    report = imported.report
    assert (report.key, report.state, report.external_ref) == (
        "OPENEDX-1",
        "published",
        "CVE-2024-12345",
    )
    assert report.published_at == report.received_at == ADVISORY.published
    assert (report.cve_id, report.aliases) == ("CVE-2024-12345", ["GHSA-2222-3333-4444"])
    assert (str(report.cvss_score), report.severity) == ("5.4", "medium")  # scored (FOLIO)
    assert [
        (a.package, a.release_line and a.release_line.name, a.affected_range, a.status)
        for a in report.affects.order_by("pk")
    ] == [
        ("openedx-animals", "master", ">=3.0.0, <3.1.1", "fixed"),
        ("openedx-animals", "open-release/zebrawood.master", ">=2.0.0, <=2.5.0", "affected"),
    ]
    assert imported.not_kept == (
        "$.affected[0]: commit ranges of https://github.com/openedx/openedx-animals are not"
        " kept (the desk records fix commits with a backport)",
    )
    assert build_advisory(report) == desk_keeps(ADVISORY, report)
    assert AuditEvent.objects.filter(report=report, action="report.imported").count() == 1


def test_a_github_advisory_becomes_a_report() -> None:
    project = open_edx()
    report = import_advisory(project, parse(GHSA_RECORD, vendor=project.name), actor=None).report
    assert (report.external_ref, report.cve_id, report.aliases) == (
        "GHSA-2222-3333-4444",
        "CVE-2024-12345",
        ["GHSA-2222-3333-4444"],
    )
    assert report.other_credits == [
        {"name": "dana", "kind": "REPORTER", "contact": ["https://github.com/dana"]}
    ]
    assert report.cwe_ids == ["CWE-79"]
    record = osv.render(build_advisory(report))
    assert record["credits"] == [
        {"name": "dana", "type": "REPORTER", "contact": ["https://github.com/dana"]}
    ]
    assert record["affected"][0]["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "3.0.0"}, {"fixed": "3.1.1"}]}
    ]


def test_importing_the_same_advisory_twice_is_refused_naming_the_report() -> None:
    project = open_edx()
    import_advisory(project, parse(osv.render(ADVISORY), vendor="x"), actor=None)
    with pytest.raises(
        InvalidRecord, match=r"\$\.id: CVE-2024-12345 was imported before as OPENEDX-1"
    ):
        import_advisory(project, parse(osv.render(ADVISORY), vendor="x"), actor=None)
    with pytest.raises(
        InvalidRecord,
        match=r"\$\.identifiers: CVE-2024-12345, GHSA-2222-3333-4444 already name OPENEDX-1;",
    ):
        import_advisory(project, parse(GHSA_RECORD, vendor="x"), actor=None)
    assert project.reports.count() == 1


def test_a_package_or_line_the_project_lacks_refuses_the_whole_record() -> None:
    project = open_edx()
    record = copy.deepcopy(osv.render(ADVISORY))
    record["affected"][1]["package"]["name"] = "openedx-plants"
    record["affected"][0]["database_specific"]["release_line"] = "nightly"
    with pytest.raises(InvalidRecord) as refused:
        import_advisory(project, parse(record, vendor="x"), actor=None)
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "$.affected[0].database_specific.release_line",
        "$.affected[1].package",
    ]
    assert not Report.objects.exists()


def test_a_failure_half_way_leaves_nothing_imported() -> None:
    """The fixed version is too long for the desk only when the affect is written, after the
    report was made and scored: the transaction takes all of it back."""
    project = open_edx()
    long_version = "3." + "1" * 120
    record = copy.deepcopy(osv.render(ADVISORY))
    record["affected"][0]["ranges"][0]["events"][1]["fixed"] = long_version
    with pytest.raises(InvalidRecord, match="fixed_version"):
        import_advisory(project, parse(record, vendor="x"), actor=None)
    assert not Report.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_withdrawn_advisory_is_not_imported() -> None:
    project = open_edx()
    record = osv.render(replace(ADVISORY, withdrawn=NOW))
    with pytest.raises(InvalidRecord, match=r"\$\.withdrawn: the advisory was withdrawn"):
        import_advisory(project, parse(record, vendor="x"), actor=None)


def importable(advisory: Advisory) -> Advisory:
    """Packages on PyPI named as the test project registers them, lines it has, not withdrawn."""
    return replace(
        advisory,
        withdrawn=None,
        affected=tuple(
            replace(a, product="animals", package=Package("PyPI", "animals"), line=a.line and "1.x")
            if a.package is not None
            else a
            for a in advisory.affected
        ),
    )


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(advisories().map(importable))
@example(importable(replace(ADVISORY, summary=" Crash on a long header ")))
def test_import_then_export_keeps_every_field_the_report_holds(
    advisory: Advisory,
) -> None:
    project = make_project(next(slugs), preset="openedx")
    PackageRow.objects.create(project=project, name="animals", ecosystem="PyPI", repository="/x")
    ReleaseLine.objects.create(project=project, name="1.x")
    report = import_advisory(project, parse(osv.render(advisory), vendor="x"), actor=None).report
    assert build_advisory(report) == desk_keeps(advisory, report)
