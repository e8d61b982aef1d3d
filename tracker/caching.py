"""Rendered pages served again until the data changes, and conditional GET.

The data's version is explicit. One commit hook (`count_changes`, on the app's sessionmaker)
adds a `DataChange` row to every transaction that wrote to a table pages show, whatever wrote
it: a form, an import, `tracker reindex`, raw SQL through a session. The engine notes each
write statement it runs (`note_write`), so nothing depends on writes being audited. Sessions
and API tokens are left out: their last-seen and last-used times change no page, and every
page, cached or not, checks them anew.

Where it is read: with `TRACKER_REDIS_URL`, the hook also bumps a counter in Redis after the
commit, and Redis pushes the news to every worker of every host; without Redis, the newest
`DataChange` id, one indexed query.

The same hook keeps a second counter in Redis, the sessions' version: bumped after the commit of
any write to a user or to a session (a logout, ending every session, a new password, a role,
disabling an account, an edit), except a new session and a last-seen time (`TOUCH`). Workers
hold the sessions they found valid while it stands (auth/sessions.py).

How the counters reach a worker: each process subscribes to a channel on which every bump is
published, reads both counters once, and then, at the start of each request, only looks (without
waiting) for a message in its subscription's socket; a message, of any kind, means it reads them
again. So a request costs no round trip while nothing changes. The writer asks Redis once more
after publishing (`bump`): Redis writes a publish's messages into its subscribers' sockets in the
same turn of its event loop as its answer to the publisher, so by its next answer each
subscriber holds the message, or earlier unread ones that also mean "read again". This follows
from how Redis serves clients; no test can show it. Another host may still get the message a
moment after the writer's answer. Any error on the subscription drops it, and requests read the
counters from Redis until a new one is confirmed.

Views marked `cached_page` run after every check Flask makes of a request (its session, its
role, whatever `before_request` refuses): a cached page is only ever the view's own answer.
The page is kept under the reader, their session's CSRF token, the address and the day, and
sent again while the data's version holds; the browser's copy is answered 304.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any, Generic, TypeVar

import redis
from flask import Flask, Response, current_app, has_request_context, make_response, request, session
from flask_login import current_user
from redis.backoff import NoBackoff
from redis.client import PubSub
from redis.retry import Retry
from sqlalchemy import Connection, event, func, insert, select
from sqlalchemy.engine import ExecutionContext
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from .db import get_session
from .i18n import select_locale
from .models import DataChange

View = TypeVar("View", bound=Callable[..., Any])
Kept = TypeVar("Kept")

DATA_VERSION = select(func.max(DataChange.id))
# Tables whose writes change no page: a session's last-seen time, a token's last use, the
# mail worker's outbox (only /admin/mail shows it, and that page is never kept).
UNWATCHED = frozenset(
    {"user_session", "api_token", "mail_delivery", "mail_reminder", DataChange.__tablename__}
)
# Tables whose rows workers hold for a logged-in session, and the write that leaves them valid.
HELD = frozenset({"user", "user_session"})
NEW_SESSION = ("insert", "user_session")
TOUCH = "tracker.touch"  # execution option of a write that changes nothing a worker holds
WRITE = re.compile(
    r"\s*(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|REPLACE\s+INTO"
    r"|TRUNCATE(?:\s+TABLE)?|COPY)\s+\"?(\w+)",
    re.IGNORECASE,
)
CHANGED = "tracker.data_changed"  # on a connection's info: this transaction wrote
SESSIONS_CHANGED = "tracker.sessions_changed"  # ... and wrote to a user or a session
BUMP = "tracker.bump_shared_version"  # on a session's info: tell Redis after the commit
BUMP_SESSIONS = "tracker.bump_sessions_version"
DUE = "tracker.bumps_due"  # what a committed transaction tells Redis once it has ended
REDIS_KEY = "tracker:data-version"
SESSIONS_KEY = "tracker:sessions-version"
CHANNEL = "tracker:versions-changed"  # channels span Redis's databases: the name adds its number
SHARED = "tracker.shared_versions"  # in a request's environ: both counters, read once
# Headers a kept page does not carry over: each answer makes its own.
OWN_HEADERS = frozenset({"content-length", "etag", "set-cookie", "x-request-id"})

logger = logging.getLogger(__name__)


@functools.cache
def app_version() -> str:
    """The installed release of Tracker, read once: pages made by another release differ."""
    try:
        return package_version("tracker")
    except PackageNotFoundError:  # pragma: no cover - run from a tree never installed
        return "unknown"


@dataclass(frozen=True)
class Page:
    version: str
    body: bytes
    headers: list[tuple[str, str]]

    def weight(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class Recent(Generic[Kept]):
    """A small thread-safe LRU: rendered pages, sessions found valid.

    It keeps at most `size` values and, given `weigh`, at most `budget` of their weight (a
    page's bytes): a large page evicts several small ones, and one over the budget is not kept.
    """

    def __init__(
        self, size: int, *, budget: int = 0, weigh: Callable[[Kept], int] = lambda _: 0
    ) -> None:
        self.size = size
        self.budget = budget
        self.weigh = weigh
        self.weight = 0
        self.kept: OrderedDict[str, Kept] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Kept | None:
        with self.lock:
            value = self.kept.get(key)
            if value is not None:
                self.kept.move_to_end(key)
            return value

    def put(self, key: str, value: Kept) -> None:
        weight = self.weigh(value)
        if self.budget and weight > self.budget:
            return
        with self.lock:
            if key in self.kept:
                self.weight -= self.weigh(self.kept.pop(key))
            self.kept[key] = value
            self.weight += weight
            while len(self.kept) > self.size or (self.budget and self.weight > self.budget):
                self.weight -= self.weigh(self.kept.popitem(last=False)[1])


class DataVersion:
    """Where the data's and the sessions' versions are read, and bumped after a commit."""

    def __init__(self, redis_url: str | None) -> None:
        options: dict[str, Any] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        self.redis = (
            # One quick retry: a pooled connection Redis closed on a restart is opened again.
            redis.Redis.from_url(redis_url, retry=Retry(NoBackoff(), 1), **options)
            if redis_url
            else None
        )
        # The subscription reconnects never by itself: a gap in it would lose messages unseen.
        self.listener = (
            redis.Redis.from_url(redis_url, retry=Retry(NoBackoff(), 0), **options)
            if redis_url
            else None
        )
        db = self.redis.connection_pool.connection_kwargs.get("db", 0) if self.redis else 0
        self.channel = f"{CHANNEL}:{db}"
        self.lock = threading.Lock()
        self.subscription: PubSub | None = None
        self.subscribed_in = 0  # the process that made the subscription: none survives a fork
        self.known: tuple[int, int] | None = None

    def shared(self) -> tuple[int, int] | None:
        """Both counters in Redis, looked at once a request; None without Redis or when it is
        down."""
        if self.redis is None:
            return None
        environ = request.environ if has_request_context() else {}
        if SHARED in environ:
            return environ[SHARED]
        try:
            counts: tuple[int, int] | None = self.pushed()
        except redis.RedisError as error:
            logger.warning("page cache: Redis does not answer: %s", error)
            self.unsubscribe()
            counts = None
        environ[SHARED] = counts
        return counts

    def pushed(self) -> tuple[int, int]:
        """The counters as this process last read them, read again once Redis says so."""
        with self.lock:
            if self.subscription is None or self.subscribed_in != os.getpid():
                self.subscribe()
            news = False
            assert self.subscription is not None
            while self.subscription.get_message(timeout=0) is not None:
                news = True
            if news or self.known is None:
                self.known = self.read()
            return self.known

    def subscribe(self) -> None:
        assert self.listener is not None
        self.subscription, self.subscribed_in, self.known = None, 0, None
        subscription = self.listener.pubsub()
        subscription.subscribe(self.channel)
        if subscription.get_message(timeout=0.5) is None:  # Redis's confirmation
            subscription.close()
            raise redis.TimeoutError(f"no confirmation of the subscription to {self.channel}")
        self.subscription, self.subscribed_in = subscription, os.getpid()

    def unsubscribe(self) -> None:
        with self.lock:
            if self.subscription is not None and self.subscribed_in == os.getpid():
                self.subscription.close()
            self.subscription, self.subscribed_in, self.known = None, 0, None

    def read(self) -> tuple[int, int]:
        assert self.redis is not None
        values = self.redis.mget(REDIS_KEY, SESSIONS_KEY)
        if None in values:
            self.start().execute()
            values = self.redis.mget(REDIS_KEY, SESSIONS_KEY)
        return int(values[0] or 0), int(values[1] or 0)

    def current(self) -> str:
        shared = self.shared()
        if shared is not None:
            return f"r{shared[0]}"
        return f"d{get_session().scalar(DATA_VERSION) or 0}"

    def sessions(self) -> int | None:
        """The sessions' version; None: no worker may trust a session it holds."""
        shared = self.shared()
        return None if shared is None else shared[1]

    def start(self) -> Any:
        """Start the shared counts where no earlier ones could have reached, once Redis is new."""
        assert self.redis is not None
        pipeline = self.redis.pipeline(transaction=False)
        for key in (REDIS_KEY, SESSIONS_KEY):
            pipeline.set(key, time.time_ns(), nx=True)
        return pipeline

    def bump(self, *, data: bool, sessions: bool) -> None:
        if self.redis is None:
            return
        if has_request_context():
            request.environ.pop(SHARED, None)
        with self.lock:
            self.known = None  # this process reads the counters again, message or none
        try:
            pipeline = self.start()
            for key, changed in ((REDIS_KEY, data), (SESSIONS_KEY, sessions)):
                if changed:
                    pipeline.incr(key)
            pipeline.publish(self.channel, "changed")
            pipeline.execute()
            # Once Redis answers a later command, each subscriber's socket holds the message
            # (the module's docstring says why).
            self.redis.ping()
        except redis.RedisError as error:
            # Pages may be sent stale, and sessions held, until Redis answers and the next
            # write bumps the count; a held session is checked again within a minute anyway.
            logger.warning("page cache: Redis missed a change: %s", error)


def note_write(
    connection: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    context: ExecutionContext | None,
    *_args: Any,
) -> None:
    """Mark the transaction as a change of the data when it writes to a watched table, and of
    the sessions when it writes to a user or a session."""
    match = WRITE.match(statement)
    if match is None:
        return
    verb, table = match.group(1).split()[0].lower(), match.group(2).lower()
    if table not in UNWATCHED:
        connection.info[CHANGED] = True
    if (
        table in HELD
        and (verb, table) != NEW_SESSION
        and not (context is not None and context.execution_options.get(TOUCH))
    ):
        connection.info[SESSIONS_CHANGED] = True


def forget_writes(connection: Connection) -> None:
    connection.info.pop(CHANGED, None)
    connection.info.pop(SESSIONS_CHANGED, None)


def count_changes(session: Session) -> None:
    """Add a DataChange to a transaction that wrote to what pages show: the commit hook."""
    if not session.in_transaction():
        return
    session.flush()
    connection = session.connection()
    if connection.info.pop(CHANGED, False):
        session.execute(insert(DataChange))
        session.info[BUMP] = True
    if connection.info.pop(SESSIONS_CHANGED, False):
        session.info[BUMP_SESSIONS] = True


def install_commit_hook(factory: sessionmaker[Session], versions: DataVersion) -> None:
    engine = factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", note_write)
    event.listen(engine, "begin", forget_writes)
    event.listen(factory, "before_commit", count_changes)

    @event.listens_for(factory, "after_commit")
    def committed(session: Session) -> None:
        session.info[DUE] = session.info.pop(BUMP, False), session.info.pop(BUMP_SESSIONS, False)

    # Told once the transaction has ended and its connection gone back to the pool, which
    # ends a SQLite writer's turn (engine.py): the next writer does not wait for Redis.
    @event.listens_for(factory, "after_transaction_end")
    def tell_the_others(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is not None:
            return
        data, sessions = session.info.pop(DUE, (False, False))
        if data or sessions:
            versions.bump(data=data, sessions=sessions)


def data_version() -> str:
    versions: DataVersion = current_app.extensions["tracker.data_version"]
    return versions.current()


def page_key(version: str) -> str:
    """Name what a page depends on: the application and the data, the reader, the request."""
    reader = current_user._get_current_object()
    parts = (
        app_version(),
        version,
        reader.get_id(),
        getattr(reader, "role", ""),
        session.get("csrf_token", ""),  # forms on the page carry this session's token
        request.host,
        request.scheme,
        request.full_path,
        select_locale(),  # chosen, or from Accept-Language (the response says Vary)
        dt.date.today().isoformat(),  # "3 days ago" changes at midnight
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def cached_page(view: View) -> View:
    """Send the page kept for this request while the data holds, 304 to a browser that has it."""

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        if session.get("_flashes"):  # a flash message is shown once
            return view(*args, **kwargs)
        pages: Recent[Page] | None = current_app.extensions.get("tracker.pages")
        version = data_version()
        etag = page_key(version)
        if etag in request.if_none_match:
            response = Response(status=304)
        else:
            page = pages.get(etag) if pages is not None else None
            if page is not None and page.version == version:
                response = Response(page.body, headers=page.headers)
            else:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200:
                    return response
                if pages is not None and keepable(response):
                    headers = [(k, v) for k, v in response.headers if k.lower() not in OWN_HEADERS]
                    pages.put(etag, Page(version, response.get_data(), headers))
        response.set_etag(etag)
        return response

    return serve  # type: ignore[return-value]


def keepable(response: Response) -> bool:
    return not response.direct_passthrough and "Set-Cookie" not in response.headers


def init_app(app: Flask) -> None:
    versions = DataVersion(app.config.get("REDIS_URL"))
    app.extensions["tracker.data_version"] = versions
    install_commit_hook(app.extensions["tracker.db"], versions)
    size = app.config.get("PAGE_CACHE_SIZE", 256)
    if size:
        budget = app.config["PAGE_CACHE_MB"] * 2**20
        app.extensions["tracker.pages"] = Recent[Page](size, budget=budget, weigh=Page.weight)
