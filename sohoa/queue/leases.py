"""Leases in the database: which worker holds which task of a queued batch, until when.

Every time is the database server's (``now()``), never a machine's clock: desks and workers
run on different machines whose clocks drift. A task is claimable when it is ``queued``, or
``leased`` with ``lease_until`` in the past (its worker died or hung). A worker renews its
lease while it works, so a long page or a 500-page file keeps it; a killed worker stops
renewing and the task is handed out again within one lease time. The broker's messages only
say "there is work" (each names a task as a hint): a lost message is made good by the
reaper, a duplicate one claims some other task or nothing. PostgreSQL only (``FOR UPDATE
SKIP LOCKED``): a queue needs a database that several machines share.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sohoa.archive.models import BatchItem, QueueTask, QueueWorker
from sohoa.archive.store import Archive

log = logging.getLogger(__name__)

#: Task kinds: reading one page of a file, and finishing the file once all its pages are read.
PAGE, FINISH = "page", "finish"
#: A finish task waits until the last page of its file is read.
WAITING, QUEUED, LEASED, DONE = "waiting", "queued", "leased", "done"


@dataclass(frozen=True)
class Claimed:
    """A task this worker now holds."""

    id: int
    kind: str
    batch_id: int
    item_id: int
    page: int
    source: str
    attempts: int


def _claimable() -> object:
    return or_(
        QueueTask.status == QUEUED,
        and_(QueueTask.status == LEASED, QueueTask.lease_until < func.now()),
    )


def claim(
    session: Session, worker: str, hint: int | None, lease_s: float, only: bool = False
) -> Claimed | None:
    """Lease the task ``hint`` if it is claimable, else (unless ``only``) the oldest claimable one.

    Finishing files comes before reading more pages, so files reach the archive as early as
    possible. ``SKIP LOCKED`` lets two workers claim at once without waiting for each other.
    """
    query = select(QueueTask.id).where(_claimable())
    if only:
        query = query.where(QueueTask.id == hint)
    first = case((QueueTask.id == (hint or 0), 0), else_=1)
    finish_first = case((QueueTask.kind == FINISH, 0), else_=1)
    pick = query.order_by(first, finish_first, QueueTask.id).limit(1).with_for_update(skip_locked=True)
    row = session.execute(
        update(QueueTask)
        .where(QueueTask.id == pick.scalar_subquery())
        .values(
            status=LEASED,
            lease_until=func.now() + timedelta(seconds=lease_s),
            worker=worker,
            attempts=QueueTask.attempts + 1,
            leased_at=func.coalesce(QueueTask.leased_at, func.now()),
        )
        .returning(
            QueueTask.id,
            QueueTask.kind,
            QueueTask.batch_id,
            QueueTask.item_id,
            QueueTask.page,
            QueueTask.source,
            QueueTask.attempts,
        )
        .execution_options(synchronize_session=False)
    ).first()
    return Claimed(*row) if row is not None else None


def renew(session: Session, task_id: int, worker: str, lease_s: float) -> bool:
    """Push this worker's lease on ``task_id`` forward; False if it is no longer ours."""
    done = session.execute(
        update(QueueTask)
        .where(QueueTask.id == task_id, QueueTask.worker == worker, QueueTask.status == LEASED)
        .values(lease_until=func.now() + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)


@contextmanager
def renewing(archive: Archive, task_id: int, worker: str, lease_s: float) -> Iterator[None]:
    """Keep the lease on ``task_id`` alive while the block runs (a thread renews it every third of it)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(max(0.2, lease_s / 3)):
            try:
                with archive.sessions.begin() as session:
                    if not renew(session, task_id, worker, lease_s):
                        log.warning("task %s: lease lost (it expired and another worker took it)", task_id)
                        return
            except DBAPIError:
                log.warning("task %s: could not renew the lease (database unreachable)", task_id)

    thread = threading.Thread(target=loop, name=f"lease-{task_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def release(session: Session, task_id: int, worker: str) -> None:
    """Give a task back at once (this worker cannot do it, e.g. Tesseract is missing here)."""
    session.execute(
        update(QueueTask)
        .where(QueueTask.id == task_id, QueueTask.worker == worker, QueueTask.status == LEASED)
        .values(status=QUEUED, lease_until=None, sent_at=func.now())
        .execution_options(synchronize_session=False)
    )


def mark_done(session: Session, task_id: int, result: str | None = None) -> None:
    values: dict[str, object] = {"status": DONE, "lease_until": None}
    if result is not None:
        values["result"] = result
    session.execute(
        update(QueueTask)
        .where(QueueTask.id == task_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def close_item(session: Session, item_id: int, batch_id: int) -> None:
    """Every task of an item that ended (failed, duplicate, stored) is done: nothing is handed out again.

    The desk waiting on the batch is woken when this commits.
    """
    session.execute(
        update(QueueTask)
        .where(QueueTask.item_id == item_id, QueueTask.status != DONE)
        .values(status=DONE, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    notify(session, batch_id)


# -- waking the desk -----------------------------------------------------------------------
def _channel(batch_id: int) -> str:
    return f"sohoa_batch_{int(batch_id)}"


#: What a notification says: a page was read, or a file ended (stored, duplicate, failed).
PAGE_READ, FILE_ENDED = "page", "file"


def notify(session: Session, batch_id: int, what: str = FILE_ENDED) -> None:
    """Tell a desk waiting on the batch that it moved; PostgreSQL sends it at commit, never before."""
    session.execute(select(func.pg_notify(literal(_channel(batch_id)), literal(what))))


@contextmanager
def batch_events(archive: Archive, batch_id: int) -> Iterator[Callable[[float], None]]:
    """A ``wait(seconds)`` that returns as soon as a worker says the batch moved (``LISTEN``).

    The desk learns of a read page or an ended file at once instead of at its next poll, which
    on a short batch is a few percent of the whole time. Notifications only wake the desk: the
    rows stay the truth, so a lost one costs one poll interval, and without them (a pooler
    that drops ``LISTEN``) the wait is a plain sleep.
    """
    raw = archive.engine.raw_connection()
    conn = raw.driver_connection
    try:
        conn.autocommit = True
        conn.execute(f"LISTEN {_channel(batch_id)}")
    except Exception:  # noqa: BLE001 - waking early is an optimisation: sleep instead
        log.debug("LISTEN unavailable: the desk polls", exc_info=True)
        raw.invalidate()
        raw.close()
        yield time.sleep
        return

    broken = False
    last_wake = time.monotonic()

    def wait(seconds: float) -> None:
        """Until a file ends, or a page was read and the last look is ``MIN_WAKE_S`` old, or ``seconds``."""
        nonlocal broken, last_wake
        deadline = time.monotonic() + seconds
        page_read = False
        while not broken:
            now = time.monotonic()
            limit = min(deadline, last_wake + MIN_WAKE_S) if page_read else deadline
            if now >= limit:
                break
            try:
                notes = [note.payload for note in conn.notifies(timeout=limit - now, stop_after=1)]
            except Exception:  # noqa: BLE001 - the connection broke: the rows' queries will say why
                log.debug("LISTEN connection lost: the desk polls", exc_info=True)
                broken = True
                break
            if FILE_ENDED in notes:
                break
            page_read = page_read or bool(notes)
        if broken:
            time.sleep(max(0.0, deadline - time.monotonic()))
        last_wake = time.monotonic()

    try:
        yield wait
    finally:
        try:
            conn.execute(f"UNLISTEN {_channel(batch_id)}")
            conn.autocommit = False
            raw.close()
        except Exception:  # noqa: BLE001 - a broken connection is dropped, not pooled
            raw.invalidate()


#: Pages read wake the desk at most this often (its progress bar); a file that ends wakes it at once.
MIN_WAKE_S = 0.5


def complete_page(session: Session, task_id: int, item_id: int, result: str, batch_id: int) -> int | None:
    """Record a read page; when it was the file's last, queue the file's finish task and return its id.

    The finish row is locked first, so two workers completing a file's last two pages at once
    are serialised and exactly one of them sees no page left.
    """
    finish_id = session.scalar(
        select(QueueTask.id).where(QueueTask.item_id == item_id, QueueTask.kind == FINISH).with_for_update()
    )
    mark_done(session, task_id, result)
    notify(session, batch_id, PAGE_READ)
    left = session.scalar(
        select(func.count())
        .select_from(QueueTask)
        .where(QueueTask.item_id == item_id, QueueTask.kind == PAGE, QueueTask.status != DONE)
    )
    if left or finish_id is None:
        return None
    queued = session.execute(
        update(QueueTask)
        .where(QueueTask.id == finish_id, QueueTask.status == WAITING)
        .values(status=QUEUED, sent_at=func.now())
        .execution_options(synchronize_session=False)
    )
    return finish_id if queued.rowcount else None


def page_results(session: Session, item_id: int) -> dict[int, str]:
    """Where each read page of an item was put, by 0-based page index."""
    rows = session.execute(
        select(QueueTask.page, QueueTask.result).where(
            QueueTask.item_id == item_id, QueueTask.kind == PAGE, QueueTask.status == DONE
        )
    )
    return {page: result for page, result in rows if result}


def reap(session: Session, lease_s: float, *, stale_queued: bool = True, limit: int = 500) -> list[int]:
    """Tasks to announce again: leases that expired (their worker died) and, with
    ``stale_queued``, queued tasks whose message is older than a lease (the broker may have lost
    it). Their ``sent_at`` is set now."""
    expired = and_(QueueTask.status == LEASED, QueueTask.lease_until < func.now())
    lost = and_(
        QueueTask.status == QUEUED,
        or_(QueueTask.sent_at.is_(None), QueueTask.sent_at < func.now() - timedelta(seconds=lease_s)),
    )
    stale = (
        select(QueueTask.id)
        .where(or_(expired, lost) if stale_queued else expired)
        .order_by(QueueTask.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(
        session.scalars(
            update(QueueTask)
            .where(QueueTask.id.in_(stale.scalar_subquery()))
            .values(
                status=QUEUED,
                lease_until=None,
                sent_at=func.now(),
            )
            .returning(QueueTask.id)
            .execution_options(synchronize_session=False)
        )
    )


def open_tasks(session: Session, batch_id: int) -> list[int]:
    """The batch's tasks a desk resuming it announces again (queued, or with an expired lease)."""
    return list(
        session.scalars(
            select(QueueTask.id).where(QueueTask.batch_id == batch_id, _claimable()).order_by(QueueTask.id)
        )
    )


def items_with_tasks(session: Session, batch_id: int) -> set[int]:
    return set(session.scalars(select(QueueTask.item_id).where(QueueTask.batch_id == batch_id).distinct()))


def waiting_for_workers(session: Session, batch_id: int) -> int:
    """Pending items of the batch whose tasks workers still have to do."""
    return int(
        session.scalar(
            select(func.count(func.distinct(QueueTask.item_id))).where(
                QueueTask.batch_id == batch_id,
                QueueTask.status != DONE,
                QueueTask.item_id.in_(
                    select(BatchItem.id).where(BatchItem.batch_id == batch_id, BatchItem.status == "pending")
                ),
            )
        )
        or 0
    )


def page_counts(session: Session, batch_id: int) -> tuple[int, int]:
    """(pages queued in all, pages read) of a batch, for the desk's progress bar."""
    total, done = session.execute(
        select(
            func.count(),
            func.count(case((QueueTask.status == DONE, 1))),
        ).where(QueueTask.batch_id == batch_id, QueueTask.kind == PAGE)
    ).one()
    return int(total), int(done)


# -- workers' heartbeats -------------------------------------------------------------------
def heartbeat(session: Session, name: str, concurrency: int) -> None:
    """This worker is alive now (database time)."""
    session.execute(
        pg_insert(QueueWorker)
        .values(name=name, concurrency=concurrency, started_at=func.now(), seen_at=func.now())
        .on_conflict_do_update(index_elements=[QueueWorker.name], set_={"seen_at": func.now()})
    )


def forget_dead_workers(session: Session, after_s: float = 86400) -> None:
    """Drop the heartbeats of workers gone for a day (killed outright: they could not say goodbye)."""
    session.execute(
        QueueWorker.__table__.delete().where(  # type: ignore[attr-defined]
            QueueWorker.seen_at < func.now() - timedelta(seconds=after_s)
        )
    )


def forget_worker(session: Session, name: str) -> None:
    session.execute(
        QueueWorker.__table__.delete().where(QueueWorker.name == name)  # type: ignore[attr-defined]
    )


def live_workers(session: Session, within_s: float) -> int:
    """Workers that said they were alive within the last ``within_s`` seconds."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(QueueWorker)
            .where(QueueWorker.seen_at > func.now() - timedelta(seconds=within_s))
        )
        or 0
    )
