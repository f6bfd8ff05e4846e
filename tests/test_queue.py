"""Many desks, one archive: ``sohoa ingest --queue`` with ``sohoa worker`` processes, under faults.

Real parts only: a ``redis-server`` this module starts on a free port (so it can restart it),
the local PostgreSQL server (a schema per test), real ``sohoa worker`` and desk processes,
real Tesseract on small one-page samples. Leases last 3 s here (``SOHOA_LEASE_SECONDS``) so a
dead worker's page is handed out again within seconds. After each fault every input must be
stored exactly once and ``sohoa verify`` clean.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .conftest import SAMPLES

SOHOA = [sys.executable, "-m", "sohoa.cli"]
SCANS = ["cv-0001.clean-300.png", "xn-0001.clean-300.png", "hkd-0001.clean-300.png"]
pytestmark = pytest.mark.postgres


class Redis:
    """A private redis-server without persistence: a restart loses every queued message."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is not installed: bash scripts/run.sh test installs it")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return
            time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def env(pg_url: str, redis: Redis, tmp_path: Path) -> dict[str, str]:
    """What desks and workers of one archive share: its folder, its database, the broker."""
    return {
        **{k: v for k, v in os.environ.items() if k != "SOHOA_FAULT"},
        "SOHOA_HOME": str(tmp_path / "home"),
        "SOHOA_DB_URL": pg_url,
        "SOHOA_BROKER_URL": redis.url,
        "SOHOA_LEASE_SECONDS": "3",
        "SOHOA_WORKER_WAIT_SECONDS": "60",
        "SOHOA_SETTLE_SECONDS": "0",
    }


@pytest.fixture
def workers(env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Worker processes a test starts with :func:`start_worker`; all killed at the end."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def start_worker(env: dict[str, str], started: list[subprocess.Popen[bytes]], **extra: str) -> int:
    """``sohoa worker --concurrency 1``; returns its pid once its heartbeat is in the database."""
    proc = subprocess.Popen(
        [*SOHOA, "worker", "--concurrency", "1"],
        env={**env, **extra},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    started.append(proc)
    engine = create_engine(env["SOHOA_DB_URL"])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            with contextlib.suppress(Exception), engine.connect() as conn:
                if conn.execute(
                    text("select count(*) from queue_workers where name like :n"), {"n": f"%:{proc.pid}"}
                ).scalar():
                    return proc.pid
            time.sleep(0.2)
    finally:
        engine.dispose()
    pytest.fail("the worker never said it was alive")


def scans(folder: Path, names: list[str] = SCANS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(SAMPLES / name, folder / name)
    return [folder / name for name in names]


def sohoa(
    env: dict[str, str], *args: str, timeout: float = 300, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SOHOA, *args], env={**env, **extra}, capture_output=True, text=True, timeout=timeout
    )


def ingest_args(folder: Path) -> list[str]:
    return ["ingest", str(folder), "--unit", "khai quang", "--queue", "--json"]


def stored_once(env: dict[str, str], inputs: list[Path]) -> dict[str, int]:
    """Every input is one original, one document and one stored item; verify finds nothing; no leftovers."""
    import hashlib

    engine = create_engine(env["SOHOA_DB_URL"])
    try:
        with engine.connect() as conn:
            originals = sorted(conn.execute(text("select sha256 from originals")).scalars())
            documents = sorted(conn.execute(text("select original_sha256 from documents")).scalars())
            stored = conn.execute(text("select count(*) from batch_items where status = 'stored'")).scalar()
            open_tasks = conn.execute(
                text("select count(*) from queue_tasks where status != 'done'")
            ).scalar()
            retried = conn.execute(text("select count(*) from queue_tasks where attempts > 1")).scalar()
    finally:
        engine.dispose()
    wanted = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs)
    assert originals == wanted, "an input lost, or stored twice"
    assert documents == wanted, "a document lost or doubled"
    assert stored == len(inputs)
    assert open_tasks == 0
    verify = sohoa(env, "verify", "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["findings"] == []
    index = sohoa(env, "index", "check")  # the waiting desk indexed what the workers stored
    assert index.returncode == 0, index.stdout + index.stderr
    home = Path(env["SOHOA_HOME"])
    assert not [p for p in (home / "queue").rglob("*") if p.is_file()], "shared copies left behind"
    return {"retried": int(retried or 0)}


def wait_for_stored(env: dict[str, str], count: int, proc: subprocess.Popen[str] | None = None) -> None:
    engine = create_engine(env["SOHOA_DB_URL"])
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and (proc is None or proc.poll() is None):
            with contextlib.suppress(Exception), engine.connect() as conn:
                if (
                    conn.execute(text("select count(*) from batch_items where status = 'stored'")).scalar()
                    >= count
                ):
                    return
            time.sleep(0.1)
    finally:
        engine.dispose()
    pytest.fail(f"fewer than {count} files stored in time")


# -- the tests -------------------------------------------------------------------------------
def test_sqlite_archive_refuses_the_queue(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    scans(folder, SCANS[:1])
    done = subprocess.run(
        [*SOHOA, "--home", str(tmp_path / "home"), *ingest_args(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "SOHOA_DB_URL"},
    )
    assert done.returncode == 2, done.stderr
    assert "PostgreSQL" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "fault",
    [
        "queue-page-read",  # kill -9 while Tesseract reads its first page
        "original-copied",  # kill -9 from inside the finishing thread: original copied, rows not committed
    ],
    ids=["mid-page", "while-its-thread-stores-a-file"],
)
def test_worker_killed_is_retried_by_another(
    env: dict[str, str], workers: list[subprocess.Popen[bytes]], tmp_path: Path, fault: str
) -> None:
    """What the killed worker held is handed out again once its lease expires: stored once, verify clean."""
    inputs = scans(tmp_path / "in")
    start_worker(env, workers, SOHOA_FAULT=fault)
    queued = sohoa(env, *ingest_args(tmp_path / "in"), "--no-wait")
    assert queued.returncode == 0, queued.stderr
    batch = json.loads(queued.stdout)["batch"]
    workers[0].wait(timeout=120)
    assert workers[0].returncode == -signal.SIGKILL, f"the first worker was not killed at {fault}"
    start_worker(env, workers)
    start_worker(env, workers)
    done = sohoa(env, "batches", "resume", str(batch), "--json")
    assert done.returncode == 0, done.stderr
    assert [item["status"] for item in json.loads(done.stdout)["items"]] == ["stored"] * len(inputs)
    assert stored_once(env, inputs)["retried"] >= 1, "the killed worker's task was not handed out again"


@pytest.mark.slow
def test_a_worker_stopped_cleanly_stores_the_file_it_was_finishing(
    env: dict[str, str], workers: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    """SIGTERM right after a file's last page is read: the worker stores that file before it exits."""
    inputs = scans(tmp_path / "in")
    pid = start_worker(env, workers)
    queued = sohoa(env, *ingest_args(tmp_path / "in"), "--no-wait")
    assert queued.returncode == 0, queued.stderr
    engine = create_engine(env["SOHOA_DB_URL"])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(
                    text("select count(*) from queue_tasks where kind = 'page' and status = 'done'")
                ).scalar():
                    break
            time.sleep(0.02)
        os.killpg(pid, signal.SIGTERM)
        assert workers[0].wait(timeout=120) == 0, "a clean stop exits 0"
        with engine.connect() as conn:
            read = conn.execute(
                text(
                    "select count(distinct item_id) from queue_tasks where kind = 'page' and status = 'done'"
                )
            ).scalar()
            stored = conn.execute(text("select count(*) from batch_items where status = 'stored'")).scalar()
            held = conn.execute(text("select count(*) from queue_tasks where status = 'leased'")).scalar()
    finally:
        engine.dispose()
    assert read >= 1
    assert stored == read, "a file whose pages were read was left unfinished by a clean stop"
    assert held == 0, "a clean stop left a lease behind"
    start_worker(env, workers)
    batch = json.loads(queued.stdout)["batch"]
    done = sohoa(env, "batches", "resume", str(batch), "--json")
    assert done.returncode == 0, done.stderr
    stored_once(env, inputs)


@pytest.mark.slow
def test_desk_killed_mid_batch_is_resumed_from_another_desk(
    env: dict[str, str], workers: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    inputs = scans(tmp_path / "in")
    start_worker(env, workers)
    start_worker(env, workers)
    # the desk dies (kill -9) after copying its second file, before queueing it
    killed = sohoa(env, *ingest_args(tmp_path / "in"), SOHOA_FAULT="source-copied:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    engine = create_engine(env["SOHOA_DB_URL"])
    with engine.connect() as conn:
        [batch] = conn.execute(text("select id from batches")).scalars().all()
    engine.dispose()
    done = sohoa(env, "batches", "resume", str(batch), "--json")  # another desk
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)["items"]
    assert [item["status"] for item in items] == ["stored"] * len(inputs)
    stored_once(env, inputs)
    listed = json.loads(sohoa(env, "batches", "--json").stdout)
    assert [(b["id"], b["status"], b["counts"]["stored"]) for b in listed] == [(batch, "finished", 3)]


@pytest.mark.slow
def test_redis_restarted_mid_batch_loses_nothing(
    env: dict[str, str], redis: Redis, workers: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    inputs = scans(tmp_path / "in", [*SCANS, "kh-0001.clean-300.png"])
    start_worker(env, workers)  # one worker reads the pages one by one: the rest wait in Redis meanwhile
    desk = subprocess.Popen(
        [*SOHOA, *ingest_args(tmp_path / "in")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_stored(env, 1, desk)
        import redis as redis_client

        waiting = redis_client.Redis(port=redis.port).llen("sohoa")
        assert waiting >= 1, "no message was waiting in Redis when it restarted: the test proves nothing"
        redis.stop()  # the queued messages are gone with it
        time.sleep(1)
        redis.start()
        start_worker(env, workers)
        out, err = desk.communicate(timeout=240)
    finally:
        if desk.poll() is None:
            desk.kill()
    assert desk.returncode == 0, err
    assert [item["status"] for item in json.loads(out)["items"]] == ["stored"] * len(inputs)
    stored_once(env, inputs)


def test_no_live_worker_stops_the_desk_with_exit_6(env: dict[str, str], tmp_path: Path) -> None:
    scans(tmp_path / "in", SCANS[:1])
    done = sohoa(env, *ingest_args(tmp_path / "in"), SOHOA_WORKER_WAIT_SECONDS="2")
    assert done.returncode == 6, done.stderr
    assert "sohoa worker" in done.stderr and "sohoa batches resume" in done.stderr
    assert "Traceback" not in done.stderr


def test_redis_down_for_good_stops_the_desk_with_exit_6_and_the_batch_resumes_later(
    env: dict[str, str], redis: Redis, workers: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    """A worker is running but the broker is gone: the desk must not wait for it forever."""
    inputs = scans(tmp_path / "in", SCANS[:1])
    start_worker(env, workers)
    redis.stop()
    started = time.monotonic()
    done = sohoa(env, *ingest_args(tmp_path / "in"), SOHOA_WORKER_WAIT_SECONDS="3", timeout=120)
    assert done.returncode == 6, done.stderr
    assert time.monotonic() - started < 90, "the desk waited on a worker that could get no work"
    assert f"127.0.0.1:{redis.port}" in done.stderr and "SOHOA_BROKER_URL" in done.stderr, done.stderr
    assert "sohoa batches resume" in done.stderr and "Traceback" not in done.stderr
    assert workers[0].poll() is None, "the worker waits for the broker; it does not die"
    batch = json.loads(sohoa(env, "batches", "--json").stdout)[0]["id"]
    redis.start()  # the same port: the worker reconnects, its reaper announces the queued page again
    resumed = sohoa(env, "batches", "resume", str(batch), "--json", timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert [item["status"] for item in json.loads(resumed.stdout)["items"]] == ["stored"]
    stored_once(env, inputs)


def test_jobs_with_queue_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    scans(tmp_path / "in", SCANS[:1])
    done = sohoa(env, *ingest_args(tmp_path / "in"), "--jobs", "2")
    assert done.returncode == 2, done.stderr
    assert "--concurrency" in done.stderr, "the message says where page parallelism is set"
    listed = sohoa(env, "batches", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == [], "nothing was queued"


def test_bad_files_are_quarantined_by_the_desk_without_a_worker(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "rỗng.png").write_bytes(b"")
    (folder / "ghi chú.jpg").write_text("không phải ảnh", encoding="utf-8")
    done = sohoa(env, *ingest_args(folder))
    assert done.returncode == 3, done.stderr
    items = {Path(i["path"]).name: i for i in json.loads(done.stdout)["items"]}
    assert {name: i["status"] for name, i in items.items()} == {"rỗng.png": "failed", "ghi chú.jpg": "failed"}
    failed = json.loads(sohoa(env, "batches", "--failed", "--json").stdout)
    assert failed[0]["status"] == "finished"
    reasons = {Path(f["path"]).name: (f["reason_code"], f["quarantine_path"]) for f in failed[0]["failed"]}
    assert reasons["rỗng.png"][0] == "empty" and reasons["ghi chú.jpg"][0] == "not-a-document"
    home = Path(env["SOHOA_HOME"])
    assert all((home / rel).exists() for _code, rel in reasons.values())
    assert not [p for p in (home / "queue").rglob("*") if p.is_file()], "nothing was queued"


def test_a_web_upload_goes_through_the_queue_and_the_page_follows_the_batch(
    env: dict[str, str], workers: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13's contract for the desk: with a broker set on a PostgreSQL archive, an upload is a
    queued batch that a ``sohoa worker`` reads, and the desk's job shows that batch's progress."""
    from starlette.testclient import TestClient

    from sohoa.app import users as app_users
    from sohoa.app.actor import local_admin
    from sohoa.archive.store import open_archive
    from sohoa.web import create_app
    from tests.desk_support import PASSWORD, csrf_of

    for name, value in env.items():  # the server reads the same archive, database and broker
        monkeypatch.setenv(name, value)
    pid = start_worker(env, workers)
    archive = open_archive(Path(env["SOHOA_HOME"]), env["SOHOA_DB_URL"])
    try:
        app_users.add_user(archive, local_admin(archive), "hoa", "clerk", ["khai-quang"], PASSWORD)
        client = TestClient(create_app(archive), base_url="http://testserver")
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"name": "hoa", "password": PASSWORD, "csrf_token": token})
        token = csrf_of(client.get("/upload").text)
        scan = SAMPLES / SCANS[0]
        started = client.post(
            "/upload", data={"unit": "khai quang", "csrf_token": token},
            files=[("files", (scan.name, scan.read_bytes(), "image/png"))], follow_redirects=False,
        )  # fmt: skip
        assert started.status_code == 303, started.text
        job_id = int(started.headers["location"].rsplit("=", 1)[1])
        deadline = time.monotonic() + 240
        seen = client.get(f"/api/jobs/{job_id}").json()
        assert seen["mode"] == "queue", seen
        while seen["state"] == "running" and time.monotonic() < deadline:
            time.sleep(1)
            seen = client.get(f"/api/jobs/{job_id}").json()
        assert seen["state"] == "done", seen
        assert seen["counts"]["stored"] == 1 and (seen["files_done"], seen["pages_done"]) == (1, 1), seen
        page = client.get("/batches").text
        assert "qua hàng đợi" in page and f"Xong (lô {seen['batch']})" in page
    finally:
        archive.close()
    engine = create_engine(env["SOHOA_DB_URL"])
    try:
        with engine.connect() as conn:
            readers = conn.execute(
                text("select distinct worker from queue_tasks where batch_id = :b and kind = 'page'"),
                {"b": seen["batch"]},
            ).scalars().all()  # fmt: skip
    finally:
        engine.dispose()
    assert [w.rsplit(":", 1)[1] for w in readers] == [str(pid)], readers  # the worker read the page
    stored_once(env, [SAMPLES / SCANS[0]])
