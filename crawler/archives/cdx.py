"""CDX indexes: the queries a Wayback-compatible CDX API takes, and its answers read as one shape.

Two shapes answer `output=json` (cdx_toolkit documents the differences):
  the Internet Archive   one JSON array of arrays, a header row first (`[]` when nothing matched);
  pywb (Common Crawl)    JSON lines, one object per capture (nothing at all when nothing matched).
Their field names differ too (original/url, mimetype/mime, statuscode/status): records come out
with pywb's names.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

# The Internet Archive's field names, as pywb spells them.
FIELD_NAMES = {"original": "url", "mimetype": "mime", "statuscode": "status"}


class NotACDXAnswer(ValueError):
    """An answer that is not a CDX index answer (an error page, a truncated body, another format)."""


@dataclass(frozen=True)
class CDXRecord:
    url: str  # the captured URL, as the archive holds it
    timestamp: str  # YYYYMMDDhhmmss, UTC
    status: str
    mime: str
    filename: str | None = None  # where the record is (pywb and Common Crawl only)
    offset: int | None = None
    length: int | None = None

    def is_html_200(self):
        return self.status == "200" and self.mime.split(";")[0].strip().lower() == "text/html"


def query_url(endpoint, url, run, *, filters, match_type=None, page=None, show_num_pages=False):
    """The CDX API query for the captures of url (a prefix or `host/path/*`) inside the run's window."""
    params = [("url", url)]
    if match_type:
        params.append(("matchType", match_type))
    params.append(("output", "json"))
    params += [("filter", value) for value in filters]
    if run.since:
        params.append(("from", run.since.strftime("%Y%m%d")))
    if run.until:
        params.append(("to", run.until.strftime("%Y%m%d")))
    if show_num_pages:
        params.append(("showNumPages", "true"))
    if page is not None:
        params.append(("page", str(page)))
    return f"{endpoint}?{urlencode(params, safe='/:*')}"


def read_records(body):
    """The records of a CDX answer in either shape; NotACDXAnswer when it is neither."""
    text = decoded(body).strip()
    if not text:
        return []
    if text.startswith("["):
        return internet_archive_records(parse_json(text))
    return [record_from_fields(parse_json(line)) for line in text.splitlines() if line.strip()]


def read_num_pages(body):
    """The answer to `showNumPages=true`: a page count (the Internet Archive answers `42`, Common Crawl
    `{"pages": 42, …}`), or the records themselves from a server without paging (pywb without a ZipNum
    index ignores showNumPages), which are then the one page."""
    text = decoded(body).strip()
    if text.isdigit():
        return int(text)
    if text.startswith("{") and "\n" not in text:
        answer = parse_json(text)
        if isinstance(answer, dict) and "pages" in answer:
            if not isinstance(answer["pages"], int):
                raise NotACDXAnswer(f"a page count that is not a number: {text[:100]}")
            return answer["pages"]
    return read_records(body)


def internet_archive_records(rows):
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise NotACDXAnswer("a JSON answer that is not an array of arrays")
    if not rows:
        return []
    header = [FIELD_NAMES.get(name, name) for name in rows[0]]
    records = []
    for row in rows[1:]:
        if len(row) != len(header):
            raise NotACDXAnswer(f"a row of {len(row)} fields under a header of {len(header)}")
        records.append(record_from_fields(dict(zip(header, row))))
    return records


def record_from_fields(fields):
    if not isinstance(fields, dict):
        raise NotACDXAnswer(f"a line that is not a JSON object: {str(fields)[:100]}")
    fields = {FIELD_NAMES.get(name, name): value for name, value in fields.items()}
    missing = [name for name in ("url", "timestamp") if not fields.get(name)]
    if missing:
        raise NotACDXAnswer(f"a record without {' or '.join(missing)}: {json.dumps(fields)[:100]}")
    try:
        return CDXRecord(url=str(fields["url"]), timestamp=str(fields["timestamp"]),
                         status=str(fields.get("status", "")), mime=str(fields.get("mime", "")),
                         filename=fields.get("filename"), offset=optional_int(fields.get("offset")),
                         length=optional_int(fields.get("length")))
    except ValueError:
        raise NotACDXAnswer(f"a record whose offset or length is not a number: {json.dumps(fields)[:100]}") from None


def optional_int(value):
    return None if value in (None, "", "-") else int(value)


def parse_json(text):
    try:
        return json.loads(text)
    except ValueError:
        raise NotACDXAnswer(f"not JSON: {' '.join(text.split())[:100]}") from None


def decoded(body):
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise NotACDXAnswer("not UTF-8 text") from None
