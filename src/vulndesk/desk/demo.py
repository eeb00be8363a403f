"""The demo data set: one project per preset, reports in every state, and a demo login."""

DEMO_USERNAME = "demo"
# Printed by `vulndesk serve` so a first-time user can log in; `vulndesk demo` sets it.
DEMO_PASSWORD = "demo-vulndesk"  # noqa: S105
