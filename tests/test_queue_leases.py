"""Leases in the database (``sohoa.queue.leases``) on PostgreSQL, without a broker or OCR.

A task is held by one worker until its lease expires; a renewed lease stays; an expired one is
handed to another worker and counted as a second attempt; a file's finish task is queued
exactly once, by whichever worker reads its last page; the reaper announces again expired
leases and (only when asked) queued tasks whose message is stale; heartbeats tell a desk
whether any worker lives.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sohoa.archive import batches
from sohoa.archive.models import BatchItem, QueueTask
from sohoa.archive.store import Archive, open_archive
from sohoa.archive.units import resolve_unit
from sohoa.queue import leases

pytestmark = pytest.mark.postgres


@pytest.fixture
def archive(pg_url: str, tmp_path: Path) -> Iterator[Archive]:
    arch = open_archive(tmp_path / "home", pg_url)
    yield arch
    arch.close()


def queued_file(archive: Archive, pages: int) -> tuple[int, list[int], int]:
    """A batch with one item, ``pages`` page tasks queued and its finish task waiting."""
    with archive.sessions.begin() as session:
        unit = resolve_unit(session, "khai-quang")
        batch, _ = batches.start_or_resume(
            session, unit, [batches.InputFile(Path("/scans/a.png"))], {"queue": True}, "test"
        )
        item = batch.items[0]
        tasks = [
            QueueTask(batch_id=batch.id, item_id=item.id, kind=leases.PAGE, page=n, source="queue/x",
                      status=leases.QUEUED, attempts=0, sent_at=func.now())
            for n in range(pages)
        ]  # fmt: skip
        finish = QueueTask(batch_id=batch.id, item_id=item.id, kind=leases.FINISH, page=0, source="queue/x",
                           status=leases.WAITING, attempts=0)  # fmt: skip
        session.add_all([*tasks, finish])
        session.flush()
        return item.id, [t.id for t in tasks], finish.id


def claim(archive: Archive, worker: str, hint: int | None, lease_s: float = 1.0) -> leases.Claimed | None:
    with archive.sessions.begin() as session:
        return leases.claim(session, worker, hint, lease_s)


def test_a_lease_holds_until_it_expires_then_another_worker_takes_it(archive: Archive) -> None:
    _item, [task], _finish = queued_file(archive, 1)
    first = claim(archive, "a:1", task)
    assert first is not None and first.id == task and first.attempts == 1
    assert claim(archive, "b:2", task) is None, "a held lease was handed out twice"
    time.sleep(0.6)
    with archive.sessions.begin() as session:
        assert leases.renew(session, task, "a:1", 1.0)
    time.sleep(0.6)
    assert claim(archive, "b:2", task) is None, "a renewed lease expired"
    time.sleep(1.2)  # worker a died: no renewal
    second = claim(archive, "b:2", task)
    assert second is not None and second.id == task and second.attempts == 2
    with archive.sessions.begin() as session:
        assert not leases.renew(session, task, "a:1", 1.0), "the dead worker still owns the task"


def test_the_last_page_queues_the_finish_exactly_once(archive: Archive) -> None:
    item, pages, finish = queued_file(archive, 6)
    for n, task in enumerate(pages):
        assert claim(archive, f"w:{n}", task, 30) is not None

    with archive.sessions() as session:
        batch_id = session.get(BatchItem, item).batch_id

    def complete(task: int) -> int | None:
        with archive.sessions.begin() as session:
            return leases.complete_page(session, task, item, f"queue/page-{task}", batch_id)

    with ThreadPoolExecutor(6) as pool:  # six workers finish the six pages at once
        ready = [r for r in pool.map(complete, pages) if r is not None]
    assert ready == [finish]
    with archive.sessions() as session:
        assert session.get(QueueTask, finish).status == leases.QUEUED
        assert sorted(leases.page_results(session, item)) == list(range(6))
    taken = claim(archive, "w:9", None)
    assert taken is not None and taken.id == finish and taken.kind == leases.FINISH


def test_the_reaper_announces_expired_leases_and_lost_messages(archive: Archive) -> None:
    _item, [held, waiting], _finish = queued_file(archive, 2)
    assert claim(archive, "a:1", held, 0.5) is not None
    with archive.sessions.begin() as session:
        assert leases.reap(session, 0.5) == []  # nothing expired, no message older than a lease
    time.sleep(1.0)
    with archive.sessions.begin() as session:
        assert leases.reap(session, 0.5, stale_queued=False) == [held]  # messages still in the broker
    time.sleep(1.0)
    with archive.sessions.begin() as session:
        assert sorted(leases.reap(session, 0.5)) == sorted([held, waiting])  # the broker came back empty
        status = session.scalars(select(QueueTask.status).where(QueueTask.id.in_([held, waiting]))).all()
    assert status == [leases.QUEUED, leases.QUEUED]


def test_heartbeats_say_whether_a_worker_lives(archive: Archive) -> None:
    with archive.sessions.begin() as session:
        assert leases.live_workers(session, 5) == 0
        leases.heartbeat(session, "host:1", 2)
        leases.heartbeat(session, "host:1", 2)  # the same worker again: one row
    with archive.sessions.begin() as session:
        assert leases.live_workers(session, 5) == 1
    time.sleep(1.1)
    with archive.sessions.begin() as session:
        assert leases.live_workers(session, 1) == 0
        leases.forget_worker(session, "host:1")
        assert leases.live_workers(session, 60) == 0


def test_a_waiting_desk_wakes_when_a_page_is_read_not_at_its_next_poll(archive: Archive) -> None:
    """The desk's wait ends at the worker's commit (LISTEN/NOTIFY), long before its timeout."""
    item, pages, _ = queued_file(archive, 2)
    with archive.sessions() as session:
        batch_id = session.get(BatchItem, item).batch_id
    assert claim(archive, "w:1", pages[0], 30) is not None

    def read_later() -> None:
        time.sleep(0.5)
        with archive.sessions.begin() as session:
            leases.complete_page(session, pages[0], item, "queue/page-1", batch_id)

    with leases.batch_events(archive, batch_id) as wait, ThreadPoolExecutor(1) as pool:
        pool.submit(read_later)
        started = time.monotonic()
        wait(30.0)
        woke_after = time.monotonic() - started
    assert 0.3 < woke_after < 10, woke_after
    with leases.batch_events(archive, batch_id + 1) as wait:  # another batch's events do not wake it
        with archive.sessions.begin() as session:
            leases.notify(session, batch_id)
        started = time.monotonic()
        wait(1.0)
        assert time.monotonic() - started >= 0.9
