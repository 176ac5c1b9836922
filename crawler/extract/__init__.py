"""Extraction shared by every source: rfi.fr pages, feedx RSS items and saved feedx items."""
