"""Refusals that only the desk can raise; the rule refusals live in `vulndesk.process`."""


class StaleReportError(Exception):
    """The report changed since the caller read it: reload, look, and try again."""
