"""The REST API under /api/v1 (django-ninja), with its OpenAPI document at /api/docs."""
