from typing import Any

from django.core.management.base import BaseCommand

from vulndesk.desk.demo import DEMO_PASSWORD, DEMO_USERNAME, PROJECTS, demo_secret, load_demo


class Command(BaseCommand):
    help = "Load demo data: one project per preset, reports in every state, a demo login."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_demo()
        for project in created:
            self.stdout.write(f"created {project.name} ({project.preset} policy)")
        if len(created) < len(PROJECTS):
            self.stdout.write(f"{len(PROJECTS) - len(created)} demo projects were there already")
        self.stdout.write(f"demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
        self.stdout.write(
            f"demo second factor: key {demo_secret()} in any authenticator app, "
            "or `vulndesk democode` prints the current code"
        )
