"""The CSAF 2.0 VEX renderer: documents the `csaf` validator accepts with every mandatory test, or
a refusal naming what the advisory lacks."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from csaf.csaf.v20.rules._shared import _cwe_name_latest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.advisories.examples import ADVISORY, ANIMALS, FIX, MODIFIED, PUBLISHED, without_ids
from tests.advisories.schemas import csaf_errors
from tests.advisories.strategies import advisories
from vulndesk.advisories import csaf
from vulndesk.advisories.cwe_names import NAMES
from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.advisories.model import Advisory, Affected, Cvss, Range, Revision

PUBLISHER = csaf.Publisher("Open edX", "https://openedx.org")
CVSS4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def render(advisory: Advisory = ADVISORY) -> dict[str, Any]:
    document = csaf.render(advisory, PUBLISHER)
    assert csaf_errors(document) == []
    return document


def test_the_example_is_a_valid_vex_document() -> None:
    document = render()
    assert document["document"]["category"] == "csaf_vex"
    assert document["document"]["csaf_version"] == "2.0"
    assert document["document"]["tracking"]["id"] == "OPENEDX-7"
    vulnerability = document["vulnerabilities"][0]
    assert vulnerability["cve"] == "CVE-2024-12345"
    assert vulnerability["ids"] == [
        {"system_name": "Open edX", "text": "OPENEDX-7"},
        {"system_name": "GitHub Security Advisory", "text": "GHSA-2222-3333-4444"},
    ]
    assert vulnerability["cwe"] == {
        "id": "CWE-79",
        "name": "Improper Neutralization of Input During Web Page Generation"
        " ('Cross-site Scripting')",
    }


def test_the_product_tree_names_ranges_listed_and_fixed_versions_with_stable_ids() -> None:
    advisory = replace(
        ADVISORY,
        affected=(
            *ADVISORY.affected,
            Affected("openedx-animals", ANIMALS, "redwood", versions=("1.9.0",)),
        ),
    )
    [vendor] = render(advisory)["product_tree"]["branches"]
    assert (vendor["category"], vendor["name"]) == ("vendor", "Open edX")
    [product] = vendor["branches"]
    assert (product["category"], product["name"]) == ("product_name", "openedx-animals")
    leaves = [(b["category"], b["name"], b["product"]["product_id"]) for b in product["branches"]]
    assert leaves == [
        ("product_version_range", "vers:pypi/>=3.0.0|<3.1.1", "openedx-animals:>=3.0.0|<3.1.1"),
        ("product_version", "3.1.1", "openedx-animals:3.1.1"),
        ("product_version_range", "vers:pypi/>=2.0.0|<=2.5.0", "openedx-animals:>=2.0.0|<=2.5.0"),
        ("product_version", "1.9.0", "openedx-animals:1.9.0"),
    ]
    fixed = product["branches"][1]["product"]
    assert fixed["product_identification_helper"] == {"purl": "pkg:pypi/openedx-animals@3.1.1"}
    # The same advisory gives the same ids: a later revision's document names the same products.
    assert render(advisory)["product_tree"] == render(advisory)["product_tree"]


def test_every_affected_product_has_a_remediation_naming_the_fix() -> None:
    vulnerability = render()["vulnerabilities"][0]
    assert vulnerability["product_status"] == {
        "known_affected": ["openedx-animals:>=3.0.0|<3.1.1", "openedx-animals:>=2.0.0|<=2.5.0"],
        "fixed": ["openedx-animals:3.1.1"],
    }
    assert vulnerability["remediations"] == [
        {
            "category": "vendor_fix",
            "details": "Update openedx-animals on the master line to 3.1.1.",
            "product_ids": ["openedx-animals:>=3.0.0|<3.1.1"],
        },
        {
            "category": "vendor_fix",
            "details": "No fix was released on the open-release/zebrawood.master line:"
            " update openedx-animals to 3.1.1.",
            "product_ids": ["openedx-animals:>=2.0.0|<=2.5.0"],
        },
    ]


def test_an_unfixed_product_says_no_fix_is_available() -> None:
    open_range = Affected("openedx-animals", ANIMALS, ranges=(Range("2.0.0"),))
    vulnerability = render(replace(ADVISORY, affected=(open_range,)))["vulnerabilities"][0]
    assert vulnerability["product_status"] == {"known_affected": ["openedx-animals:>=2.0.0"]}
    assert vulnerability["remediations"] == [
        {
            "category": "none_available",
            "details": "No fixed version of openedx-animals is known yet.",
            "product_ids": ["openedx-animals:>=2.0.0"],
        }
    ]


def test_a_version_in_a_purl_is_percent_encoded() -> None:
    listed = Affected("openedx-animals", ANIMALS, versions=("1.0+local build",))
    [vendor] = render(replace(ADVISORY, affected=(listed,)))["product_tree"]["branches"]
    helper = vendor["branches"][0]["branches"][0]["product"]["product_identification_helper"]
    assert helper == {"purl": "pkg:pypi/openedx-animals@1.0+local%20build"}


def test_the_project_itself_is_named_by_a_generic_range() -> None:
    project = Affected("Open edX", ranges=(Range(fixed="3.1.1"),), line="master")
    [vendor] = render(replace(ADVISORY, affected=(project,)))["product_tree"]["branches"]
    [product] = vendor["branches"]
    assert [b["name"] for b in product["branches"]] == ["vers:generic/<3.1.1", "3.1.1"]
    assert "product_identification_helper" not in product["branches"][1]["product"]


def test_a_cvss_3_vector_is_a_score_of_every_affected_product() -> None:
    [score] = render()["vulnerabilities"][0]["scores"]
    assert score["products"] == [
        "openedx-animals:>=3.0.0|<3.1.1",
        "openedx-animals:>=2.0.0|<=2.5.0",
    ]
    assert score["cvss_v3"] == {
        "version": "3.1",
        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
        "baseScore": 5.4,
        "baseSeverity": "MEDIUM",
    }


def test_a_cvss_4_vector_which_csaf_2_cannot_score_is_stated_in_a_note() -> None:
    vulnerability = render(replace(ADVISORY, severity=(Cvss(CVSS4),)))["vulnerabilities"][0]
    assert "scores" not in vulnerability
    [note] = [n for n in vulnerability["notes"] if n["title"] == "CVSS 4.0"]
    assert note["text"].startswith(f"{CVSS4} (base score 9.3, critical).")


def test_a_second_weakness_is_named_in_a_note() -> None:
    vulnerability = render(replace(ADVISORY, cwes=("CWE-79", "CWE-20")))["vulnerabilities"][0]
    assert vulnerability["cwe"]["id"] == "CWE-79"
    [note] = [n for n in vulnerability["notes"] if n["title"] == "Further weaknesses"]
    assert note["text"] == "CWE-20 Improper Input Validation"


def test_revisions_are_numbered_by_date_and_the_version_is_the_last() -> None:
    later = Revision(MODIFIED, "Fixed versions for the redwood line.")
    tracking = render(replace(ADVISORY, revisions=(later, *ADVISORY.revisions)))["document"][
        "tracking"
    ]
    assert tracking["status"] == "final"
    assert tracking["version"] == "2"
    assert [(r["number"], r["summary"]) for r in tracking["revision_history"]] == [
        ("1", "Published."),
        ("2", "Fixed versions for the redwood line."),
    ]
    assert tracking["initial_release_date"] == "2024-03-05T14:30:00.000Z"
    assert tracking["current_release_date"] == "2024-03-06T09:00:00.000Z"


def test_an_unpublished_advisory_is_a_draft_for_the_participants_only() -> None:
    document = render(replace(without_ids(ADVISORY), published=None, revisions=()))["document"]
    assert document["distribution"] == {"tlp": {"label": "AMBER"}}
    assert document["tracking"]["status"] == "draft"
    assert document["tracking"]["revision_history"] == [
        {"number": "1", "date": "2024-03-06T09:00:00.000Z", "summary": "Draft."}
    ]


def test_a_withdrawn_advisory_says_so() -> None:
    withdrawn = PUBLISHED + timedelta(days=2)
    document = render(replace(ADVISORY, withdrawn=withdrawn, modified=withdrawn))["document"]
    assert {
        "category": "general",
        "title": "Withdrawn",
        "text": ("This advisory was withdrawn on 2024-03-07T14:30:00.000Z."),
    } in document["notes"]


def test_it_refuses_every_problem_at_once() -> None:
    commits_only = Affected("Open edX", ranges=(Range(fixed=FIX, repo="https://github.com/o/e"),))
    listed_and_fixed = Affected(
        "openedx-animals", ANIMALS, ranges=(Range(fixed="3.1.1"),), versions=("3.1.1",)
    )
    advisory = replace(
        ADVISORY,
        summary="",
        details="",
        cwes=("CWE-2",),
        affected=(commits_only, listed_and_fixed),
    )
    with pytest.raises(IncompleteAdvisory) as refused:
        csaf.render(advisory, csaf.Publisher(" ", "", "distributor"))
    assert refused.value.problems == (
        "no publisher: name who issues the CSAF document",
        "the publisher's namespace '' is not an http(s) URL: give the publisher's web address",
        "the publisher's category 'distributor' is none of CSAF's: coordinator, discoverer,"
        " other, translator, user, vendor",
        "no description: write the report's title or description",
        "CWE-2 not in the CWE list (version 4.20): CSAF names a weakness as the list does;"
        " give a CWE ID the list has",
        "Open edX is known only by commits: CSAF names affected versions; record the affected"
        " range of versions",
        "openedx-animals 3.1.1 is listed as affected and named as a fixed version: correct the"
        " affected versions or the fixed one",
    )
    assert csaf.problems(advisory, csaf.Publisher(" ", "", "distributor")) == (
        refused.value.problems
    )


def test_nothing_affected_is_refused() -> None:
    assert csaf.problems(replace(ADVISORY, affected=()), PUBLISHER) == (
        "nothing affected is known: record the packages or release lines it affects and"
        " where each is fixed",
    )


def test_the_cwe_names_are_those_the_validator_checks() -> None:
    assert {n: _cwe_name_latest(str(n)) for n in NAMES} == NAMES


# CSAF refuses a CWE the CWE list lacks; the generated ids are any number.
known_cwes = st.lists(st.sampled_from(sorted(NAMES)).map("CWE-{}".format), max_size=3)
ALLOWED = (" is known only by commits: ", " is listed as affected and named as a fixed version")


@settings(max_examples=150, deadline=None)
@given(advisories(), known_cwes)
def test_generated_advisories_validate_or_are_refused_for_what_csaf_cannot_state(
    advisory: Advisory, cwes: list[str]
) -> None:
    advisory = replace(advisory, cwes=tuple(cwes))
    problems = csaf.problems(advisory, PUBLISHER)
    if problems:
        assert all(any(a in p for a in ALLOWED) for p in problems), problems
        return
    assert csaf_errors(csaf.render(advisory, PUBLISHER)) == []
