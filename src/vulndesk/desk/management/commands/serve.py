import http.client
import ipaddress
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from types import FrameType
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from vulndesk.desk.demo import DEMO_PASSWORD, DEMO_USERNAME


class Command(BaseCommand):
    help = "Run vulndesk: a gunicorn web server and a task worker, stopped together by Ctrl-C."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument(
            "--port", type=port_number, default=8000, help="port to listen on (8000)"
        )
        parser.add_argument("--web-workers", type=int, default=4, help="web processes (4)")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        demo_login = (
            get_user_model().objects.filter(username=DEMO_USERNAME, is_active=True).exists()
        )
        if demo_login and not is_loopback(host):
            raise CommandError(
                f"the demo login ({DEMO_USERNAME}) has a published password, so vulndesk serves "
                "it on this machine only: use --host 127.0.0.1, or deactivate the demo user "
                "in the admin first"
            )
        if problem := listen_problem(host, port):
            raise CommandError(problem)
        web = subprocess.Popen(  # noqa: S603
            [
                sys.executable, "-m", "gunicorn",
                "--bind", f"{host}:{port}",
                "--workers", str(options["web_workers"]),
                # Threaded (gthread) workers of gunicorn 27 were seen to hang on Ctrl-C here;
                # plain sync workers stop at once.
                "--worker-class", "sync",
                "--access-logfile", "-",
                # gunicorn would put a control socket in ~/.gunicorn; vulndesk keeps no state there.
                "--no-control-socket",
                "vulndesk.wsgi:application",
            ]
        )  # fmt: skip
        worker = subprocess.Popen([sys.executable, "-m", "vulndesk", "worker", "--no-reload"])
        children = {"web server": web, "task worker": worker}
        requested: list[int] = []

        def stop_all() -> None:
            for child in children.values():
                child.terminate()

        def stop(signum: int, frame: FrameType | None) -> None:
            requested.append(signum)
            stop_all()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if wait_for_app(host, port, web):
            self.stdout.write(f"vulndesk is running at http://{host}:{port}/")
            if demo_login:
                self.stdout.write(f"demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
            self.stdout.write("press Ctrl-C to stop")
            self.stdout.flush()
        # If either child dies, take the other down too: half a vulndesk is worse than none.
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.2)
        died = [
            f"{name} (exit code {c.returncode})"
            for name, c in children.items()
            if c.poll() is not None
        ]
        stop_all()
        for child in children.values():
            child.wait(timeout=30)
        if not requested:
            raise CommandError(f"the {died[0]} stopped, so vulndesk stopped too")


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return int(text)


def listen_problem(host: str, port: int) -> str | None:
    """Why the web server could not listen on host:port, found before starting it. Otherwise
    gunicorn retries for seconds, while wait_for_app() greets whatever else answers there."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
            probe.bind(address)
    except OSError as exc:
        return (
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. If another vulndesk or "
            "another server uses the port, stop it, or choose another port with --port."
        )
    return None


def wait_for_app(
    host: str, port: int, process: subprocess.Popen[bytes], timeout: float = 60
) -> bool:
    """True once vulndesk answers a page over HTTP, so "running" is printed only when a user's
    first request will be served; False if the server died first or never answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        connection = http.client.HTTPConnection(host, port, timeout=5)
        try:
            connection.request("GET", reverse("login"))
            if connection.getresponse().status < 500:
                return True
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    return False
