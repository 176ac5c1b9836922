"""What earlier runs emitted: one SQLite file per spider in STATE_DIR.

Per article it keeps the id, URL, publication and modification dates, the
listing's lastmod when it was fetched, a hash of its content, the version last
emitted and when it was first and last seen. Listed URLs that gave no article
(video pages, redirects to another URL) are kept as version 0.

An emitted version is first recorded as *pending*, with the output files of
the run; it becomes *seen* once its line is in the output. A run killed in
between leaves pending rows, which the next run settles by reading those files:
a version whose line is there is seen, any other is forgotten and emitted again.
"""

import fcntl
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

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
CREATE TABLE IF NOT EXISTS pending (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    url TEXT NOT NULL,
    published TEXT,
    modified TEXT,
    listed_lastmod TEXT,
    content_hash TEXT NOT NULL,
    outputs TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
"""


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
        self._lock_file = open(self.path, "ab")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise StateError(f"state file {self.path} is locked: another run is using it") from None
        try:
            self.db = sqlite3.connect(self.path, timeout=2, isolation_level=None)
            self._check()
        except sqlite3.OperationalError as error:
            self.close()
            if "locked" in str(error) or "busy" in str(error):
                raise StateError(f"state file {self.path} is locked: {error}") from None
            raise StateError(f"state file {self.path} cannot be used: {error}") from None
        except sqlite3.DatabaseError as error:
            self.close()
            raise StateError(
                f"state file {self.path} is corrupt ({error}); move it away to start afresh"
            ) from None
        return self

    def _check(self):
        result = self.db.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise sqlite3.DatabaseError(result)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL survives a killed process; only power loss may lose the last commits.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")

    def close(self):
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

    def record_pending(self, article, content_hash, listed_lastmod, outputs):
        self.db.execute(
            "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (article["id"], article["version"], article["url"], article.get("published"), article.get("modified"),
             listed_lastmod, content_hash, json.dumps(outputs)),
        )

    def mark_seen(self, article_id, version):
        """The version's line is in the output: it is now what the dataset holds."""
        now = _now()
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            """INSERT INTO articles (id, url, published, modified, listed_lastmod, content_hash, version,
                                     first_seen, last_seen)
               SELECT id, url, published, modified, listed_lastmod, content_hash, version, ?, ?
               FROM pending WHERE id = ? AND version = ?
               ON CONFLICT(id) DO UPDATE SET
                   url = excluded.url, published = excluded.published, modified = excluded.modified,
                   listed_lastmod = excluded.listed_lastmod, content_hash = excluded.content_hash,
                   version = excluded.version, last_seen = excluded.last_seen""",
            (now, now, article_id, version),
        )
        self.db.execute("DELETE FROM pending WHERE id = ? AND version = ?", (article_id, version))
        self.db.execute("COMMIT")

    def touch(self, article_id, listed_lastmod):
        """Fetched again and found unchanged: remember the listing's date so it is not fetched again."""
        self.db.execute(
            "UPDATE articles SET last_seen = ?, listed_lastmod = COALESCE(?, listed_lastmod) WHERE id = ?",
            (_now(), listed_lastmod, article_id),
        )

    def settle_pending(self):
        """After a killed run: keep the versions whose lines reached the output, forget the rest.

        Returns (settled, forgotten) counts.
        """
        rows = self.db.execute("SELECT id, version, outputs FROM pending").fetchall()
        written = {}
        settled = forgotten = 0
        for article_id, version, outputs in rows:
            lines = set()
            for output in json.loads(outputs):
                if output not in written:
                    written[output] = _emitted_versions(output)
                lines |= written[output]
            if (article_id, version) in lines:
                self.mark_seen(article_id, version)
                settled += 1
            else:
                self.db.execute("DELETE FROM pending WHERE id = ? AND version = ?", (article_id, version))
                forgotten += 1
        return settled, forgotten


def _emitted_versions(path):
    """(id, version) of every complete line of an output file."""
    found = set()
    try:
        with open(path, "rb") as output:
            for line in output:
                if not line.endswith(b"\n"):
                    break  # a line cut by the kill is not in the dataset
                try:
                    record = json.loads(line)
                    found.add((record["id"], record.get("version", 1)))
                except (ValueError, KeyError, TypeError):
                    continue
    except FileNotFoundError:
        pass
    return found


def state_path(settings, spider_name):
    return Path(os.path.expanduser(settings.get("STATE_DIR"))) / f"{spider_name}.sqlite3"
