"""Versions and ranges per ecosystem, and backport planning. No Django, no I/O."""
