"""The Celery application on Redis, and announcing tasks to it.

Late acknowledgement and a prefetch of one keep each worker process to the task it is
running; retries do not rely on the broker (Redis's visibility timeout is an hour) but on the
database's leases (``leases``). A message carries only a task id: no path, no name, no text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from celery import Celery

from . import settings

log = logging.getLogger(__name__)


def make_app(url: str | None = None) -> Celery:
    """The Celery application of desks and workers (JSON messages, no result backend)."""
    app = Celery("sohoa", broker=url or settings.broker_url(), set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_time_limit=settings.task_time_limit(),
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a broker restart is waited out, never fatal to a worker
        worker_send_task_events=False,
        broker_transport_options={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
    )
    return app


def announce(app: Celery, task_ids: Iterable[int]) -> int:
    """Ring the doorbell once per task; returns how many messages went out.

    A broker that cannot be reached is logged and left to the reapers: the tasks are in the
    database already, and the workers announce them again once the broker is back.
    """
    sent = 0
    try:
        with app.producer_or_acquire() as producer:
            for task_id in task_ids:
                app.send_task(
                    settings.TASK_NAME,
                    args=[task_id],
                    queue=settings.QUEUE,
                    producer=producer,
                    retry=True,
                    retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
                )
                sent += 1
    except Exception as exc:  # noqa: BLE001 - kombu's connection errors vary by transport
        log.warning(
            "broker unreachable (%s): %s task(s) stay in the database; workers announce them again",
            type(exc).__name__,
            "some" if sent else "all",
        )
    return sent


def reachable(app: Celery, timeout_s: float = 3.0) -> bool:
    """Whether the broker answers now (one connection, no retry): a worker that cannot reach it
    cannot be handed work, so it does not count as alive for the desks."""
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=0, timeout=timeout_s)
        return True
    except Exception:  # noqa: BLE001 - kombu's connection errors vary by transport
        return False


def redacted_url(url: str | None = None) -> str:
    """The broker's address as a clerk may read it: scheme, host and port, never a password."""
    parts = urlsplit(url or settings.broker_url())
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


def waiting_messages(app: Celery) -> int | None:
    """Messages waiting in the broker's queue (Redis ``LLEN``); None when that cannot be known.

    The reaper announces again a long-queued task only when the broker holds no message any
    more (Redis restarted empty): while messages wait, re-announcing would only add duplicates.
    """
    try:
        with app.connection_for_read() as connection:
            client = getattr(connection.default_channel, "client", None)
            return int(client.llen(settings.QUEUE)) if client is not None else None
    except Exception:  # noqa: BLE001 - an unreachable broker: unknown
        return None
