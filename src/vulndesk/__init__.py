"""vulndesk: run an open-source project's security release process as software."""
