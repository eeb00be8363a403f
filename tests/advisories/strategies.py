"""Hypothesis strategies for advisory values: any combination the value itself accepts."""

from datetime import UTC, datetime

from hypothesis import strategies as st

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
    Revision,
)

# Both schemas read years 1900-2999 only (CVE 5's timestamp pattern); advisories are recent.
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(str.strip)
# Valid in every ecosystem vulndesk checks: PEP 440 and semver alike (no leading zeros).
versions = st.from_regex(r"\A(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){2}(-rc\.[0-9])?\Z")
commits = st.from_regex(r"\A[0-9a-f]{40}\Z")
repos = st.from_regex(r"\Ahttps://github\.com/[a-z]{1,10}/[a-z-]{1,12}\Z")
urls = st.from_regex(r"\Ahttps://[a-z]{1,12}\.example\.org/[a-z0-9/-]{0,20}\Z")
cve_ids = st.from_regex(r"\ACVE-20[0-9]{2}-[0-9]{4,6}\Z")
ghsa_ids = st.from_regex(r"\AGHSA(-[23456789cfghjmpqrvwx]{4}){3}\Z")
cvss3 = st.builds(
    "CVSS:3.1/AV:{}/AC:{}/PR:{}/UI:{}/S:{}/C:{}/I:{}/A:{}".format,
    *(st.sampled_from(v) for v in ("NALP", "LH", "NLH", "NR", "UC", "NLH", "NLH", "NLH")),
)
cvss4 = st.builds(
    "CVSS:4.0/AV:{}/AC:{}/AT:{}/PR:{}/UI:{}/VC:{}/VI:{}/VA:{}/SC:{}/SI:{}/SA:{}".format,
    *(
        st.sampled_from(v)
        for v in ("NALP", "LH", "NP", "NLH", "NPA", "HLN", "HLN", "HLN", "HLN", "HLN", "HLN")
    ),
)


@st.composite
def version_ranges(draw: st.DrawFn) -> Range:
    introduced = draw(st.one_of(st.just("0"), versions))
    end = draw(st.sampled_from(["fixed", "last_affected", "open"]))
    if end == "open":
        return Range(introduced)
    return Range(introduced, **{end: draw(versions)})


@st.composite
def git_ranges(draw: st.DrawFn, repo: str) -> Range:
    introduced = draw(st.one_of(st.just("0"), commits))
    return Range(introduced, fixed=draw(st.one_of(st.just(""), commits)), repo=repo)


packages = st.builds(
    Package,
    ecosystem=st.sampled_from(["PyPI", "npm", "Go", "crates.io", "Maven"]),
    name=st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z"),
    purl=st.just(""),
)


@st.composite
def affected(draw: st.DrawFn) -> Affected:
    """An affected product OSV can state: a package with versions, or the project by commits."""
    repo = draw(repos)
    if draw(st.booleans()):
        package = draw(packages)
        ranges = draw(st.lists(st.one_of(version_ranges(), git_ranges(repo)), max_size=3))
        listed = draw(st.lists(versions, max_size=3, unique=True))
        if not ranges and not listed:
            ranges = [draw(version_ranges())]
        return Affected(
            product=package.name,
            package=package,
            line=draw(st.one_of(st.just(""), text)),
            ranges=tuple(ranges),
            versions=tuple(listed),
        )
    ranges = draw(st.lists(git_ranges(repo), min_size=1, max_size=2))
    ranges += draw(st.lists(version_ranges(), max_size=2))
    return Affected(product=draw(text), line=draw(text), ranges=tuple(ranges))


@st.composite
def advisories(draw: st.DrawFn) -> Advisory:
    """Advisories complete enough for OSV and CVE 5: a CVE ID, something affected, a link."""
    published = draw(st.one_of(st.none(), moments))
    severity = draw(
        st.one_of(
            st.tuples(),
            st.tuples(cvss3.map(Cvss)),
            st.tuples(cvss4.map(Cvss)),
            st.tuples(cvss3.map(Cvss), cvss4.map(Cvss)),
        )
    )
    aliases = [draw(cve_ids), *draw(st.lists(ghsa_ids, max_size=1))]
    return Advisory(
        id=draw(st.from_regex(r"\A[A-Z]{2,10}-[1-9][0-9]{0,4}\Z")),
        vendor=draw(text),
        summary=draw(text),
        details=draw(st.text(max_size=300).map(lambda t: t.replace("\x00", ""))),
        modified=draw(moments),
        published=published,
        withdrawn=draw(st.one_of(st.none(), moments)),
        aliases=tuple(draw(st.permutations(aliases))),
        severity=severity,
        cwes=tuple(draw(st.lists(st.integers(1, 1500).map("CWE-{}".format), max_size=3))),
        affected=tuple(draw(st.lists(affected(), min_size=1, max_size=3))),
        credits=tuple(
            draw(st.lists(st.builds(Credit, text, st.sampled_from(CreditKind)), max_size=3))
        ),
        references=tuple(
            draw(
                st.lists(
                    st.builds(Reference, urls, st.sampled_from(ReferenceKind)),
                    min_size=1,
                    max_size=4,
                )
            )
        ),
        revisions=tuple(draw(st.lists(st.builds(Revision, moments, text), max_size=2))),
    )
