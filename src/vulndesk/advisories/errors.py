"""The one error a renderer raises: the record would not be valid in its format yet."""

from __future__ import annotations


class IncompleteAdvisory(ValueError):
    """What the advisory lacks for a format, every problem at once, each saying how to fix it.

    Renderers refuse rather than emit a record a database would reject: `problems(advisory)`
    lists the same problems without raising, for pages that show what is still missing.
    """

    def __init__(self, format_name: str, problems: tuple[str, ...]) -> None:
        self.format_name = format_name
        self.problems = problems
        listed = "\n".join(f"- {problem}" for problem in problems)
        super().__init__(f"the {format_name} record cannot be valid yet:\n{listed}")


class InvalidRecord(ValueError):
    """A record that cannot be imported as written: every problem at once, each starting with
    the JSON path of what is wrong ("$.affected[0].ranges[1].events[0].fixed: ...")."""

    def __init__(self, format_name: str, problems: tuple[str, ...]) -> None:
        self.format_name = format_name
        self.problems = problems
        listed = "\n".join(f"- {problem}" for problem in problems)
        super().__init__(f"the {format_name} record cannot be imported:\n{listed}")
