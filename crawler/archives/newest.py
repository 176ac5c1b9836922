"""Which capture of each article a web-archive run reads: the newest inside the window.

Every capture offered is either kept (for now: a newer one of the same article replaces it) or passed
over with a reason, counted as `archive/passed_over/<reason>`.
"""

from urllib.parse import urlsplit

from crawler.urls import article_date, article_id, decoded_path

# Where RFI's Chinese service lived before www.rfi.fr/cn/: an older template, out of scope.
OLD_SITE_HOSTS = frozenset({"cn.rfi.fr", "trad.cn.rfi.fr"})


class NewestCaptures:
    def __init__(self, article_urls, run, stats, window_bounds_captures, held=None):
        """window_bounds_captures: a capture taken outside since..until is passed over too (the CDX
        sources, whose query asks for that window); a local WARC is bounded by the article's date only.
        held: the dict the choices are kept in (a paused run's, to go on with), else a new one."""
        self.article_urls = article_urls
        self.run = run
        self.stats = stats
        self.window_bounds_captures = window_bounds_captures
        self._newest = {} if held is None else held  # article id -> (timestamp, url, capture reference)

    def offer(self, target_url, timestamp, reference):
        """Consider a 200 HTML capture of target_url taken at timestamp (YYYYMMDDhhmmss); reference is
        whatever the source needs to read it later. Returns the reason it was passed over, or None."""
        url = self.article_urls.article_or_none(target_url)
        if url is None:
            return self.pass_over(self.why_not_an_article(target_url))
        return self.offer_article(url, timestamp, reference)

    def offer_article(self, url, timestamp, reference):
        """offer() of a URL that is an article's already, as ArticleURLs.article_or_none gave it."""
        if not self.run.in_window(article_date(url)) or (
                self.window_bounds_captures and not self.run.in_window(str(timestamp)[:8])):
            return self.pass_over("outside_window")
        key = article_id(url)
        known = self._newest.get(key)
        if known is not None:
            self.pass_over("older_capture")
            if known[0] >= str(timestamp):
                return "older_capture"
        self._newest[key] = (str(timestamp), url, reference)
        return None

    def pass_over(self, reason):
        self.stats.inc_value(f"archive/passed_over/{reason}")
        return reason

    def why_not_an_article(self, target_url):
        try:
            host = urlsplit(target_url).hostname or ""
        except ValueError:
            return "not_a_url"
        if host in OLD_SITE_HOSTS:
            return "old_site"
        if not self.article_urls.is_site_host(target_url):
            return "other_host"
        if decoded_path(target_url).startswith(f"/{self.article_urls.edition}/"):
            return "not_an_article_url"
        return "other_edition"

    def chosen(self):
        """(article id, url, timestamp, reference) of each article, oldest article first."""
        return [(key, url, timestamp, reference)
                for key, (timestamp, url, reference) in sorted(self._newest.items(), key=lambda entry: entry[1][1])]

    def __len__(self):
        return len(self._newest)
