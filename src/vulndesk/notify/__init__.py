"""Mail and other messages vulndesk sends: recorded in an outbox, delivered by the task worker."""
