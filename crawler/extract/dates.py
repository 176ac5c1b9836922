"""Publication times: every value leaves here in UTC, to the minute or finer, or not at all."""

import re
from datetime import datetime, timezone

from dateutil import parser as dateutil_parser
from dateutil import tz

PARIS = tz.gettz("Europe/Paris")

# feedx shows RFI's display time, Paris local: "15/08/2023 - 23:21".
FEEDX_DISPLAY_TIME = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# An ISO value that carries a time of day, not a bare date.
HAS_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")


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
    """The datetime a text gives, or None: dateutil's ISO parser, then its general one (RSS's RFC 2822)."""
    for parse in (dateutil_parser.isoparse, dateutil_parser.parse):
        try:
            return parse(text)
        except (ValueError, OverflowError):
            continue
    return None


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
