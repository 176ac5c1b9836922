"""JSON lines written one whole line at a time.

Scrapy's exporter leaves lines in a write buffer, which a killed process can
cut in the middle. Flushing after each item makes every line a single write
to the file, so an output file never holds a partial line, and a line is on
disk before the run records its article as seen (crawler.incremental).
"""

from scrapy.exporters import JsonLinesItemExporter


class LineAtATimeJsonLinesExporter(JsonLinesItemExporter):
    def __init__(self, file, **kwargs):
        super().__init__(file, **kwargs)
        self.written = None  # (id, version) of the last line written whole

    def export_item(self, item):
        super().export_item(item)
        self.file.flush()
        self.written = (item.get("id"), item.get("version"))
