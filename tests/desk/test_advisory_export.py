"""A report becomes an advisory value with what it knows, and the reporter's credit choice."""

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from tests.advisories.schemas import cve_errors, osv_errors
from tests.desk.cast import Cast, make_cast, publish
from vulndesk.advisories import cve5, osv
from vulndesk.advisories.model import (
    Affected,
    Credit,
    CreditKind,
    Package,
    Range,
    Reference,
    ReferenceKind,
    Revision,
)
from vulndesk.desk.models import Affect, AffectStatus, Backport, ReleaseLine, Report
from vulndesk.desk.models import Package as PackageRow
from vulndesk.desk.services.advisory_export import AdvisoryDataError, build_advisory

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
FIX = "c0ffee" + "0" * 34
CNA = cve5.Cna("8254265b-2729-46b6-b9e3-3dfca2d5bfca")

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast() -> Cast:
    cast = make_cast()
    cast.emissary.repository_url = "https://github.com/emissary-ingress/emissary"
    cast.emissary.save()
    publish(
        cast.crash,
        cve_id="CVE-2024-12345",
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        cvss_version="3.1",
        credit_kind="name",
        credit_name="Dana Reporter",
    )
    return cast


def affect(report: Report, line: str, **fields: object) -> Affect:
    release_line, _ = ReleaseLine.objects.get_or_create(project=report.project, name=line)
    return Affect.objects.create(report=report, release_line=release_line, **fields)


def client_package(cast: Cast) -> PackageRow:
    return PackageRow.objects.create(
        project=cast.emissary,
        name="emissary-client",
        ecosystem="npm",
        repository="https://github.com/emissary-ingress/client.git",
    )


def test_the_reports_facts_make_the_advisory(cast: Cast) -> None:
    advisory = build_advisory(cast.crash)
    assert advisory.id == "EMISSARY-2"
    assert advisory.vendor == "Emissary"
    assert advisory.summary == cast.crash.title
    assert advisory.details == cast.crash.description
    assert advisory.aliases == ("CVE-2024-12345",)
    assert [s.vector for s in advisory.severity] == [cast.crash.cvss_vector]
    assert advisory.published == T0
    assert advisory.modified == T0
    assert advisory.revisions == (Revision(T0, "Published."),)
    assert advisory.credits == (Credit("Dana Reporter", CreditKind.REPORTER),)


def test_affects_become_affected_products_and_not_affected_lines_stay_out(cast: Cast) -> None:
    affect(
        cast.crash,
        "1.13",
        affected_range="<1.13.4",
        fixed_version="1.13.4",
        status=AffectStatus.FIXED,
    )
    affect(cast.crash, "1.12", status=AffectStatus.NOT_AFFECTED)
    (itself,) = build_advisory(cast.crash).affected
    assert itself == Affected(
        "Emissary",
        line="1.13",
        ranges=(Range(fixed="1.13.4"),),
        repo="https://github.com/emissary-ingress/emissary",
    )


def test_a_registered_package_gives_ecosystem_purl_and_its_fix_commits(cast: Cast) -> None:
    package = client_package(cast)
    Backport.objects.create(report=cast.crash, package=package, fix_commits=[FIX])
    affect(cast.crash, "1.13", package="emissary-client", affected_range=">=2.0.0, <2.1.3")
    advisory = build_advisory(cast.crash)
    (client,) = advisory.affected
    repo = "https://github.com/emissary-ingress/client.git"
    assert client.package == Package("npm", "emissary-client", "pkg:npm/emissary-client")
    assert client.ranges == (Range("2.0.0", fixed="2.1.3"), Range(fixed=FIX, repo=repo))
    assert (
        Reference(f"https://github.com/emissary-ingress/client/commit/{FIX}", ReferenceKind.FIX)
        in advisory.references
    )
    record = osv.render(advisory)
    assert osv_errors(record) == []
    assert record["affected"][0]["ranges"][0] == {
        "type": "SEMVER",
        "events": [{"introduced": "2.0.0"}, {"fixed": "2.1.3"}],
    }
    assert cve_errors(cve5.render(advisory, CNA)) == []


@pytest.mark.parametrize(
    ("kind", "name", "credited"),
    [
        ("name", "Dana Reporter", ("Dana Reporter",)),
        ("handle", "@dana", ("@dana",)),
        ("anonymous", "Dana Reporter", ()),  # typed before, then chose not to be named
        ("", "Dana Reporter", ()),  # not decided yet: nobody by name
    ],
)
def test_credit_follows_the_reporters_choice(
    cast: Cast, kind: str, name: str, credited: tuple[str, ...]
) -> None:
    Report.objects.filter(pk=cast.crash.pk).update(credit_kind=kind, credit_name=name)
    cast.crash.refresh_from_db()
    assert tuple(c.name for c in build_advisory(cast.crash).credits) == credited


def test_the_advisory_page_is_linked_where_the_desk_knows_its_address(cast: Cast) -> None:
    assert build_advisory(cast.crash).references == ()
    with override_settings(BASE_URL="https://desk.example.org"):
        references = build_advisory(cast.crash).references
    assert references == (
        Reference("https://desk.example.org/advisories/emissary/2/", ReferenceKind.ADVISORY),
    )


def test_without_affects_the_fixed_release_bounds_the_project(cast: Cast) -> None:
    Report.objects.filter(pk=cast.crash.pk).update(fixed_version="1.13.4")
    cast.crash.refresh_from_db()
    (itself,) = build_advisory(cast.crash).affected
    assert itself.ranges == (Range(fixed="1.13.4"),)


def test_a_range_no_advisory_can_state_is_refused_naming_the_affect(cast: Cast) -> None:
    affect(cast.crash, "1.13", affected_range=">1.13.0")
    with pytest.raises(AdvisoryDataError, match=r"the affect of the project on 1\.13: '>1\.13\.0'"):
        build_advisory(cast.crash)
