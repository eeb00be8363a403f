"""Every preset's demo reports through every renderer: the record is valid against its official
schema, or refused naming exactly what the report does not know yet."""

import pytest
from django.test import override_settings

from tests.advisories.schemas import csaf_errors, cve_errors, osv_errors
from vulndesk.advisories import csaf, cve5, markdown, osv
from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.desk.demo import PROJECTS, load_demo
from vulndesk.desk.models import Report
from vulndesk.desk.services.advisory_export import build_advisory

CNA = cve5.Cna("8254265b-2729-46b6-b9e3-3dfca2d5bfca", "demo")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture
def demo() -> None:
    with override_settings(BASE_URL="https://desk.example.org"):
        load_demo()


def demo_reports() -> list[Report]:
    reports = list(Report.objects.select_related("project").order_by("project__slug", "number"))
    assert {r.project.preset for r in reports} == {spec.preset for spec in PROJECTS}
    return reports


@override_settings(BASE_URL="https://desk.example.org")
def test_cve_records_of_demo_reports_are_valid_once_they_have_a_cve_and_a_fix() -> None:
    valid = []
    for report in demo_reports():
        advisory = build_advisory(report)
        if report.cve_id and report.fixed_version:
            assert cve_errors(cve5.render(advisory, CNA)) == [], report.key
            valid.append(report.project.preset)
        else:
            with pytest.raises(IncompleteAdvisory) as refused:
                cve5.render(advisory, CNA)
            expected = [] if report.cve_id else ["no CVE ID: assign one"]
            expected += ["nothing affected is known"]
            assert [p[: len(e)] for p, e in zip(refused.value.problems, expected, strict=True)] == (
                expected
            ), report.key
    # released, published and closed in each preset
    assert sorted(valid) == sorted(spec.preset for spec in PROJECTS for _ in range(3))


@override_settings(BASE_URL="https://desk.example.org")
def test_osv_records_of_demo_reports_are_valid_where_a_package_is_affected() -> None:
    valid = []
    for report in demo_reports():
        advisory = build_advisory(report)
        problems = osv.problems(advisory)
        if not problems:
            assert osv_errors(osv.render(advisory)) == [], report.key
            valid.append(report.key)
            continue
        if not report.cve_id:
            assert problems[0].startswith(f"no id OSV accepts: {report.key!r}"), report.key
        if not report.affects.exists():
            assert "nothing affected is known" in problems[-1], report.key
        elif report.project.packages.exists():
            pytest.fail(f"{report.key}: {problems}")
        else:  # the project itself, which OSV cannot name by version
            assert "OSV states versions only of a package" in problems[-1], report.key
    # Open edX publishes openedx-animals: its released, published and closed reports.
    assert valid == ["OPENEDX-9", "OPENEDX-10", "OPENEDX-11"]


def test_every_demo_report_has_a_markdown_advisory() -> None:
    for report in demo_reports():
        text = markdown.render(build_advisory(report))
        assert text.startswith(f"# {report.title}\n"), report.key
        if report.fixed_version:
            assert f"| < {report.fixed_version} | {report.fixed_version} |" in text, report.key


PUBLISHER = csaf.Publisher("demo", "https://desk.example.org")


@override_settings(BASE_URL="https://desk.example.org")
def test_csaf_documents_of_demo_reports_are_valid_once_something_is_known_affected() -> None:
    """A CVE ID is not needed: the advisory's own id names the vulnerability in VEX."""
    valid = []
    for report in demo_reports():
        advisory = build_advisory(report)
        problems = csaf.problems(advisory, PUBLISHER)
        if report.affects.exists() or report.fixed_version:
            assert problems == (), report.key
            assert csaf_errors(csaf.render(advisory, PUBLISHER)) == [], report.key
            valid.append(report.project.preset)
        else:
            assert [p.split(":")[0] for p in problems] == ["nothing affected is known"], report.key
    # released, published and closed in each preset
    assert sorted(valid) == sorted(spec.preset for spec in PROJECTS for _ in range(3))
