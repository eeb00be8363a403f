"""Versions and ranges per ecosystem, and backport planning. No Django, no I/O.

- `ecosystems`: versions by PEP 440 (PyPI) and semver (npm) — parse, compare, the next patch
  release, compatibility (OEDX-8/9), tags from a pattern;
- `pins`: the pins of one package in requirements files, pyproject.toml, setup.cfg and
  package.json, found and bumped from the text alone;
- `metadata`: a package's own version in its metadata, read and set;
- `plan` and `backport`: the values of a backport plan, and the planner (OEDX-2 to OEDX-14);
- `spans`: where a value sits in TOML or JSON text, so rewrites keep every other byte.
"""
