"""`vulndesk serve`: the web server and a task worker, over real HTTP, stopped together.

Every process runs in its own process group, which the test kills whatever happens; every wait
is bounded; the network is 127.0.0.1 only.
"""

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urljoin
from urllib.request import HTTPCookieProcessor, OpenerDirector, ProxyHandler, build_opener

import pytest

from tests.cli.helpers import run_process

STARTUP_TIMEOUT = 30
STOP_TIMEOUT = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def live_group_members(group: int) -> list[str]:
    """Processes still running in process group `group` (zombies are already gone)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = stat_file.read_text()
        except OSError:  # it exited while we looked
            continue
        # "pid (command) state ppid pgrp …"; the command may itself hold spaces and brackets.
        state, _ppid, pgrp = stat.rpartition(")")[2].split()[:3]
        if int(pgrp) == group and state != "Z":
            found.append(stat.partition(" ")[0] + " " + stat.partition("(")[2].rpartition(")")[0])
    return found


@dataclass
class Server:
    process: subprocess.Popen[str]
    lines: "queue.Queue[str]" = field(default_factory=queue.Queue)
    output: list[str] = field(default_factory=list)

    def read_until(self, pattern: str, timeout: float) -> re.Match[str]:
        """Wait for a line of output that matches `pattern`, for at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.output.append(line)
            if match := re.search(pattern, line):
                return match
        pytest.fail(f"no line matching {pattern!r} within {timeout} s:\n{''.join(self.output)}")

    def stop_group(self) -> None:
        """Take everything down, whatever state it is in: the tests' safety net."""
        with suppress(ProcessLookupError):  # already gone, with everything it started
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def serving(env: dict[str, str], port: int) -> Iterator[Server]:
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "vulndesk", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so that nothing can outlive the test
    )
    server = Server(process)
    assert process.stdout is not None
    stdout = process.stdout

    def read() -> None:  # a thread of its own, so a full pipe never blocks the server
        for line in stdout:
            server.lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield server
    finally:
        server.stop_group()
        reader.join(timeout=STOP_TIMEOUT)
        stdout.close()


def http_client() -> OpenerDirector:
    """A client with a cookie jar that never goes through a proxy, even if one is configured."""
    return build_opener(ProxyHandler({}), HTTPCookieProcessor(CookieJar()))


def get(client: OpenerDirector, url: str) -> tuple[int, str, str, str]:
    with client.open(url, timeout=10) as response:
        body = response.read().decode()
        return response.status, response.url, response.headers.get_content_type(), body


def assert_stops_completely(server: Server, port: int) -> None:
    """serve exits 0, and takes the web server and the task worker with it."""
    assert server.process.wait(timeout=STOP_TIMEOUT) == 0, "".join(server.output)
    deadline = time.monotonic() + STOP_TIMEOUT
    while (left_over := live_group_members(server.process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left_over == []
    assert not accepts_connections(port)


def test_serve_answers_over_http_lets_the_demo_user_in_and_stops_on_ctrl_c(
    demo_env: dict[str, str],
) -> None:
    port = free_port()
    with serving(demo_env, port) as server:
        url = server.read_until(r"vulndesk is running at (http://\S+)", STARTUP_TIMEOUT)[1]
        username, password = server.read_until(r"demo login: (\S+) / (\S+)", 5).groups()
        server.read_until(r"press Ctrl-C to stop", 5)
        assert url == f"http://127.0.0.1:{port}/"
        client = http_client()

        # Anonymous: the report list sends you to the login page.
        status, final_url, _, login_page = get(client, url)
        assert (status, final_url) == (200, urljoin(url, "/login/?next=/"))
        status, _, _, login_page = get(client, urljoin(url, "/login/"))
        assert status == 200
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', login_page)
        assert stylesheet is not None, login_page
        status, _, content_type, css = get(client, urljoin(url, stylesheet[1]))
        assert (status, content_type) == (200, "text/css")
        assert css.strip()

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
        assert token is not None, login_page
        form = {"csrfmiddlewaretoken": token[1], "username": username, "password": password}
        with client.open(urljoin(url, "/login/"), urlencode(form).encode(), timeout=10) as answer:
            # The demo user is on security teams: a code from its demo authenticator comes next.
            assert (answer.status, answer.url) == (200, urljoin(url, "/account/two-factor/?next=/"))
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.read().decode())
        assert token is not None
        code = run_process(demo_env, "democode").stdout.strip()
        form = {"csrfmiddlewaretoken": token[1], "code": code, "next": "/"}
        with client.open(answer.url, urlencode(form).encode(), timeout=10) as answer:
            assert (answer.status, answer.url) == (200, url)
            report_list = answer.read().decode()
        assert "<h1>My work</h1>" in report_list  # login lands on the dashboard
        assert "EMISSARY-1" in report_list
        assert "Crafted header crashes the proxy" in report_list
        assert get(client, url)[1] == url  # still logged in

        # Ctrl-C in a terminal signals the whole foreground process group.
        os.killpg(server.process.pid, signal.SIGINT)
        assert_stops_completely(server, port)


def test_sigterm_to_serve_alone_stops_the_web_server_and_the_worker(
    demo_env: dict[str, str],
) -> None:
    """What `kill PID` and most service managers do: only serve hears the signal."""
    port = free_port()
    with serving(demo_env, port) as server:
        server.read_until(r"press Ctrl-C to stop", STARTUP_TIMEOUT)
        running = live_group_members(server.process.pid)
        assert len(running) >= 4, running  # serve, the task worker, gunicorn and its workers
        server.process.send_signal(signal.SIGTERM)
        assert_stops_completely(server, port)


def test_serve_on_a_port_in_use_says_so_and_never_claims_to_run(
    demo_env: dict[str, str],
) -> None:
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        started = time.monotonic()
        with serving(demo_env, port) as server:
            assert server.process.wait(timeout=STARTUP_TIMEOUT) == 1
            server.read_until(r"^CommandError", 5)
        assert time.monotonic() - started < 10
    output = "".join(server.output)
    assert "is running" not in output
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in output
    assert "--port" in output


def test_the_demo_login_is_never_served_beyond_this_machine(demo_env: dict[str, str]) -> None:
    """Its password is printed and in the README: on 0.0.0.0 anyone could log in as operator."""
    done = run_process(demo_env, "serve", "--host", "0.0.0.0", "--port", str(free_port()))  # noqa: S104
    assert done.returncode != 0
    assert "published password" in done.stderr
    assert "--host 127.0.0.1" in done.stderr
    assert "is running" not in done.stdout


def test_a_port_out_of_range_is_refused_before_anything_starts(demo_env: dict[str, str]) -> None:
    done = run_process(demo_env, "serve", "--port", "99999")
    assert done.returncode != 0
    assert "'99999' is not a port: give a number from 1 to 65535" in done.stderr
    assert "Traceback" not in done.stderr
