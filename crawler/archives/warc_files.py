"""WARC and WACZ files, read with FastWARC: what each capture record says of itself, then one record by offset.

A scan notes the head of every response and revisit record (target URI, date, status, content type, where
it lies) without reading its body, so memory stays flat whatever the file's size; read_capture() then seeks
to one record and reads it whole. Records are found again by offset: a .warc.gz must be gzipped record by
record (as every crawler writes it), and a WACZ is a zip of such files under archive/.
"""

import struct
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

from fastwarc.warc import ArchiveIterator, WarcRecordType

from crawler.archives.capture import Capture

CAPTURE_RECORDS = WarcRecordType.response | WarcRecordType.revisit
HTML_TYPES = ("text/html", "application/xhtml+xml")


class BadWarcFile(Exception):
    """A file that cannot be read as WARC records; the message names it and says why, in one line."""


@dataclass(frozen=True)
class RecordAt:
    path: str
    member: str | None  # the WARC inside a WACZ, or None
    offset: int  # of the record in the (member's) WARC

    def __str__(self):
        return f"{self.path}{f'/{self.member}' if self.member else ''}#{self.offset}"


@dataclass(frozen=True)
class RecordHead:
    """A capture record as its headers describe it, or `cut`: the file ends inside it."""

    where: RecordAt
    revisit: bool = False
    target_url: str = ""
    timestamp: str = ""  # YYYYMMDDhhmmss, UTC
    status: int | None = None
    content_type: str | None = None
    truncated: bool = False  # WARC-Truncated: the crawler kept only part of the body
    cut: bool = False
    examined: bool = False  # its HTTP headers were read (its URI was wanted)

    @property
    def is_html(self):
        # A capture without a Content-Type is left to the page reader, which tells HTML from the body.
        return self.content_type is None or self.content_type.lower() in HTML_TYPES


def record_heads(path, wanted):
    """The head of every response and revisit record of a .warc, .warc.gz or .wacz file, in file order; only
    the target URI of those whose URI is not `wanted(uri)` (most of a crawl's records: the others' HTTP
    headers are not parsed).

    BadWarcFile when the file cannot be read, is not a WARC, or is damaged before its last record; a file
    cut inside its last record gives that record as `cut` (FastWARC does not see a record cut within its
    first few dozen bytes, which then counts as no record at all).
    """
    for member, open_member in warcs_in(path):
        yield from member_heads(path, member, open_member, wanted)


def read_capture(where, url, source="warc"):
    """The capture record at `where` as a Capture of `url`, its body decoded; BadWarcFile if it is not there."""
    with opened(where.path, where.member, where.offset) as stream:
        start = stream.tell()
        try:
            record = next(iter(ArchiveIterator(stream, record_types=WarcRecordType.response, auto_decode="all")),
                          None)
            body = record.reader.read() if record is not None and record.stream_pos == start else None
        except OSError:
            body = None
        if body is None:
            raise BadWarcFile(f"{where}: no response record at this offset (the file changed since it was read?)")
        # The body is handed over decoded (FastWARC's auto_decode).
        return Capture(url=url, body=body, headers=list(record.http_headers.items()), captured_at=iso_utc(record.record_date),
                       source=source, via=str(where))


def member_heads(path, member, open_member, wanted):
    name = f"{path}/{member}" if member else path
    # Each head is given once the next record is read: the last one may be cut, which only the end tells.
    last = None
    previous_offset = None
    with open_member() as stream:
        records = ArchiveIterator(stream, record_types=CAPTURE_RECORDS, parse_http=False)
        while True:
            try:
                record = next(records, None)
            except OSError as error:
                yield from after_a_bad_record(name, last, error)
                return
            if record is None:
                break
            if record.stream_pos == previous_offset:
                raise BadWarcFile(f"{name} is gzipped as a whole, not record by record: records cannot be found "
                                  "by offset (recompress it with `warcio recompress`)")
            previous_offset = record.stream_pos
            if last is not None:
                yield last
            last = head_of(record, RecordAt(path, member, record.stream_pos), wanted)
    if last is not None:
        yield last if is_whole(last.where) else RecordHead(last.where, cut=True)


def after_a_bad_record(name, last, error):
    """FastWARC stops on a record it cannot read: damaged gzip data is fatal anywhere, as is a file whose first
    record is not WARC; a record whose first header bytes are cut off ends the file."""
    if last is None or "gzip" in str(error).lower():
        what = "is not a WARC file" if last is None else "is damaged (a gzip member is cut or corrupt)"
        raise BadWarcFile(f"{name} {what}: {error}")
    yield last
    yield RecordHead(last.where, cut=True)  # where the last readable record is: the cut one follows it


def head_of(record, where, wanted):
    headers = record.headers
    target_url = (headers.get("WARC-Target-URI") or "").strip("<> ")
    if not wanted(target_url):
        return RecordHead(where, target_url=target_url)
    revisit = record.record_type == WarcRecordType.revisit
    record.parse_http()
    http = record.http_headers  # None when the record holds no readable HTTP response
    content_type = ((http.get("Content-Type") if http else None) or "").split(";")[0].strip() or None
    return RecordHead(
        where=where, revisit=revisit, target_url=target_url,
        timestamp=record.record_date.strftime("%Y%m%d%H%M%S") if headers.get("WARC-Date") else "",
        status=http.status_code if http else None, content_type=content_type,
        truncated=bool(headers.get("WARC-Truncated")), examined=True)


def is_whole(where):
    """Whether the record at `where` holds all the bytes its Content-Length announces (a cut file's last may not)."""
    with opened(where.path, where.member, where.offset) as stream:
        try:
            record = next(iter(ArchiveIterator(stream, parse_http=False)), None)
            announced = record.headers.get("Content-Length") if record is not None else None
            return announced is not None and record.consume() == int(announced)
        except (OSError, ValueError):
            return False


def iso_utc(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


# -- files and the WARCs of a WACZ --------------------------------------------------------


def warcs_in(path):
    """(member, open) for each WARC of the file: the file itself, or the archive/*.warc(.gz) of a WACZ."""
    if not path.endswith(".wacz"):
        return [(None, lambda: open_file(path))]
    try:
        with zipfile.ZipFile(path) as wacz:
            members = sorted(name for name in wacz.namelist()
                             if name.startswith("archive/") and name.endswith((".warc", ".warc.gz")))
    except zipfile.BadZipFile as error:
        raise BadWarcFile(f"{path} is not a WACZ file: {error}") from None
    except OSError as error:
        raise BadWarcFile(f"{path} cannot be read: {error.strerror or error}") from None
    if not members:
        raise BadWarcFile(f"{path} is not a WACZ file: no archive/*.warc.gz inside")
    return [(member, lambda member=member: open_member(path, member)) for member in members]


def open_file(path):
    try:
        return open(path, "rb")
    except OSError as error:
        raise BadWarcFile(f"{path} cannot be read: {error.strerror or error}") from None


@contextmanager
def open_member(path, member):
    with zipfile.ZipFile(path) as wacz, wacz.open(member) as stream:
        yield stream


@contextmanager
def opened(path, member, offset):
    """A stream positioned at `offset` of the file, or of a WACZ member: a stored member (WACZ stores its WARCs
    uncompressed, being gzipped already) is read from the zip file directly, so that seeking costs nothing."""
    if member is None:
        with open_file(path) as stream:
            stream.seek(offset)
            yield stream
        return
    with zipfile.ZipFile(path) as wacz:
        info = wacz.getinfo(member)
        if info.compress_type == zipfile.ZIP_STORED:
            with open_file(path) as stream:
                stream.seek(stored_data_offset(stream, info) + offset)
                yield stream
            return
        with wacz.open(info) as stream:
            stream.seek(offset)
            yield stream


def stored_data_offset(stream, info):
    """Where a stored member's bytes begin: after its local header, whose name and extra field lengths
    may differ from the central directory's."""
    stream.seek(info.header_offset)
    *_, name_length, extra_length = struct.unpack(zipfile.structFileHeader, stream.read(zipfile.sizeFileHeader))
    return info.header_offset + zipfile.sizeFileHeader + name_length + extra_length
