"""JSON lines written one whole line at a time.

Scrapy's exporter leaves lines in a write buffer, which a killed process can
cut in the middle. Here every line is written straight to the file's
descriptor, so a line is on disk before the run records its article as seen
(crawler.incremental), and a write that fails part-way (disk full, file too
large) is undone: the file is left as it was before that line, and the line
counts as not written. A stream without a file of its own (a compressing
wrapper, a pipe) gets each line in one write and a flush.

A file appended to may end in a line cut short by a power loss. Read by
crawler.jsonl's rule, that fragment is no record; it is dropped before the
first new line, so the two are not glued into one malformed line. (A last
record that lacks only its newline is one, and gets its newline.)
"""

import logging
import os
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exporters import JsonLinesItemExporter
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.python import to_bytes

from crawler.jsonl import is_record

logger = logging.getLogger(__name__)

# How much of the file's end is read at a time, looking for its last newline.
_TAIL_CHUNK = 1 << 16


class LineAtATimeJsonLinesExporter(JsonLinesItemExporter):
    def __init__(self, file, **kwargs):
        super().__init__(file, **kwargs)
        self.written = None  # (id, version) of the last line written whole
        self._descriptor = _regular_file_descriptor(file)

    def start_exporting(self):
        super().start_exporting()
        if self._descriptor is not None:
            _end_with_whole_line(self._descriptor, getattr(self.file, "name", None))

    def export_item(self, item):
        fields = dict(self.get_serialized_fields(item))
        try:
            self._write_line(to_bytes(self.encoder.encode(fields) + "\n", self.encoding))
        except OSError as error:
            # One line, not a traceback: the article counts as not written (line_written()), and
            # the run fails with the number of such articles.
            logger.error("Cannot write to %s (%s): %s is not in it", getattr(self.file, "name", "the output"),
                         error.strerror or error, item.get("url"))
            return
        self.written = (item.get("id"), item.get("version"))

    def _write_line(self, line):
        if self._descriptor is None:  # no file of our own to undo a write in: a BytesIO, a gzip stream, a pipe
            self.file.write(line)
            self.file.flush()
            return
        size = os.lseek(self._descriptor, 0, os.SEEK_END)
        try:
            remaining = memoryview(line)
            while remaining:  # a write may take only part of the line, then fail on the next
                remaining = remaining[os.write(self._descriptor, remaining):]
        except BaseException:  # ENOSPC, EFBIG, or anything else mid-line: undo the part written
            os.ftruncate(self._descriptor, size)
            raise


def _regular_file_descriptor(file):
    """The descriptor of the regular file `file` writes to, or None."""
    try:
        descriptor = file.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return descriptor if stat.S_ISREG(os.fstat(descriptor).st_mode) else None


def _end_with_whole_line(descriptor, name):
    """Make the file end with a newline (or be empty): a last line without one is completed
    when it is a record and dropped when it is a cut line (crawler.jsonl's rule)."""
    size = os.fstat(descriptor).st_size
    if size == 0 or not isinstance(name, (str, bytes, os.PathLike)):  # an int name is a descriptor, not a path
        return
    # The feed's file is open for writing only: its end is read through a file of our own,
    # when its name leads to it (not so for "<stdout>").
    try:
        reader = open(name, "rb")
    except OSError:
        return
    with reader:
        if not os.path.samestat(os.fstat(reader.fileno()), os.fstat(descriptor)):
            return
        start = _last_line_start(reader, size)
        reader.seek(start)
        last_line = reader.read(size - start)
    if not last_line:
        return
    if is_record(last_line, first_line=start == 0):
        logger.warning("%s ended without a newline after its last record; the newline is added", name)
        os.lseek(descriptor, 0, os.SEEK_END)
        os.write(descriptor, b"\n")
    else:
        logger.warning("%s ended in a line cut short (%d bytes without a newline); dropped, as a line "
                       "never written whole", name, len(last_line))
        os.ftruncate(descriptor, start)


def _last_line_start(reader, size):
    """Where the bytes after the file's last newline start (0 when it has no newline)."""
    end = size
    while end > 0:
        start = max(0, end - _TAIL_CHUNK)
        reader.seek(start)
        newline = reader.read(end - start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        end = start
    return 0


def line_written(crawler, item):
    """Whether a feed of this run wrote the item's line whole. Feeds of other formats, whose exporters
    do not say, are taken at Scrapy's word."""
    feeds = crawler.get_extension(FeedExporter)
    exporters = [slot.exporter for slot in feeds.slots] if feeds else []
    telling = [exporter for exporter in exporters if hasattr(exporter, "written")]
    if not telling:
        return bool(exporters)
    return any(exporter.written == (item.get("id"), item.get("version")) for exporter in telling)


def output_files(crawler):
    """The local files this run's feeds write to (a remote feed's URI as it is)."""
    feeds = crawler.get_extension(FeedExporter)
    return [str(local_path(slot.uri) or slot.uri) for slot in (feeds.slots if feeds else [])]


def local_path(feed_uri):
    """The file a feed URI writes to (file:// or a plain path), or None for a remote feed."""
    if feed_uri.startswith("file:"):
        return Path(unquote(urlsplit(feed_uri).path))
    return None if "://" in feed_uri else Path(feed_uri)
