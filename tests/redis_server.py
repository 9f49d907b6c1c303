"""A real ``redis-server`` for the tests, on a free loopback port.

Import the fixtures into a test module (``tests/`` is on ``sys.path``)::

    from redis_server import redis_server, redis_url, make_redis_server

``redis_server`` (session scope) is one server started with no persistence
(``--save '' --appendonly no``); ``redis_url`` (per test) empties it and
gives ``redis://127.0.0.1:PORT/0``. ``make_redis_server(persistent=True)``
starts a server of the test's own, with an append-only file fsynced on every
write, so a test can kill it (:meth:`RedisServer.kill`) and start it again
(:meth:`RedisServer.start`) with what was committed still there.

Every server listens on 127.0.0.1 only and is stopped when its fixture ends.
When ``redis-server`` is not on ``PATH`` the tests that need one are skipped
with the reason (CI installs it: ``apt-get install redis-server``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Seconds to wait for a server to answer PING, or to exit.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ping(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _command(port: int, *words: str) -> bytes:
    """Send one inline command; return the first reply bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        connection.sendall(" ".join(words).encode() + b"\r\n")
        return connection.recv(4096)


class RedisServer:
    """One ``redis-server`` process in ``directory``, on a fixed port once chosen."""

    def __init__(self, executable: str, directory: Path, *, persistent: bool = False) -> None:
        self.executable = executable
        self.directory = directory
        self.persistent = persistent
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _arguments(self) -> list[str]:
        arguments = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                     "--daemonize", "no", "--dir", str(self.directory), "--logfile", "redis.log"]
        if self.persistent:
            return arguments + ["--appendonly", "yes", "--appendfsync", "always"]
        return arguments + ["--appendonly", "no"]

    def start(self) -> None:
        """Start the server (on the same port as before, if it ran before)
        and wait until it answers PING."""
        if self.running:
            return
        restart = bool(self.port)  # a restart keeps its port: the URL of the data names it
        for _ in range(1 if restart else 3):
            if not restart:
                self.port = _free_port()
            self.process = subprocess.Popen(self._arguments(), cwd=self.directory, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and self.process.poll() is None:
                if _ping(self.port):
                    return
                time.sleep(0.02)
            self._end(signal.SIGKILL)  # exited (port taken by someone else?) or never answered
        log = self.directory / "redis.log"
        tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
        raise RuntimeError(f"redis-server did not start on port {self.port}: {' | '.join(tail)}")

    def kill(self) -> None:
        """Make the server go away at once (SIGKILL): what a crash or a lost machine looks like."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers)."""
        self._end(signal.SIGTERM)

    def restart(self) -> None:
        self.stop()
        self.start()

    def flush(self) -> None:
        assert _command(self.port, "FLUSHALL").startswith(b"+OK")

    def _end(self, how: int) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(how)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def redis_executable() -> str:
    """Path of ``redis-server``, or skip the test saying how to get it (fail
    it under CI, where ``.ci/run`` installs the server: CI never passes a
    test it did not run)."""
    found = shutil.which("redis-server")
    if found is None:
        message = "redis-server is not on PATH (install it: apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server without persistence for the whole session."""
    server = RedisServer(redis_executable(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """``redis://127.0.0.1:PORT/0`` of the session's server, emptied for this test."""
    redis_server.start()  # in case an earlier test stopped it
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def make_redis_server(tmp_path: Path) -> Iterator:
    """Start servers of the test's own: ``make_redis_server(persistent=True)``."""
    executable = redis_executable()
    servers: list[RedisServer] = []

    def make(persistent: bool = False) -> RedisServer:
        server = RedisServer(executable, tmp_path / f"redis-{len(servers)}", persistent=persistent)
        servers.append(server)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


__all__ = ["RedisServer", "make_redis_server", "redis_executable", "redis_server", "redis_url"]
