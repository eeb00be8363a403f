from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "vulndesk.notify"
    label = "notify"
    verbose_name = "Outgoing messages"
