"""CVE JSON 5.1 records: valid against cvelib's bundled schemas, refused when they cannot be."""

from dataclasses import replace

import pytest
from hypothesis import given, settings

from tests.advisories.examples import ADVISORY, FIX
from tests.advisories.schemas import cve_errors
from tests.advisories.strategies import advisories
from vulndesk.advisories import cve5
from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.advisories.model import (
    Advisory,
    Affected,
    Credit,
    CreditKind,
    Cvss,
    Range,
    Reference,
    ReferenceKind,
)

CNA = cve5.Cna("8254265b-2729-46b6-b9e3-3dfca2d5bfca", "openedx")


@settings(max_examples=150, deadline=None)
@given(advisories())
def test_every_complete_advisory_renders_a_valid_cve_record(advisory: Advisory) -> None:
    assert cve_errors(cve5.render(advisory, CNA)) == []


def test_the_example_is_a_published_record_of_its_cve() -> None:
    record = cve5.render(ADVISORY, CNA)
    assert cve_errors(record) == []
    assert record["dataVersion"] == "5.1"
    assert record["cveMetadata"] == {
        "cveId": "CVE-2024-12345",
        "assignerOrgId": CNA.org_id,
        "assignerShortName": "openedx",
        "state": "PUBLISHED",
        "dateUpdated": "2024-03-06T09:00:00.000Z",
        "datePublished": "2024-03-05T14:30:00.000Z",
    }
    cna = record["containers"]["cna"]
    assert cna["title"] == ADVISORY.summary
    assert cna["descriptions"][0]["supportingMedia"][0]["type"] == "text/markdown"
    assert cna["problemTypes"] == [
        {
            "descriptions": [
                {"lang": "en", "cweId": "CWE-79", "description": "CWE-79", "type": "CWE"}
            ]
        }
    ]
    assert cna["credits"] == [{"lang": "en", "value": "Dana Reporter", "type": "reporter"}]
    assert [r.get("tags") for r in cna["references"]] == [
        ["vendor-advisory"],
        ["patch"],
        ["release-notes"],
    ]


def test_affected_versions_are_ranges_with_the_rest_unaffected() -> None:
    master, zebrawood = cve5.render(ADVISORY, CNA)["containers"]["cna"]["affected"]
    assert master == {
        "vendor": "Open edX",
        "product": "openedx-animals",
        "collectionURL": "https://pypi.python.org",
        "packageName": "openedx-animals",
        "repo": "https://github.com/openedx/openedx-animals",
        "versions": [
            {
                "version": "3.0.0",
                "status": "affected",
                "versionType": "python",
                "lessThan": "3.1.1",
            },
            {"version": "0", "status": "affected", "versionType": "git", "lessThan": FIX},
        ],
        "defaultStatus": "unaffected",
    }
    assert zebrawood["versions"] == [
        {
            "version": "2.0.0",
            "status": "affected",
            "versionType": "python",
            "lessThanOrEqual": "2.5.0",
        }
    ]


def test_the_project_itself_is_named_by_vendor_and_product() -> None:
    itself = Affected("Emissary-ingress", line="1.13", ranges=(Range("1.13.0"),))
    record = cve5.render(replace(ADVISORY, vendor="Emissary-ingress", affected=(itself,)), CNA)
    assert record["containers"]["cna"]["affected"] == [
        {
            "vendor": "Emissary-ingress",
            "product": "Emissary-ingress",
            "versions": [
                {
                    "version": "1.13.0",
                    "status": "affected",
                    "versionType": "custom",
                    "lessThan": "*",
                }
            ],
            "defaultStatus": "unaffected",
        }
    ]
    assert cve_errors(record) == []


def test_metrics_carry_score_and_severity_of_each_vector() -> None:
    advisory = replace(
        ADVISORY,
        severity=(
            Cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
        ),
    )
    record = cve5.render(advisory, CNA)
    v3, v4 = record["containers"]["cna"]["metrics"]
    assert v3["cvssV3_1"] == {
        "version": "3.1",
        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "baseScore": 9.8,
        "baseSeverity": "CRITICAL",
    }
    assert v4["cvssV4_0"]["version"] == "4.0"
    assert v4["cvssV4_0"]["baseScore"] == 8.7
    assert v4["cvssV4_0"]["baseSeverity"] == "HIGH"
    assert cve_errors(record) == []


def test_credit_kinds_take_cve_spelling() -> None:
    credits = (Credit("Sam", CreditKind.REMEDIATION_DEVELOPER),)
    record = cve5.render(replace(ADVISORY, credits=credits), CNA)
    assert record["containers"]["cna"]["credits"][0]["type"] == "remediation developer"
    assert cve_errors(record) == []


def test_without_a_cve_id_nothing_affected_and_no_reference_every_problem_is_named() -> None:
    bare = replace(ADVISORY, aliases=(), affected=(), references=())
    with pytest.raises(IncompleteAdvisory) as refused:
        cve5.render(bare, cve5.Cna("not-a-uuid"))
    problems = refused.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("no CVE ID: assign one")
    assert "'not-a-uuid' is not a UUID" in problems[1]
    assert problems[2].startswith("nothing affected is known")
    assert problems[3].startswith("no reference")


def test_a_description_longer_than_cve_allows_is_a_problem() -> None:
    (problem,) = cve5.problems(replace(ADVISORY, details="x" * 4097), CNA)
    assert "4097 characters" in problem


def test_a_page_named_twice_is_one_reference_with_both_tags() -> None:
    """CVE 5 refuses a URL listed twice; the advisory value keeps a page once per kind."""
    page = "https://github.com/openedx/openedx-animals/security/advisories/1"
    advisory = replace(
        ADVISORY,
        references=(
            Reference(page, ReferenceKind.ADVISORY),
            Reference(page, ReferenceKind.WEB),
            Reference(page, ReferenceKind.FIX),
        ),
    )
    record = cve5.render(advisory, CNA)
    assert cve_errors(record) == []
    assert record["containers"]["cna"]["references"] == [
        {"url": page, "tags": ["vendor-advisory", "patch"]}
    ]
