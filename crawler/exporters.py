"""JSON lines written one whole line at a time.

Scrapy's exporter leaves lines in a write buffer, which a killed process can
cut in the middle. Flushing after each item makes every line a single write
to the file, so an output file never holds a partial line, and a line is on
disk before the run records its article as seen (crawler.incremental).
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exporters import JsonLinesItemExporter
from scrapy.utils.python import to_bytes

from crawler.items import Article

# No Article field has a serializer of its own: exported as it is, unless FEED_EXPORT_FIELDS picks fields.
_ARTICLE_AS_IS = not any("serializer" in field for field in Article.fields.values())


class LineAtATimeJsonLinesExporter(JsonLinesItemExporter):
    def __init__(self, file, **kwargs):
        super().__init__(file, **kwargs)
        self.written = None  # (id, version) of the last line written whole
        self._as_is = _ARTICLE_AS_IS and self.fields_to_export is None

    def export_item(self, item):
        if self._as_is and isinstance(item, Article):
            # What get_serialized_fields() gives for such an item, without its per-field look-ups.
            self.file.write(to_bytes(self.encoder.encode(dict(item)) + "\n", self.encoding))
        else:
            super().export_item(item)
        self.file.flush()
        self.written = (item.get("id"), item.get("version"))


def local_path(feed_uri):
    """The file a feed URI writes to (file:// or a plain path), or None for a remote feed."""
    if feed_uri.startswith("file:"):
        return Path(unquote(urlsplit(feed_uri).path))
    return None if "://" in feed_uri else Path(feed_uri)
