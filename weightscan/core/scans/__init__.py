"""The scan pipeline as plain functions, one module per lifecycle step: ``submit`` (web
side), ``run`` (worker side), ``groups``, ``sweep``; ``common`` holds the statuses and
results they share. (The hash lookup reads in one query of its own: web/api/files.py.)

Submission (``submit_file``, ``create_group`` / ``seal_group``, ``rescan``,
``rescan_outdated``) stores rows and returns the scan ids to enqueue; **the caller
commits, then sends them** through a ``weightscan.core.dispatch.Dispatcher``, so a worker never
sees an uncommitted row. A lost message is harmless: the sweeper re-enqueues stale rows.

Execution (``run_scan``) is idempotent. A worker *claims* a scan with a guarded update
(``status: queued -> running``, ``attempts + 1``); a scan that is already running or done
is left alone, so duplicate deliveries do nothing. A running scan whose worker died is
put back to ``queued`` by the sweeper (``sweep_stale``) once it is older than
``settings.stale_after_seconds``; after ``settings.max_attempts`` claims it is finished
as verdict ``error`` instead of looping on a file that kills its worker.

Statuses (the API exposes them as they are): ``queued``, ``running``, ``done`` (a
verdict was recorded -- possibly ``error``), ``failed`` (a group whose source could not
be fetched at all). A group scan is ``queued`` while its files are being added,
``running`` once sealed, and ``done`` when every child is; its verdict is the worst child
verdict.

Dedupe: a finished file scan of the same sha256 under the same engine version, rules
version and per-request policy is reused unless ``force``: a **new** Scan row is created
(status ``done``, ``cached_from`` = the original scan, findings copied), so every
submission has its own id, owner, source and callback. Scans that ended in ``error`` are
never reused.
"""
