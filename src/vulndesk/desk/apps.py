from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "vulndesk.desk"
    label = "desk"
    verbose_name = "Security desk"
