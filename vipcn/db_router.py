"""Dashboards and reports read from a PostgreSQL read replica; everything else from the primary.

Active only when ``DATABASE_REPLICA_URL`` is set (vipcn/settings.py adds the ``replica``
alias, this router and the middleware). Inside a request to a ``reports:*`` page, reads go to
the replica; every write, and every read anywhere else, goes to ``default``. Workflow pages
never read from the replica, so a user always sees what they just saved (replication lag
only delays a dashboard's numbers by that lag). Writes made by a report page (the access
log, an export record) still go to the primary.
"""

import contextlib
from contextvars import ContextVar

REPLICA = "replica"
PRIMARY = "default"
# URL namespaces whose pages only read and summarise: the dashboards and reports.
REPLICA_NAMESPACES = frozenset({"reports"})

_use_replica = ContextVar("vipcn_use_replica", default=False)


@contextlib.contextmanager
def replica_reads():
    """Reads inside this block go to the replica (when the router is installed)."""
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


@contextlib.contextmanager
def primary_reads():
    """Reads inside this block go to the primary, even within a report page. For figures
    cached under a data version read from the primary (vipcn/freshness.py): computed on a
    lagging replica they could miss the very change that gave the version, and be kept."""
    token = _use_replica.set(False)
    try:
        yield
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _use_replica.get() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaReadsMiddleware:
    """Runs the view of a report page with its reads on the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not REPLICA_NAMESPACES.intersection(match.namespaces):
            return None
        with replica_reads():
            response = view_func(request, *view_args, **view_kwargs)
            # Render lazily rendered responses while the reads still go to the replica.
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
        return response
