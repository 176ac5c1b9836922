"""Publication times: every value leaves here in UTC, to the minute or finer, or not at all."""

import email.utils
import re
from datetime import datetime, timezone

from dateutil import parser as dateutil_parser
from dateutil import tz

PARIS = tz.gettz("Europe/Paris")

# feedx shows RFI's display time, Paris local: "15/08/2023 - 23:21".
FEEDX_DISPLAY_TIME = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# An ISO value that carries a time of day, not a bare date.
HAS_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")
# RSS's pubDate (RFC 2822) with a numeric offset or GMT; dateutil reads it too, at ten times the cost.
USUAL_FEED_TIME = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT)"
)
# Day, time to the minute or finer, and an offset or Z: what both parsers read alike.
USUAL_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?")


def to_utc_iso(value, naive_as_utc=False, day_only=False):
    """An aware ISO 8601 string in UTC, or None for unreadable values, for day-only ones unless
    day_only (midnight UTC), and for naive ones unless naive_as_utc."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if not HAS_TIME.search(text):
            if not day_only:
                return None
            naive_as_utc = True
        moment = _parse_time(text)
        if moment is None:
            return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        if not naive_as_utc:
            return None
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _parse_time(text):
    """The datetime a text gives, or None: dateutil's ISO parser, then its general one. The usual
    forms (2024-03-13T10:00:00+00:00, and RSS's Wed, 13 Mar 2024 10:00:00 +0000) go to the standard
    library's parsers first, at a tenth of the cost."""
    parsers = (dateutil_parser.isoparse, dateutil_parser.parse)
    if USUAL_ISO_TIME.fullmatch(text):
        parsers = (datetime.fromisoformat, *parsers)
    elif USUAL_FEED_TIME.fullmatch(text):
        parsers = (_feed_time, *parsers)
    for parse in parsers:
        try:
            return parse(text)
        except (ValueError, OverflowError):
            continue
    return None


def _feed_time(text):
    """An RSS date by the standard library's RFC 2822 parser; "-0000" (no zone said) is left to dateutil."""
    moment = email.utils.parsedate_to_datetime(text)
    if moment.tzinfo is None:
        raise ValueError(f"no time zone: {text}")
    return moment


def listing_date(value):
    """A feed's or sitemap's date as UTC ISO: W3C dates may be day-only or lack an offset (read as UTC)."""
    return to_utc_iso(value, naive_as_utc=True, day_only=True) if value else None


def paris_display_time_to_utc(text):
    """feedx's "DD/MM/YYYY - HH:MM", Paris local time, as a UTC ISO string (summer and winter time)."""
    match = FEEDX_DISPLAY_TIME.match(text or "")
    if not match:
        return None
    day, month, year, hour, minute = map(int, match.groups())
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=PARIS)
    except ValueError:
        return None
    return to_utc_iso(local)


def epoch_ms_to_utc(epoch_ms):
    return datetime.fromtimestamp(int(epoch_ms) / 1000, tz=timezone.utc).isoformat()


def utc_now_iso():
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
