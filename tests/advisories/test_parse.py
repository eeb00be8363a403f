"""Reading OSV and GitHub advisory JSON into the advisory value, and refusing bad records with
the JSON path of every problem."""

import copy
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings

from tests.advisories.examples import ADVISORY, ANIMALS, FIX
from tests.advisories.strategies import advisories
from vulndesk.advisories import osv
from vulndesk.advisories.errors import InvalidRecord
from vulndesk.advisories.model import (
    Advisory,
    Affected,
    Credit,
    CreditKind,
    Cvss,
    Package,
    Range,
    Reference,
    ReferenceKind,
)
from vulndesk.advisories.parse import detect, parse


def osv_states(advisory: Advisory) -> Advisory:
    """What an OSV record keeps of an advisory: times to the second, no revisions or vendor,
    release notes as web pages, the CVE (else GHSA) id first among the aliases, version ranges
    before commit ranges, and a product named only by its commits named by its repository,
    without the versions OSV would read as tags."""
    first = osv.record_id(advisory)
    return replace(
        advisory,
        vendor="Vendor",
        modified=advisory.modified.replace(microsecond=0),
        published=advisory.published and advisory.published.replace(microsecond=0),
        withdrawn=advisory.withdrawn and advisory.withdrawn.replace(microsecond=0),
        revisions=(),
        aliases=(first, *(a for a in advisory.aliases if a != first)),
        references=tuple(
            replace(r, kind=ReferenceKind.WEB) if r.kind is ReferenceKind.RELEASE_NOTES else r
            for r in advisory.references
        ),
        affected=tuple(
            replace(a, ranges=a.version_ranges + a.git_ranges)
            if a.package is not None
            else replace(a, product=a.repository, versions=(), repo="", ranges=a.git_ranges)
            for a in advisory.affected
        ),
    )


def test_an_osv_record_reads_back_into_the_advisory_it_was_rendered_from() -> None:
    parsed = parse(osv.render(ADVISORY), vendor="Vendor")
    assert parsed.advisory == osv_states(ADVISORY)
    assert parsed.format_name == "OSV"
    assert parsed.source_id == "CVE-2024-12345"
    assert parsed.affected_paths == ("$.affected[0]", "$.affected[1]")
    assert parsed.not_kept == ()


@settings(max_examples=100)
@given(advisories())
def test_every_generated_advisory_survives_osv_and_back(advisory: Advisory) -> None:
    assert parse(osv.render(advisory), vendor="Vendor", format_name="osv").advisory == osv_states(
        advisory
    )


def broken_record() -> dict[str, Any]:
    record = copy.deepcopy(osv.render(ADVISORY))
    record["affected"][0]["ranges"][0]["events"][1]["fixed"] = "3.1.1 final"
    record["severity"][0]["score"] = "CVSS:3.1/AV:X/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"
    record["affected"][1]["packages"] = []
    record["credits"][0]["type"] = "FRIEND"
    record["colour"] = "red"
    return record


def test_a_bad_record_is_refused_with_the_json_path_of_every_problem() -> None:
    with pytest.raises(InvalidRecord) as refused:
        parse(broken_record(), vendor="Vendor")
    problems = refused.value.problems
    assert problems[0].startswith("$.colour: unknown field; OSV has affected, aliases, ")
    assert "$.affected[1].packages: unknown field" in "\n".join(problems)
    assert any(
        p.startswith("$.affected[0].ranges[0].events[1].fixed: '3.1.1 final' is not a version")
        for p in problems
    )
    assert any(p.startswith("$.severity[0].score: ") and "AV:X" in p for p in problems)
    assert any(p.startswith("$.credits[0].type: 'FRIEND'") for p in problems)
    assert len(problems) == 5


def test_a_version_its_ecosystem_rejects_is_refused() -> None:
    record = osv.render(ADVISORY)
    record["affected"][1]["ranges"][0]["events"][0]["introduced"] = "2.0.0.dev-x"
    with pytest.raises(InvalidRecord, match=r"\$\.affected\[1\]\.ranges\[0\]\.events\[0\]"):
        parse(record, vendor="Vendor")


def test_a_fixed_event_without_an_introduced_one_is_refused() -> None:
    record = osv.render(ADVISORY)
    record["affected"][1]["ranges"][0]["events"] = [{"fixed": "2.5.1"}]
    with pytest.raises(InvalidRecord, match="put an introduced event before it"):
        parse(record, vendor="Vendor")


def test_what_the_value_cannot_hold_is_listed_as_not_kept() -> None:
    record = osv.render(ADVISORY)
    record["related"] = ["CVE-2023-1"]
    record["aliases"].append("PYSEC-2024-7")
    record["affected"][0]["ranges"][0]["events"].append({"limit": "4.0.0"})
    parsed = parse(record, vendor="Vendor")
    assert parsed.not_kept == (
        "$.aliases[1]: 'PYSEC-2024-7': only CVE and GHSA ids are kept as aliases",
        "$.related[0]: related ids are not kept",
        "$.affected[0].ranges[0].events[2].limit: limit events are not kept",
    )


GHSA_RECORD: dict[str, Any] = {
    "ghsa_id": "GHSA-2222-3333-4444",
    "cve_id": "CVE-2024-12345",
    "url": "https://api.github.com/advisories/GHSA-2222-3333-4444",
    "html_url": "https://github.com/advisories/GHSA-2222-3333-4444",
    "summary": "Stored XSS in the course description",
    "description": "A course author can store **script** in a description.",
    "type": "reviewed",
    "severity": "medium",
    "repository_advisory_url": None,
    "source_code_location": "https://github.com/openedx/openedx-animals",
    "identifiers": [
        {"value": "GHSA-2222-3333-4444", "type": "GHSA"},
        {"value": "CVE-2024-12345", "type": "CVE"},
    ],
    "references": ["https://example.org/release-notes/3.1.1"],
    "published_at": "2024-03-05T14:30:00Z",
    "updated_at": "2024-03-06T09:00:00Z",
    "github_reviewed_at": "2024-03-05T15:00:00Z",
    "nvd_published_at": None,
    "withdrawn_at": None,
    "vulnerabilities": [
        {
            "package": {"ecosystem": "pip", "name": "openedx-animals"},
            "vulnerable_version_range": ">= 3.0.0, < 3.1.1",
            "first_patched_version": "3.1.1",
            "vulnerable_functions": [],
        },
        {
            "package": {"ecosystem": "pip", "name": "openedx-animals"},
            "vulnerable_version_range": "<= 2.5.0",
            "first_patched_version": None,
            "vulnerable_functions": [],
        },
    ],
    "cvss": {"vector_string": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", "score": 5.4},
    "cvss_severities": {
        "cvss_v3": {"vector_string": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", "score": 5.4},
        "cvss_v4": {"vector_string": None, "score": 0.0},
    },
    "epss": {"percentage": 0.001, "percentile": 0.2},
    "cwes": [{"cwe_id": "CWE-79", "name": "Cross-site Scripting"}],
    "credits": [
        {
            "user": {"login": "dana", "id": 1, "html_url": "https://github.com/dana"},
            "type": "reporter",
        }
    ],
}


def test_a_github_advisory_reads_into_the_advisory() -> None:
    parsed = parse(GHSA_RECORD, vendor="Open edX")
    assert detect(GHSA_RECORD) == "ghsa"
    assert parsed.advisory == Advisory(
        id="GHSA-2222-3333-4444",
        vendor="Open edX",
        summary="Stored XSS in the course description",
        details="A course author can store **script** in a description.",
        modified=datetime(2024, 3, 6, 9, tzinfo=UTC),
        published=datetime(2024, 3, 5, 14, 30, tzinfo=UTC),
        aliases=("GHSA-2222-3333-4444", "CVE-2024-12345"),
        severity=(Cvss("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"),),
        cwes=("CWE-79",),
        affected=(
            Affected(
                "openedx-animals",
                Package("PyPI", "openedx-animals"),
                ranges=(Range("3.0.0", "3.1.1"),),
            ),
            Affected(
                "openedx-animals",
                Package("PyPI", "openedx-animals"),
                ranges=(Range(last_affected="2.5.0"),),
            ),
        ),
        credits=(Credit("dana", CreditKind.REPORTER, ("https://github.com/dana",)),),
        references=(
            Reference("https://github.com/advisories/GHSA-2222-3333-4444", ReferenceKind.ADVISORY),
            Reference("https://example.org/release-notes/3.1.1"),
            Reference("https://github.com/openedx/openedx-animals", ReferenceKind.PACKAGE),
        ),
    )
    assert parsed.affected_paths == ("$.vulnerabilities[0]", "$.vulnerabilities[1]")


def test_a_bad_github_advisory_is_refused_with_every_path() -> None:
    record = copy.deepcopy(GHSA_RECORD)
    record["vulnerabilities"][0]["vulnerable_version_range"] = "> 3.0.0"
    record["vulnerabilities"][1]["package"]["ecosystem"] = "cobol"
    record["cvss_severities"]["cvss_v4"]["vector_string"] = "CVSS:4.0/AV:N"
    record["cwes"][0]["cwe_id"] = "79"
    record["mood"] = "grim"
    with pytest.raises(InvalidRecord) as refused:
        parse(record, vendor="Open edX", format_name="ghsa")
    paths = [problem.split(":")[0] for problem in refused.value.problems]
    assert paths == [
        "$.mood",
        "$.cvss_severities.cvss_v4.vector_string",
        "$.cwes[0].cwe_id",
        "$.vulnerabilities[0].vulnerable_version_range",
        "$.vulnerabilities[1].package.ecosystem",
    ]


def test_a_record_of_neither_format_is_refused() -> None:
    with pytest.raises(InvalidRecord, match="neither an OSV record"):
        parse([GHSA_RECORD], vendor="Open edX")


def test_osv_git_ranges_keep_their_commits() -> None:
    parsed = parse(osv.render(ADVISORY), vendor="Vendor")
    assert parsed.advisory.affected[0].git_ranges == (
        Range(fixed=FIX, repo="https://github.com/openedx/openedx-animals"),
    )
    assert parsed.advisory.affected[0].package == ANIMALS


def test_a_nul_character_is_refused_where_it_stands() -> None:
    record = osv.render(ADVISORY)
    record["details"] = "before\x00after"
    record["credits"][0]["contact"] = ["dana\x00"]
    with pytest.raises(InvalidRecord) as refused:
        parse(record, vendor="Vendor")
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "$.details",
        "$.credits[0].contact[0]",
    ]
