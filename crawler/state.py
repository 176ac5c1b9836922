"""What earlier runs emitted: one SQLite file per spider in STATE_DIR.

Per article it keeps the id, URL, publication and modification dates, the
listing's lastmod when it was fetched, a hash of its content, the version last
emitted and when it was first and last seen. Listed URLs that gave no article
(video pages, redirects to another URL) are kept as version 0.

The output files are the journal. Before its first line, a run records which
files it writes to; it then stores what it emitted in batches, and forgets the
record of its files when it ends. A run killed in between leaves that record,
and the next run settles it by reading those files: every complete line is an
emitted version, whether or not its batch was stored; a line the kill cut short
is not, and that version is emitted again.

A run opens the file once, and marks it closed cleanly when it closes it
(PRAGMA user_version): only a file its last run did not close is checked.
"""

import fcntl
import json
import logging
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from crawler.jsonl import MalformedLine, read_jsonl

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    published TEXT,
    modified TEXT,
    listed_lastmod TEXT,
    content_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    outputs TEXT NOT NULL
);
"""

# A version is stored only over an older one: settling a killed run may read lines that a
# later batch of the same run had stored already.
_STORE_SEEN = """
INSERT INTO articles (id, url, published, modified, listed_lastmod, content_hash, version, first_seen, last_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET
    url = excluded.url, published = excluded.published, modified = excluded.modified,
    listed_lastmod = COALESCE(excluded.listed_lastmod, articles.listed_lastmod),
    content_hash = excluded.content_hash, version = excluded.version, last_seen = excluded.last_seen
WHERE excluded.version >= articles.version
"""


# PRAGMA user_version: whether the last run to open the file closed it. A new file holds 0.
_CLOSED_CLEANLY = 1
_IN_USE = 2


class SeenVersion(NamedTuple):
    """An emitted version, as the state stores it."""

    id: str
    url: str
    published: str | None
    modified: str | None
    listed_lastmod: str | None
    content_hash: str
    version: int


class StateError(RuntimeError):
    """The state file cannot be used; the message is one line for the user."""


def _now():
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class ArticleState:
    def __init__(self, path):
        self.path = Path(path)
        self._lock_file = None
        self.db = None

    # -- opening ------------------------------------------------------------------

    def open(self):
        """Take the file for this run, or StateError if another run has it or it is damaged."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StateError(f"state folder {self.path.parent} cannot be created: {error.strerror}") from None
        # flock on the database file itself: SQLite's own locks are fcntl locks, which
        # flock does not touch, so this only keeps two runs from sharing the file.
        try:
            self._lock_file = open(self.path, "ab")
        except OSError as error:
            raise StateError(f"state file {self.path} cannot be opened: {error.strerror}") from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise StateError(f"state file {self.path} is locked: another run is using it") from None
        try:
            self.db = sqlite3.connect(self.path, timeout=2, isolation_level=None)
            self._check_unless_closed_cleanly()
            self.db.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL survives a killed process; only power loss may lose the last commits.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {_IN_USE}; COMMIT;")
        except sqlite3.OperationalError as error:
            self._release()
            if "locked" in str(error) or "busy" in str(error):
                raise StateError(f"state file {self.path} is locked: {error}") from None
            raise StateError(f"state file {self.path} cannot be used: {error}") from None
        except sqlite3.DatabaseError as error:
            self._release()
            raise StateError(
                f"state file {self.path} is corrupt ({error}); move it away to start afresh"
            ) from None
        return self

    def _check_unless_closed_cleanly(self):
        # quick_check reads the whole file: about 650 ms at 1,000,000 articles. A run that closed the
        # file committed and checkpointed all it wrote, which cannot damage it; a run that did not
        # (killed, power lost) may have left a WAL to recover or a write half done, so the next run
        # checks. Reading the mark already fails on a file that is not a database at all.
        mark = self.db.execute("PRAGMA user_version").fetchone()[0]
        if mark == _CLOSED_CLEANLY:
            return
        if mark == _IN_USE:
            logger.info("State file %s was not closed by its last run: checking it", self.path)
        result = self.db.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise sqlite3.DatabaseError(result)

    def close(self):
        try:
            if self.db is not None:
                self.db.execute(f"PRAGMA user_version = {_CLOSED_CLEANLY}")
        finally:
            self._release()

    def _release(self):
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # -- reading ------------------------------------------------------------------

    def get(self, article_id):
        row = self.db.execute(
            "SELECT version, content_hash, published, modified, listed_lastmod FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("version", "content_hash", "published", "modified", "listed_lastmod"), row))

    def count(self):
        return self.db.execute("SELECT COUNT(*) FROM articles WHERE version > 0").fetchone()[0]

    def remember_listing(self, article_id, url, listed_lastmod):
        """A listed URL that gave no article of its own id (not an article, or a redirect to
        another URL): known as of the listing's date, as version 0, so it is not fetched again."""
        now = _now()
        self.db.execute(
            """INSERT INTO articles (id, url, listed_lastmod, content_hash, version, first_seen, last_seen)
               VALUES (?, ?, ?, '', 0, ?, ?)
               ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen,
                   listed_lastmod = COALESCE(excluded.listed_lastmod, articles.listed_lastmod)""",
            (article_id, url, listed_lastmod, now, now),
        )

    # -- writing ------------------------------------------------------------------

    def begin_run(self, outputs):
        """Record the files this run writes to, before its first line; returns the run's number."""
        return self.db.execute(
            "INSERT INTO runs (started, outputs) VALUES (?, ?)", (_now(), json.dumps(outputs))
        ).lastrowid

    def end_run(self, run):
        self.db.execute("DELETE FROM runs WHERE id = ?", (run,))

    def store_seen(self, versions):
        """SeenVersions whose lines are in the output, in one transaction."""
        now = _now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(_STORE_SEEN, [(*version, now, now) for version in versions])
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def touch(self, article_id, listed_lastmod):
        """Fetched again and found unchanged: remember the listing's date so it is not fetched again."""
        self.db.execute(
            "UPDATE articles SET last_seen = ?, listed_lastmod = COALESCE(?, listed_lastmod) WHERE id = ?",
            (_now(), listed_lastmod, article_id),
        )

    def settle_interrupted_runs(self, content_hash):
        """Store every version the output files of killed runs hold, and forget those runs.

        Returns how many lines were read. `content_hash` is the hash of an article's content,
        computed from the line as it was from the item.
        """
        settled = 0
        for run, outputs in self.db.execute("SELECT id, outputs FROM runs").fetchall():
            versions = [
                SeenVersion(line["id"], line["url"], line.get("published"), line.get("modified"), None,
                            content_hash(line), line.get("version", 1))
                for output in json.loads(outputs) for line in _complete_lines(output)
            ]
            self.store_seen(versions)
            self.end_run(run)
            settled += len(versions)
        return settled


def _complete_lines(path):
    """The records of an output file, read by crawler.jsonl's rule: a last line the kill cut
    short is skipped with a warning; a malformed line before it stops the run (StateError)."""
    try:
        for _number, record in read_jsonl(path):
            if isinstance(record, dict) and "id" in record and "url" in record:
                yield record
    except MalformedLine as error:
        raise StateError(
            f"cannot settle an interrupted run: its output {error}; repair or delete that line "
            "(the article of a deleted line is emitted again), then run again"
        ) from None
    except FileNotFoundError:
        logger.warning("Settling an interrupted run: its output %s is gone; what it wrote will be emitted again",
                       path)


def state_path(settings, spider_name):
    return Path(os.path.expanduser(settings.get("STATE_DIR"))) / f"{spider_name}.sqlite3"
