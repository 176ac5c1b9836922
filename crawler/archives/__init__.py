"""Web archives as sources of rfi.fr pages, and the archive a live crawl keeps.

capture.py     one archived copy of a page, read as rfi.fr would have sent it
cdx.py         CDX index answers (the Internet Archive's and pywb's) and the newest capture per article
warc_files.py  WARC/WACZ files read locally (-a warc=PATH) and single records (Common Crawl ranges)
pages_archive.py   PAGES_ARCHIVE: every page a live crawl read, written to WARC files
"""
