"""Affected ranges as the desk stores them, read into advisory ranges."""

import pytest

from vulndesk.advisories.model import Range
from vulndesk.advisories.ranges import parse_range


@pytest.mark.parametrize(
    ("text", "fixed", "ranges", "versions"),
    [
        ("<1.13.4", "1.13.4", (Range(fixed="1.13.4"),), ()),
        (">=3.0,<3.9.2", "", (Range("3.0", fixed="3.9.2"),), ()),
        (">= 3.0 < 3.9.2", "", (Range("3.0", fixed="3.9.2"),), ()),
        (">=2.0, <=2.5.0", "", (Range("2.0", last_affected="2.5.0"),), ()),
        (">=2.0", "2.5.1", (Range("2.0", fixed="2.5.1"),), ()),
        (">=2.0", "", (Range("2.0"),), ()),
        ("", "1.0.1", (Range(fixed="1.0.1"),), ()),
        ("", "", (), ()),
        ("2.5.0 || ==2.6.0", "", (), ("2.5.0", "2.6.0")),
        (
            ">=1.0,<1.4 || >=2.0,<2.1",
            "",
            (Range("1.0", fixed="1.4"), Range("2.0", fixed="2.1")),
            (),
        ),
    ],
)
def test_it_reads_the_bounds_people_write(
    text: str, fixed: str, ranges: tuple[Range, ...], versions: tuple[str, ...]
) -> None:
    assert parse_range(text, fixed) == (ranges, versions)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (">1.0", "write '>=' and that version"),
        ("<1.0,<=1.1", "both '<' and '<='"),
        (">=1.0,>=1.1", "twice"),
        ("~=1.0", "cannot read"),
    ],
)
def test_it_refuses_bounds_no_advisory_can_state(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_range(text)
