"""Advisories rendered from plain data: OSV, CVE JSON 5, CSAF, Markdown. No Django, no I/O."""
