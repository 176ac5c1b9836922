"""One WARC record on its own: what a byte range of a Common Crawl file holds (one gzip member)."""

import io
import zlib

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.archives.capture import Capture, timestamp_to_utc



class UnreadableRecord(Exception):
    def __init__(self, reason, detail):
        super().__init__(detail)
        self.reason = reason


def capture_from_record(data, source, via):
    """The Capture in data, a single (gzipped) WARC response record of a 200 page; UnreadableRecord
    (with a stats-friendly reason) when it is not one."""
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data))), None)
        if record is None or record.rec_type != "response" or record.http_headers is None:
            raise UnreadableRecord("not_a_response_record",
                                   f"not a WARC response record ({getattr(record, 'rec_type', 'nothing')})")
        status = record.http_headers.get_statuscode()
        if status != "200":
            raise UnreadableRecord("not_200", f"a capture of status {status}")
        body = record.content_stream().read()  # decoded
    except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError) as error:
        raise UnreadableRecord("unreadable_record", f"{type(error).__name__}: {error}") from None
    date = record.rec_headers.get_header("WARC-Date") or ""  # 2024-03-01T12:00:00Z
    return Capture(url=record.rec_headers.get_header("WARC-Target-URI"), body=body,
                   headers=record.http_headers.headers,
                   captured_at=timestamp_to_utc("".join(filter(str.isdigit, date))[:14]),
                   source=source, via=via)
