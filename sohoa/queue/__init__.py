"""Many desks, one archive: page reading by ``sohoa worker`` processes on a real queue.

A desk (``sohoa ingest --queue``) copies each input into the archive's shared storage,
records one task per page plus one to finish the file in the database, and rings the broker
(Celery on Redis). Workers on any machine that sees the storage and the database lease a
task in the database, read the page (or split, extract and store the file exactly as a local
ingest does), and mark it done. The database is the truth and the broker only a doorbell:
leases that expire are handed out again by the reaper every worker runs, so a killed worker,
a killed desk or a restarted Redis loses nothing. Modules:

- ``settings``: the environment a desk and a worker read;
- ``leases``: the task rows, their leases and the workers' heartbeats;
- ``broker``: the Celery application and how a task is announced;
- ``desk``: submit a batch, wait for it, resume it from any desk;
- ``worker``: the task bodies, the reaper, ``sohoa worker``.
"""
