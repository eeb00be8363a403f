"""The advisory value refuses what no format could carry, naming the field and the fix."""

from dataclasses import replace
from datetime import datetime

import pytest

from tests.advisories.examples import ADVISORY
from vulndesk.advisories.model import Affected, Cvss, Range, Reference
from vulndesk.process.severity import CvssError


def test_a_cvss_vector_is_kept_in_canonical_metric_order() -> None:
    cvss = Cvss("CVSS:3.1/C:H/AV:N/AC:L/PR:N/UI:N/S:U/I:N/A:N")
    assert cvss.vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    assert cvss.scored.base_score == 7.5


def test_an_invalid_vector_is_refused_naming_the_metric() -> None:
    with pytest.raises(CvssError, match="AV:X"):
        Cvss("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")


def test_a_range_cannot_have_both_a_fixed_and_a_last_affected_version() -> None:
    with pytest.raises(ValueError, match="not both"):
        Range("1.0", fixed="1.2", last_affected="1.1")


def test_a_product_has_its_commits_in_one_repository() -> None:
    with pytest.raises(ValueError, match="2 repositories"):
        Affected(
            "proxy",
            ranges=(
                Range(fixed="a" * 40, repo="https://github.com/a/one"),
                Range(fixed="b" * 40, repo="https://github.com/a/two"),
            ),
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aliases": ("CVE-24-1",)}, "neither a CVE ID"),
        ({"cwes": ("79",)}, "not a CWE ID"),
        ({"modified": datetime(2024, 3, 1)}, "timezone-aware"),
        (
            {
                "severity": (
                    Cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),
                    Cvss("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"),
                )
            },
            "one CVSS 3",
        ),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        replace(ADVISORY, **change)  # type: ignore[arg-type]


def test_a_reference_must_be_an_absolute_web_address() -> None:
    with pytest.raises(ValueError, match=r"reference\.url"):
        Reference("javascript:alert(1)")


def test_repeats_are_dropped_keeping_the_first() -> None:
    advisory = replace(ADVISORY, cwes=("CWE-79", "CWE-20", "CWE-79"))
    assert advisory.cwes == ("CWE-79", "CWE-20")
