"""Faults of the index, re-checked on the ``store/`` package for both
backends (issue 11, item 4), through the command line as a user meets them.

Every fault is real: a ``dedupe index add`` process killed with SIGKILL
inside its write transaction, a real ``redis-server`` that runs out of
memory, goes away mid-check, is busy or is a read-only replica, a real
SQLite file that another process holds locked, a real tmpfs that fills up,
several ``dedupe`` processes writing one index at once. Each ends in one line
on stderr and exit 2 (never exit 3, a traceback or a hang), with nothing
committed lost, no half-written article, and the next run working.

Which test covers which fault (``here``: this module)::

    fault               SQLite                                Redis
    SIGKILL mid-add     test_store (library), here (CLI)      here (CLI; test_redis_store: Ctrl-C)
    corrupt, truncated  test_store, test_index_cli,           test_redis_store (library), here (CLI)
                        test_environment (CLI)
    locked / busy       test_store (library), here (CLI)      here: a server busy in a script
    server gone         -                                     test_redis_store (mid-add, library;
                                                              before a command, CLI), here (mid-check)
    concurrent writers  test_store (library), here (CLI)      test_redis_store (library), here (CLI)
    full disk           test_environment, here (room again)   here: maxmemory reached
    read-only           test_environment (read-only mount)    here: a replica

To make a fault land at a known point of a Redis client's work, the client
talks to the server through a :class:`Relay` that stops its bytes just
before a given command; an SQLite writer is stopped (SIGSTOP) again and
again until it is seen holding the write lock. No test sleeps a fixed time
or asserts on wall-clock time: the timeouts are hang guards.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from archive_articles import _SYLLABLES
from conftest import SEEDS, seed_text
from redis_server import make_redis_server, redis_server, redis_url  # noqa: F401 - fixtures
from test_environment import dedupe, one_line, tmpfs
from test_redis_store import _everything
from test_redis_store import assert_complete as assert_redis_complete
from test_store import assert_complete as assert_sqlite_complete

from dedupe.corpus import load_article
from dedupe.store.redis import parse_redis_url

#: Seconds before a test gives up waiting (a hang guard, never a measure).
HANG_GUARD = 300


# ---------------------------------------------------------------------------
# Articles, processes and what an index holds
# ---------------------------------------------------------------------------


#: Articles per transaction of the adds these tests interrupt (``--batch``):
#: smaller than the default, so that a few batches are quick to write.
BATCH = 1000

def write_articles(folder: Path, count: int, tag: str = "") -> list[Path]:
    """``count`` short articles of made-up words in ``folder``, each its own text."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        rng = random.Random(f"{tag}/{number}")
        sentences = (" ".join("".join(rng.choice(_SYLLABLES) for _ in range(3)) for _ in range(14)).capitalize()
                     + "." for _ in range(4))
        path = folder / f"{number:04d}.txt"
        path.write_text("\n".join(sentences) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def start(*args: object) -> subprocess.Popen:
    """``dedupe ARGS`` as its own process, started and left running."""
    return subprocess.Popen([sys.executable, "-m", "dedupe", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})


def added(*args: object) -> dict[str, int]:
    """The counts of a ``dedupe index add ARGS`` that must succeed."""
    done = dedupe("index", "add", *args, "--format", "json")
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    return json.loads(done.stdout)["counts"]


def assert_whole(url: str) -> list[dict]:
    """What ``dedupe`` itself says of the index after a fault: ``stats``
    reports it whole, and every article it counts reads back in full
    (``export``, and ``show`` for the newest) with the cleaned text of its
    file, under an id and with a text of its own. Returns the exported
    articles (id, path, text...), oldest first."""
    report = stats_ok(url)
    exported = dedupe("index", "export", "--index", url)
    assert exported.returncode == 0 and exported.stderr == b"", exported.stderr
    rows = [json.loads(line) for line in exported.stdout.decode().splitlines()]
    assert len(rows) == report["articles"]
    assert len({row["id"] for row in rows}) == len({row["text"] for row in rows}) == len(rows)
    for row in rows:
        assert row["text"] == load_article(row["path"]).cleaned_text, row["path"]
    if rows:
        shown = dedupe("index", "show", rows[-1]["id"], "--index", url, "--format", "json")
        assert shown.returncode == 0 and json.loads(shown.stdout)["text"] == rows[-1]["text"]
    return rows


def stats_ok(url: str) -> dict:
    """``dedupe index stats`` of an index it must find whole (exit 0, integrity ok)."""
    done = dedupe("index", "stats", "--index", url, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["integrity"] == "ok", report["integrity"]
    return report


def _client(url: str):
    return redis.Redis.from_url(parse_redis_url(url).client_url)


# ---------------------------------------------------------------------------
# A relay that stops a Redis client's bytes at a chosen command
# ---------------------------------------------------------------------------


def command(name: str) -> bytes:
    """A command without arguments as redis-py sends it (RESP)."""
    return f"*1\r\n${len(name)}\r\n{name}\r\n".encode()


def argument(word: str) -> bytes:
    """A command name or argument as redis-py sends it (RESP)."""
    return f"${len(word)}\r\n{word}\r\n".encode()


class Relay:
    """A TCP relay from a free loopback port to a ``redis-server``.

    The client's bytes are passed on up to the ``nth`` occurrence of
    ``marker`` (counted over every connection); there the relay stops,
    calls ``at_marker()`` (the fault: kill the client, kill the server, fill
    the server's memory), and then passes the rest on, or with ``cut`` closes
    that connection. Once the server is gone, a new connection is closed at
    once, as a refused one would be.

    A marker split between two reads is found: a read's tail that could
    begin the marker is held back until the next read. (So a client must not
    end a request with such a tail and wait for the reply; the commands and
    made-up articles of these tests never do.)
    """

    def __init__(self, upstream: int, marker: bytes, nth: int, at_marker: Callable[[], None], *,
                 cut: bool) -> None:
        self.upstream, self.marker, self.nth, self.at_marker, self.cut = upstream, marker, nth, at_marker, cut
        self.reached = threading.Event()
        self._seen = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream))
        except OSError:
            client.close()
            return
        threading.Thread(target=self._pump, args=(server, client), daemon=True).start()
        self._forward(client, server)

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            Relay._shut(source, target)

    def _forward(self, client: socket.socket, server: socket.socket) -> None:
        carry = b""
        try:
            while data := client.recv(65536):
                if self.reached.is_set():
                    server.sendall(data)
                    continue
                window, carry = carry + data, b""
                at = self._find(window)
                if at < 0:
                    keep = next((n for n in range(len(self.marker) - 1, 0, -1)
                                 if window.endswith(self.marker[:n])), 0)
                    server.sendall(window[:len(window) - keep])
                    carry = window[len(window) - keep:]
                    continue
                server.sendall(window[:at])
                self.at_marker()
                self.reached.set()
                if self.cut:
                    return
                server.sendall(window[at:])
        except OSError:
            pass
        finally:
            self._shut(client, server)

    def _find(self, window: bytes) -> int:
        """Where in ``window`` the ``nth`` marker is, counting those before; -1 if not in it."""
        at = window.find(self.marker)
        while at >= 0:
            with self._lock:
                self._seen += 1
                if self._seen == self.nth:
                    return at
            at = window.find(self.marker, at + 1)
        return -1

    @staticmethod
    def _shut(*sockets: socket.socket) -> None:
        for each in sockets:
            try:
                each.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            each.close()


@pytest.fixture
def relays():
    """Relays made by a test, closed after it: ``relays(upstream, marker, nth, at_marker, cut=...)``."""
    made: list[Relay] = []

    def make(*args, **options) -> Relay:
        made.append(Relay(*args, **options))
        return made[-1]

    yield make
    for relay in made:
        relay.close()


def wait_for(condition: Callable[[], object], what: str) -> object:
    """Poll ``condition`` until it is true (a hang guard of HANG_GUARD seconds)."""
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.01)
    pytest.fail(f"gave up waiting for {what}")


# ---------------------------------------------------------------------------
# SIGKILL inside an add
# ---------------------------------------------------------------------------


def test_redis_add_killed_inside_its_transaction_leaves_whole_articles_and_the_rerun_adds_the_rest(
        redis_server, redis_url, relays, tmp_path):
    """`dedupe index add` of two batches of files against a Redis index is
    SIGKILLed while the server holds its second batch queued in a MULTI
    (every command sent but EXEC): the first batch is all there, nothing of
    the second, `stats` says the index is whole, every article reads back in
    full, and running the same add again adds exactly the missing ones."""
    added(SEEDS["wapo"], "--index", redis_url)
    files = write_articles(tmp_path / "articles", BATCH + BATCH // 4)
    server = _client(redis_url)
    child: list[subprocess.Popen] = []
    queued: list[int] = []

    def kill_the_writer() -> None:
        def settled() -> int:
            """Commands queued in the writer's MULTI, once the server has read all it was sent."""
            seen = []
            for _ in range(2):
                seen.append(max((int(c["multi"]) for c in server.client_list()
                                 if "x" in c["flags"] and int(c["qbuf"]) == 0), default=0))
            return seen[0] if seen[0] == seen[1] > 0 else 0

        queued.append(int(wait_for(settled, "the server to hold the batch queued in MULTI")))
        os.kill(child[0].pid, signal.SIGKILL)

    relay = relays(redis_server.port, command("EXEC"), 2, kill_the_writer, cut=True)
    child.append(start("index", "add", tmp_path / "articles", "--index", relay.url, "--batch", BATCH))
    child[0].wait(HANG_GUARD)
    assert child[0].returncode == -signal.SIGKILL, child[0].stderr.read()
    assert queued[0] > 0
    assert assert_redis_complete(redis_url) == 1 + BATCH
    assert sorted(a["path"] for a in assert_whole(redis_url)[1:]) == [str(p) for p in files[:BATCH]]
    assert added(tmp_path / "articles", "--index", redis_url) == {
        "added": len(files) - BATCH, "already indexed": BATCH, "failed": 0}
    assert stats_ok(redis_url)["articles"] == 1 + len(files)
    server.close()


def _stopped(pid: int) -> None:
    """Wait until the process is stopped (or gone)."""
    def state() -> bool:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                return handle.read().rsplit(")", 1)[1].split()[0] in "TtZX"
        except FileNotFoundError:
            return True

    wait_for(state, f"process {pid} to stop")


def _write_locked(path: Path) -> bool:
    """Whether some process holds the SQLite file's write lock (is inside a write transaction)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return True
        raise
    finally:
        connection.close()


def _articles_in(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        connection.close()


def test_sqlite_add_killed_inside_its_transaction_leaves_whole_articles_and_the_rerun_adds_the_rest(tmp_path):
    """`dedupe index add` of three batches of files into an SQLite file is
    stopped again and again until it is seen holding the write lock after
    one of its batches was committed and before the last, and SIGKILLed
    there: whole batches only are in the file (not the one being written),
    `stats` says it is whole, every article reads back in full, and the same
    add run again adds exactly the missing ones."""
    index = tmp_path / "index.db"
    added(SEEDS["wapo"], "--index", index)
    files = write_articles(tmp_path / "articles", 2 * BATCH + BATCH // 2)
    child = start("index", "add", tmp_path / "articles", "--index", index, "--batch", BATCH)
    killed_inside = False
    while child.poll() is None and not killed_inside:
        os.kill(child.pid, signal.SIGSTOP)
        try:
            _stopped(child.pid)
            if _write_locked(index) and 1 < _articles_in(index) < 1 + len(files):
                os.kill(child.pid, signal.SIGKILL)
                child.wait(HANG_GUARD)
                killed_inside = True
        finally:
            if child.poll() is None:
                os.kill(child.pid, signal.SIGCONT)
        time.sleep(0.005)  # lets the writer run between looks
    assert killed_inside, f"the add ended before it was caught inside a transaction: {child.stderr.read()!r}"
    assert child.returncode == -signal.SIGKILL
    committed = assert_sqlite_complete(index) - 1
    assert committed % BATCH == 0 and 0 < committed < len(files)  # the batch being written is not there
    assert sorted(a["path"] for a in assert_whole(str(index))[1:]) == [str(p) for p in files[:committed]]
    assert added(tmp_path / "articles", "--index", index) == {
        "added": len(files) - committed, "already indexed": committed, "failed": 0}
    assert stats_ok(str(index))["articles"] == 1 + len(files)


# ---------------------------------------------------------------------------
# Several writers at once
# ---------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "redis"])
def new_index(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where no index is yet: an SQLite file in a folder not made yet, or an emptied Redis database."""
    if request.param == "sqlite":
        return str(tmp_path / "new" / "index.db")
    return str(request.getfixturevalue("redis_url"))


def test_add_processes_writing_one_new_index_at_once_store_each_article_once(new_index, tmp_path):
    """Three `dedupe index add` processes started together on one index that
    does not exist yet, each adding the same 60 articles and 40 of its own:
    all exit 0, every shared article is added by exactly one of them (the
    others find it there), no id or text is stored twice, and the index is
    whole."""
    shared = write_articles(tmp_path / "shared", 60, "shared")
    own = [write_articles(tmp_path / f"own-{n}", 40, f"own-{n}") for n in range(3)]
    children = [start("index", "add", tmp_path / "shared", tmp_path / f"own-{n}", "--index", new_index,
                      "--format", "json") for n in range(3)]
    counts = []
    for child in children:
        out, err = child.communicate(timeout=HANG_GUARD)
        assert child.returncode == 0 and err == b"", err
        counts.append(json.loads(out)["counts"])
    assert [c["added"] + c["already indexed"] for c in counts] == [100, 100, 100]
    assert [c["failed"] for c in counts] == [0, 0, 0]
    assert sum(c["added"] for c in counts) == 60 + 3 * 40
    every = sorted(str(path) for path in [*shared, *(path for group in own for path in group)])
    assert sorted(a["path"] for a in assert_whole(new_index)) == every
    complete = assert_redis_complete(new_index) if new_index.startswith("redis:") else \
        assert_sqlite_complete(Path(new_index))
    assert complete == len(every)


# ---------------------------------------------------------------------------
# A server or file that cannot take the write
# ---------------------------------------------------------------------------


def test_redis_out_of_memory_mid_add_is_one_line_and_with_more_memory_the_add_adds_the_rest(
        make_redis_server, relays, tmp_path):
    """The server reaches its maxmemory (policy noeviction) as `dedupe index
    add` sends its second batch: one line naming Redis and its maxmemory,
    exit 2; the first batch is whole and nothing of the second is stored
    (the full server can still be read); once it has memory again, the same
    add adds exactly the rest."""
    server = make_redis_server()
    direct = _client(server.url)
    direct.config_set("maxmemory-policy", "noeviction")
    added(SEEDS["wapo"], "--index", server.url)
    files = write_articles(tmp_path / "articles", BATCH + BATCH // 4)
    relay = relays(server.port, command("MULTI"), 2, lambda: direct.config_set("maxmemory", 1), cut=False)
    done = dedupe("index", "add", tmp_path / "articles", "--index", relay.url, "--batch", BATCH)
    assert relay.reached.is_set()
    assert done.returncode == 2 and done.stdout == b""
    line = one_line(done)
    assert line.startswith(f"dedupe: {relay.url}: Redis ") and "maxmemory" in line, line
    assert assert_redis_complete(server.url) == 1 + BATCH
    assert sorted(a["path"] for a in assert_whole(server.url)[1:]) == [str(p) for p in files[:BATCH]]
    direct.config_set("maxmemory", 0)
    assert added(tmp_path / "articles", "--index", server.url) == {
        "added": len(files) - BATCH, "already indexed": BATCH, "failed": 0}
    assert stats_ok(server.url)["articles"] == 1 + len(files)
    direct.close()


def test_sqlite_disk_full_mid_add_is_one_line_and_with_room_again_the_add_adds_the_rest(tmp_path):
    """The index's tmpfs fills up inside a transaction of `dedupe index
    add`: one line, exit 2; what was committed before (an earlier add, and
    any batch of this one) is whole and nothing of the batch being written
    is there (the full disk can still be read); once the tmpfs is larger,
    the same add adds exactly the rest. (tests/test_environment.py checks
    the full disk alone.)"""
    files = write_articles(tmp_path / "articles", 600)
    with tmpfs(tmp_path / "mnt", "1m") as folder:
        index = folder / "index.db"
        added(SEEDS["wapo"], "--index", index)
        done = dedupe("index", "add", tmp_path / "articles", "--index", index)
        assert done.returncode == 2 and done.stdout == b""
        assert one_line(done) == f"dedupe: {index}: database or disk is full\n"
        committed = assert_sqlite_complete(index) - 1
        assert committed % BATCH == 0 and committed < len(files)
        assert sorted(a["path"] for a in assert_whole(str(index))[1:]) == [str(p) for p in files[:committed]]
        subprocess.run(["mount", "-o", "remount,size=16m", str(folder)], check=True, capture_output=True)
        assert added(tmp_path / "articles", "--index", index) == {
            "added": len(files) - committed, "already indexed": committed, "failed": 0}
        assert stats_ok(str(index))["articles"] == 1 + len(files)


def test_redis_replica_can_be_checked_against_not_changed(make_redis_server, tmp_path):
    """A read-only Redis index (a replica of the server written to): check
    and stats work; add and remove are one line each, exit 2, and write
    nothing; the primary still takes the add."""
    primary, replica = make_redis_server(), make_redis_server()
    added(SEEDS["wapo"], SEEDS["bbc"], "--index", primary.url)
    source, copy = _client(primary.url), _client(replica.url)
    source.config_set("repl-diskless-sync-delay", 0)  # (else the primary waits 5 s for more replicas)
    copy.replicaof("127.0.0.1", primary.port)
    wait_for(lambda: copy.info("replication").get("master_link_status") == "up"
             and copy.dbsize() == source.dbsize(), "the replica to hold the index")
    before = _everything(replica.url, "dedupe")
    candidate = tmp_path / "copy.txt"
    candidate.write_text(seed_text("wapo"), encoding="utf-8")
    checked = dedupe("check", candidate, "--index", replica.url, "--format", "json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["results"][0]["derivation"] == "whole"
    assert stats_ok(replica.url)["articles"] == 2
    new = write_articles(tmp_path / "new", 1)[0]
    for args in (("add", new), ("remove", 1)):
        done = dedupe("index", *args, "--index", replica.url)
        assert done.returncode == 2 and done.stdout == b""
        assert one_line(done).startswith(f"dedupe: {replica.url}: Redis server is read-only (a replica?): ")
    assert _everything(replica.url, "dedupe") == before
    assert added(new, "--index", primary.url)["added"] == 1
    assert assert_redis_complete(primary.url) == 3
    source.close()
    copy.close()


def test_sqlite_index_locked_by_another_writer_is_one_line_and_the_next_add_works(tmp_path):
    """Another process holds the index's write lock: `dedupe index add`
    waits its timeout, then says so in one line, exit 2, having written
    nothing; a check meanwhile is not blocked; once the lock is released the
    add works. (tests/test_store.py checks the library's wait.)"""
    index = tmp_path / "index.db"
    added(SEEDS["wapo"], "--index", index)
    candidate = tmp_path / "copy.txt"
    candidate.write_text(seed_text("wapo"), encoding="utf-8")
    holder = sqlite3.connect(index, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        done = dedupe("index", "add", SEEDS["bbc"], "--index", index)
        assert done.returncode == 2 and done.stdout == b""
        assert one_line(done) == (f"dedupe: {index}: index is locked by another writer (waited 5 s); "
                                  "try again later\n")
        checked = dedupe("check", candidate, "--index", index, "--format", "json")
        assert checked.returncode == 0 and json.loads(checked.stdout)["results"][0]["derivation"] == "whole"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert assert_sqlite_complete(index) == 1
    assert added(SEEDS["bbc"], "--index", index) == {"added": 1, "already indexed": 0, "failed": 0}
    assert assert_sqlite_complete(index) == 2


def test_busy_redis_server_is_one_line_and_the_next_add_works(make_redis_server):
    """The Redis counterpart of a locked file: the server is busy running a
    script (nothing else runs until it ends). `dedupe index add` is one line
    naming it, exit 2, not a hang; once the script is killed the add works."""
    server = make_redis_server()
    added(SEEDS["wapo"], "--index", server.url)
    control, runner = _client(server.url), _client(server.url)
    control.config_set("busy-reply-threshold", 10)

    def spin() -> None:
        try:
            runner.eval("while true do end", 0)
        except redis.exceptions.RedisError:
            pass  # killed

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()

    def busy() -> bool:
        try:
            control.ping()
        except redis.exceptions.ResponseError as error:
            return str(error).startswith("BUSY")
        return False

    wait_for(busy, "the server to be busy")
    try:
        done = dedupe("index", "add", SEEDS["bbc"], "--index", server.url)
    finally:
        control.script_kill()
        thread.join(HANG_GUARD)
    assert done.returncode == 2 and done.stdout == b""
    assert one_line(done).startswith(f"dedupe: {server.url}: Redis error: BUSY Redis is busy running a script")
    assert added(SEEDS["bbc"], "--index", server.url) == {"added": 1, "already indexed": 0, "failed": 0}
    assert assert_redis_complete(server.url) == 2
    control.close()
    runner.close()


# ---------------------------------------------------------------------------
# A server gone, an index damaged
# ---------------------------------------------------------------------------


def test_redis_server_gone_during_a_check_is_one_line_and_the_next_check_works(make_redis_server, relays, tmp_path):
    """The server dies while `dedupe check --index redis://...` reads the
    index keys of its candidate: one line, exit 2, no report on stdout; once
    the server is back (with what it had committed) the same check works.
    (tests/test_redis_store.py checks a server gone before the command, and
    mid-add in the library.)"""
    server = make_redis_server(persistent=True)
    added(SEEDS["wapo"], SEEDS["bbc"], "--index", server.url)
    candidate = tmp_path / "copy.txt"
    candidate.write_text(seed_text("wapo"), encoding="utf-8")
    relay = relays(server.port, argument("SMEMBERS"), 1, server.kill, cut=True)
    done = dedupe("check", candidate, "--index", relay.url, "--format", "json")
    assert relay.reached.is_set() and not server.running
    assert done.returncode == 2 and done.stdout == b""
    assert one_line(done).startswith(f"dedupe: {relay.url}: Redis server unreachable or gone away (")
    server.start()
    checked = dedupe("check", candidate, "--index", server.url, "--format", "json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["results"][0]["derivation"] == "whole"
    assert assert_redis_complete(server.url) == 2


def test_damaged_redis_index_is_one_line_and_never_written_to(redis_url, tmp_path):
    """A Redis index damaged under dedupe (an article's stored spans not
    JSON, a key of the index holding another type, a listed article gone):
    show, check, add and remove are one line each, exit 2, and write
    nothing; stats says what is wrong, exit 2. (tests/test_redis_store.py
    checks each damage in the library.)"""
    added(SEEDS["wapo"], SEEDS["bbc"], SEEDS["reuters"], "--index", redis_url)
    r = _client(redis_url)
    candidate = tmp_path / "copy.txt"
    candidate.write_text(seed_text("bbc"), encoding="utf-8")
    body = r.hget("dedupe:article:2", "body")
    r.hset("dedupe:article:2", "body", "not json")
    for args in (("index", "show", 2, "--index", redis_url), ("check", candidate, "--index", redis_url)):
        done = dedupe(*args)
        assert done.returncode == 2 and done.stdout == b""
        assert f"{redis_url}: index is damaged: stored article" in one_line(done)
    r.hset("dedupe:article:2", "body", body)
    r.delete("dedupe:article:3")
    stats = dedupe("index", "stats", "--index", redis_url, "--format", "json")
    assert stats.returncode == 2 and json.loads(stats.stdout)["integrity"].startswith("1 listed article(s) missing")
    r.delete("dedupe:terms")
    r.set("dedupe:terms", "a string, not a hash")
    before = _everything(redis_url, "dedupe")
    new = write_articles(tmp_path / "new", 1)[0]
    for args in (("index", "add", new), ("index", "remove", 1), ("check", candidate)):
        done = dedupe(*args, "--index", redis_url)
        assert done.returncode == 2 and done.stdout == b""
        assert one_line(done).startswith(f"dedupe: {redis_url}: not a dedupe index: a key under its prefix holds "
                                         "something else ")
    after = _everything(redis_url, "dedupe")
    assert int(after.pop(b"dedupe:next_id")) == int(before.pop(b"dedupe:next_id")) + 1  # an id went unused
    assert after == before
    stats = dedupe("index", "stats", "--index", redis_url, "--format", "json")
    assert stats.returncode == 2 and "WRONGTYPE" in json.loads(stats.stdout)["integrity"]
    r.close()


def test_an_empty_index_file_is_no_index_yet_and_add_makes_one_there(tmp_path):
    """What a writer racing the creator of a new SQLite index sees: the file
    is there, empty. `dedupe index add --index FILE` used to refuse it ("not
    a dedupe index (no settings record)", exit 2), so one of several adds
    started at once on a new index failed; an empty file is no index yet:
    list says so in one line, add makes the index in it."""
    index = tmp_path / "index.db"
    index.write_bytes(b"")
    done = dedupe("index", "list", "--index", index)
    assert done.returncode == 2
    assert one_line(done) == f"dedupe: no index at {index} (an empty database); create it with `dedupe index add`\n"
    assert added(SEEDS["wapo"], "--index", index) == {"added": 1, "already indexed": 0, "failed": 0}
    assert assert_sqlite_complete(index) == 1
