"""The spider's arguments (-a NAME=VALUE), checked before anything is downloaded."""

import glob
import os
import re
from dataclasses import dataclass, field
from datetime import date

from crawler.urls import NotAnArticleURL


class ArgumentError(ValueError):
    """A spider argument that cannot be used; the message is one line for the user."""


@dataclass
class RunArguments:
    since: date | None = None
    until: date | None = None
    sections: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    source: str = "rfi"
    archive_files: list[str] = field(default_factory=list)
    warc_files: list[str] = field(default_factory=list)
    refresh: bool = False

    @property
    def backfill(self):
        return self.since is not None

    def in_window(self, day):
        """Whether a date (or a YYYYMMDD string) lies inside since..until, both inclusive."""
        if isinstance(day, str):
            day = _yyyymmdd(day)
        if day is None:
            return False
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def month_in_window(self, year, month):
        first = date(year, month, 1)
        last = next_month(first)
        return (self.since is None or last > self.since) and (self.until is None or first <= self.until)


def next_month(day):
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


SOURCES = ("rfi", "feedx", "archive", "wayback", "commoncrawl", "warc")
# Sources of archived captures, which a since..until window bounds (by capture and by the article's date).
WEB_ARCHIVES = ("wayback", "commoncrawl", "warc")
WARC_SUFFIXES = (".warc", ".warc.gz", ".wacz")


ARGUMENTS = ("since", "until", "sections", "urls", "source", "archive", "warc", "refresh")


def parse_arguments(article_urls, edition, **arguments):
    """RunArguments of a spider of the edition (crawler.editions.Edition) from the raw -a values, or
    ArgumentError naming the bad one."""
    unknown = sorted(set(arguments) - set(ARGUMENTS))
    if unknown:
        raise ArgumentError(f"unknown argument {', '.join(unknown)}; known: {', '.join(ARGUMENTS)}")
    return _parse(article_urls, edition, **arguments)


def _parse(article_urls, edition, *, since=None, until=None, sections=None, urls=None,
           source=None, archive=None, warc=None, refresh=None):
    # An empty value is a mistake in the command (`-a since=` with an unset shell variable), never
    # a request for the default crawl, which it would otherwise quietly start.
    for name, value in (("since", since), ("until", until), ("sections", sections), ("urls", urls),
                        ("source", source), ("archive", archive), ("warc", warc), ("refresh", refresh)):
        if value is not None and not value.strip(" ,"):
            raise ArgumentError(f"{name}= is empty; give a value or leave the argument out")
    if not edition.feedx_url and (archive is not None or source in ("feedx", "archive")):
        argument = "archive=" if archive is not None else f"source={source}"
        raise ArgumentError(f"feedx publishes no feed of /{edition.code}/ ({edition.script}): -a {argument} "
                            "cannot be used on this edition")
    run = RunArguments()
    run.since = _iso_date("since", since)
    run.until = _iso_date("until", until)
    if run.until and not run.since:
        raise ArgumentError("until= needs since= (a backfill window is since..until)")
    if run.since and run.until and run.since > run.until:
        raise ArgumentError(f"since={run.since} is after until={run.until}")
    run.refresh = _flag("refresh", refresh)
    run.sections = _split(sections)
    unknown = [name for name in run.sections if name not in edition.sections]
    if unknown:
        raise ArgumentError(
            f"unknown section {', '.join(unknown)}; known sections: {', '.join(edition.sections)}"
        )
    try:
        run.urls = [article_urls.canonical(url) for url in _split(urls)]
    except NotAnArticleURL as error:
        raise ArgumentError(f"urls=: {error}") from None
    if archive is not None and warc is not None:
        raise ArgumentError("archive= (saved feedx items) and warc= (web-archive files) cannot be combined")
    if archive is not None:
        run.source = "archive"
        run.archive_files = _archive_files(archive)
    if warc is not None:
        run.source = "warc"
        run.warc_files = _warc_files(warc)
    if source is not None:
        if source not in SOURCES:
            raise ArgumentError(f"unknown source={source}; sources: rfi, feedx, wayback, commoncrawl, "
                                "archive (with archive=PATH), warc (with warc=PATH)")
        for reads, argument, what in (("archive", archive, "saved feedx items"), ("warc", warc, "WARC files")):
            if source == reads and argument is None:
                raise ArgumentError(f"source={reads} reads {what}: give them with {reads}=PATH")
            if argument is not None and source != reads:
                raise ArgumentError(f"{reads}= reads {what}; it cannot be combined with source={source}")
        run.source = source
    chosen = [name for name, value in (("since", run.since), ("sections", run.sections), ("urls", run.urls)) if value]
    if len(chosen) > 1:
        raise ArgumentError(f"{' and '.join(chosen)} cannot be combined: each picks its own way to discover articles")
    if run.source in WEB_ARCHIVES and chosen and chosen != ["since"]:
        raise ArgumentError(f"{chosen[0]}= applies to source=rfi only; web archives take since= and until=")
    if run.source not in ("rfi", *WEB_ARCHIVES) and chosen:
        raise ArgumentError(f"{chosen[0]}= applies to source=rfi only")
    return run


def _archive_files(archive):
    """A file, a folder (its *.md, sorted) or a glob pattern."""
    if os.path.isdir(archive):
        files = sorted(glob.glob(os.path.join(archive, "*.md")))
    elif os.path.isfile(archive):
        files = [archive]
    else:
        files = sorted(path for path in glob.glob(archive) if os.path.isfile(path))
    if not files:
        raise ArgumentError(f"archive={archive}: no feedx item files there")
    return [os.path.abspath(path) for path in files]


def _warc_files(warc):
    """A .warc, .warc.gz or .wacz file, a folder of them (sorted, not recursive) or a glob pattern."""
    if os.path.isdir(warc):
        candidates = sorted(os.path.join(warc, name) for name in os.listdir(warc))
    elif os.path.isfile(warc):
        if not warc.endswith(WARC_SUFFIXES):
            raise ArgumentError(f"warc={warc}: not a .warc, .warc.gz or .wacz file")
        candidates = [warc]
    else:
        candidates = sorted(glob.glob(warc))
    files = [path for path in candidates if os.path.isfile(path) and path.endswith(WARC_SUFFIXES)]
    if not files:
        raise ArgumentError(f"warc={warc}: no .warc, .warc.gz or .wacz file there")
    return [os.path.abspath(path) for path in files]


# Exactly what the error message asks for: date.fromisoformat() also takes 2023-W39-1 and 20230930.
_YYYY_MM_DD = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(name, value):
    return None if value is None else iso_date(value, written_as=f"{name}={value}")


def iso_date(value, written_as):
    """The YYYY-MM-DD date `value`, or ArgumentError saying "<written_as> is not a date"."""
    try:
        if not _YYYY_MM_DD.fullmatch(value.strip()):
            raise ValueError
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ArgumentError(f"{written_as} is not a date; use YYYY-MM-DD") from None


def _yyyymmdd(text):
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, TypeError):
        return None


def _flag(name, value):
    if value is None or value.lower() in ("", "0", "false", "no"):
        return False
    if value.lower() in ("1", "true", "yes"):
        return True
    raise ArgumentError(f"{name}={value}: use {name}=1 or {name}=0")


def _split(value):
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]
