"""OSV 1.7 records: valid against the official schema, and refused when they cannot be yet."""

from dataclasses import replace

import pytest
from hypothesis import given, settings

from tests.advisories.examples import ADVISORY, FIX, without_ids
from tests.advisories.schemas import osv_errors
from tests.advisories.strategies import advisories
from vulndesk.advisories import osv
from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.advisories.model import Advisory, Affected, Cvss, Package, Range


@settings(max_examples=150, deadline=None)
@given(advisories())
def test_every_complete_advisory_renders_a_valid_osv_record(advisory: Advisory) -> None:
    record = osv.render(advisory)
    assert osv_errors(record) == []
    assert osv.problems(advisory) == ()


def test_the_example_is_valid_and_says_what_it_knows() -> None:
    record = osv.render(ADVISORY)
    assert osv_errors(record) == []
    assert record["schema_version"].startswith("1.7.")
    assert record["id"] == "CVE-2024-12345"
    assert record["aliases"] == ["GHSA-2222-3333-4444"]
    assert record["published"] == "2024-03-05T14:30:00Z"
    assert record["modified"] == "2024-03-06T09:00:00Z"
    assert record["details"] == ADVISORY.details
    assert record["database_specific"] == {"vulndesk_id": "OPENEDX-7", "cwe_ids": ["CWE-79"]}
    assert record["credits"] == [{"name": "Dana Reporter", "type": "REPORTER"}]
    assert [r["type"] for r in record["references"]] == ["ADVISORY", "FIX", "WEB"]


def test_severity_vectors_are_in_canonical_metric_order() -> None:
    record = osv.render(
        replace(
            ADVISORY,
            severity=(
                Cvss("CVSS:3.1/C:L/AV:N/AC:L/PR:L/UI:R/S:C/I:L/A:N"),
                Cvss("CVSS:4.0/VC:H/AV:N/AC:L/AT:N/PR:L/UI:N/VI:H/VA:H/SC:N/SI:N/SA:N"),
            ),
        )
    )
    assert record["severity"] == [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"},
        {
            "type": "CVSS_V4",
            "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        },
    ]
    assert osv_errors(record) == []


def test_ranges_carry_fixed_or_last_affected_and_git_ranges_their_repository() -> None:
    master, zebrawood = osv.render(ADVISORY)["affected"]
    assert master["package"] == {
        "ecosystem": "PyPI",
        "name": "openedx-animals",
        "purl": "pkg:pypi/openedx-animals",
    }
    assert master["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "3.0.0"}, {"fixed": "3.1.1"}]},
        {
            "type": "GIT",
            "repo": "https://github.com/openedx/openedx-animals",
            "events": [{"introduced": "0"}, {"fixed": FIX}],
        },
    ]
    assert zebrawood["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "2.0.0"}, {"last_affected": "2.5.0"}]}
    ]
    assert zebrawood["database_specific"] == {"release_line": "open-release/zebrawood.master"}


@pytest.mark.parametrize(
    ("ecosystem", "bounds", "kind"),
    [
        ("npm", Range("1.0.0", fixed="1.2.3"), "SEMVER"),
        ("Go", Range(fixed="1.2.3"), "SEMVER"),
        ("npm", Range("1.0", fixed="1.2"), "ECOSYSTEM"),  # not semver: the ecosystem's order
        ("PyPI", Range("1.0.0", fixed="1.2.3"), "ECOSYSTEM"),
    ],
)
def test_semver_ecosystems_get_semver_ranges_when_the_versions_are_semver(
    ecosystem: str, bounds: Range, kind: str
) -> None:
    package = Package(ecosystem, "thing")
    advisory = replace(ADVISORY, affected=(Affected("thing", package, ranges=(bounds,)),))
    record = osv.render(advisory)
    assert record["affected"][0]["ranges"][0]["type"] == kind
    assert osv_errors(record) == []


def test_the_ghsa_id_is_the_id_when_there_is_no_cve() -> None:
    record = osv.render(replace(ADVISORY, aliases=("GHSA-2222-3333-4444",)))
    assert record["id"] == "GHSA-2222-3333-4444"
    assert "aliases" not in record


def test_the_projects_own_id_is_the_id_when_osv_accepts_it() -> None:
    record = osv.render(without_ids(ADVISORY, "PYSEC-2024-17"))
    assert record["id"] == "PYSEC-2024-17"
    assert osv_errors(record) == []


def test_without_an_id_osv_accepts_the_record_is_refused_saying_to_assign_a_cve() -> None:
    with pytest.raises(IncompleteAdvisory) as refused:
        osv.render(without_ids(ADVISORY))
    (problem,) = refused.value.problems
    assert "'OPENEDX-7'" in problem
    assert "vulndesk report cve" in problem
    assert "OSV record cannot be valid yet" in str(refused.value)


def test_with_nothing_affected_known_the_record_is_refused() -> None:
    assert osv.problems(replace(ADVISORY, affected=())) == (
        "nothing affected is known: record the packages or release lines it affects and where"
        " each is fixed",
    )


def test_the_project_itself_needs_fix_commits_for_osv_and_the_problem_names_it() -> None:
    itself = Affected("Emissary-ingress", line="1.13", ranges=(Range(fixed="1.13.4"),))
    (problem,) = osv.problems(replace(ADVISORY, affected=(itself,)))
    assert problem.startswith("Emissary-ingress on 1.13: OSV states versions only of a package")

    by_commit = replace(
        itself,
        ranges=(
            *itself.ranges,
            Range(fixed=FIX, repo="https://github.com/emissary-ingress/emissary"),
        ),
    )
    record = osv.render(replace(ADVISORY, affected=(by_commit,)))
    assert record["affected"][0]["ranges"] == [
        {
            "type": "GIT",
            "repo": "https://github.com/emissary-ingress/emissary",
            "events": [{"introduced": "0"}, {"fixed": FIX}],
        }
    ]
    assert osv_errors(record) == []


def test_an_ecosystem_osv_does_not_know_is_a_problem() -> None:
    affected = Affected("thing", Package("Pypi", "thing"), ranges=(Range(fixed="1.0"),))
    (problem,) = osv.problems(replace(ADVISORY, affected=(affected,)))
    assert "'Pypi' is not an ecosystem OSV knows" in problem
