"""The dataset's Arrow schema, and a run file's record as a row of it.

Fields keep the JSON Schema's names and order (crawler/schemas/article.json). Dates are
`timestamp[us, tz=UTC]`, lists of text `list<string>`, `image` a struct. `alternates` is
a struct with one field per language, `zh-Hans` and `zh-Hant`, rather than a map: the
JSON Schema allows only those two keys, a struct gives each a typed column that DuckDB
and pandas name (alternates."zh-Hant"), and Hugging Face `datasets` has no feature type
for an Arrow map. `version` is an int64, as pandas and `datasets` read integers.

A value the schema cannot hold raises RowError, which the caller reports with the
record's file and line; nothing is coerced or dropped silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from crawler.compaction import record_moment

TIMESTAMP = pa.timestamp("us", tz="UTC")
TEXTS = pa.list_(pa.field("element", pa.string()))  # named as Parquet names it, so the schema reads back equal
IMAGE = pa.struct([("url", pa.string()), ("caption", pa.string()), ("credit", pa.string())])
ALTERNATES = pa.struct([("zh-Hans", pa.string()), ("zh-Hant", pa.string())])

SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    ("url", pa.string()),
    pa.field("edition", pa.string(), nullable=False),
    ("language", pa.string()),
    ("section", pa.string()),
    ("title", pa.string()),
    ("lede", pa.string()),
    ("paragraphs", TEXTS),
    ("published", TIMESTAMP),
    ("modified", TIMESTAMP),
    ("authors", TEXTS),
    ("tags", TEXTS),
    ("image", IMAGE),
    ("alternates", ALTERNATES),
    pa.field("version", pa.int64(), nullable=False),
    ("source", pa.string()),
    ("fetched_at", TIMESTAMP),
    ("crawled_at", TIMESTAMP),
    ("via", pa.string()),
])

_TIMESTAMPS = tuple(field.name for field in SCHEMA if field.type == TIMESTAMP)
_LISTS = tuple(field.name for field in SCHEMA if pa.types.is_list(field.type))
_STRUCTS = {field.name: set(field.type.names) for field in SCHEMA if pa.types.is_struct(field.type)}


class RowError(ValueError):
    """A record's value does not fit the schema; str() says which field and why, `index` which
    of the rows given to to_table."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


def to_row(record: dict[str, Any]) -> dict[str, Any]:
    """The row for one record: every schema field, absent ones (from older run files) as null,
    `version` 1 when absent (as compaction counts it), dates as aware datetimes."""
    row = {name: record.get(name) for name in SCHEMA.names}
    row["version"] = record.get("version", 1)
    for name in _TIMESTAMPS:
        row[name] = _moment(name, row[name])
    # pyarrow would take a text for a list of its characters, and drop a struct's unknown keys.
    for name in _LISTS:
        if row[name] is not None and not isinstance(row[name], list):
            raise RowError(f'"{name}" is not a list (got {type(row[name]).__name__})')
    for name, keys in _STRUCTS.items():
        value = row[name]
        if value is not None and not isinstance(value, dict):
            raise RowError(f'"{name}" is not an object (got {type(value).__name__})')
        if value is not None and not value.keys() <= keys:
            raise RowError(f'"{name}" has keys the schema does not know: {", ".join(sorted(value.keys() - keys))}')
    return row


def to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as a table of SCHEMA; RowError(index, …) names the first row that does not fit."""
    try:
        return pa.Table.from_pylist(rows, schema=SCHEMA)
    except (pa.ArrowException, TypeError, ValueError):
        for index, row in enumerate(rows):
            for field in SCHEMA:
                try:
                    pa.array([row[field.name]], type=field.type)
                except (pa.ArrowException, TypeError, ValueError) as error:
                    raise RowError(f'"{field.name}" does not fit {field.type} ({error})', index) from None
        raise


def _moment(name: str, value: Any) -> datetime | None:
    if value is None:
        return None
    moment = record_moment(value)
    if moment is None:
        raise RowError(f'"{name}" is not an ISO 8601 date-time (got {value!r})')
    return moment
