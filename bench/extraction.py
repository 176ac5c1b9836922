"""Extraction alone: the project's extractor vs trafilatura's bare_extraction on the same pages.

Each page is timed on its own, from the response body (bytes) to the finished record, parse
included, for both: the project's RfiArticlePage + load_article on a Scrapy HtmlResponse (with the
selector the spider builds: `rfi_page.page_selector(response)` where the crawler has it, else
`response.selector`), and trafilatura.bare_extraction on the same HTML. The two are timed
alternately, page after page (the best of three calls each), so that a change in the machine's speed during
the run (a VM's neighbours) cannot favour either. Reported: median ms per page of each and the ratio.
"""

from __future__ import annotations

import gc
import statistics
import time


def sample_pages(n_pages: int, base_url: str = "http://127.0.0.1:8000") -> list:
    """(url, body bytes) of the first n_pages article pages of the mirror (all ten variants, all lengths)."""
    from bench.mirror import article_specs
    from tests.mirror.render import absolute, render_article_page

    specs = article_specs(n_pages)
    pages = []
    for i, spec in enumerate(specs):
        neighbours = [(s.path, s.title) for s in specs[max(i - 1, 0):i] + specs[i + 1:i + 2]]
        pages.append((absolute(base_url, spec.path), render_article_page(spec, base_url=base_url,
                                                                         others=neighbours).encode("utf-8")))
    return pages


def project_extract(url: str, body: bytes):
    from scrapy.http import HtmlResponse

    from crawler.extract import rfi_page
    from crawler.loaders import load_article

    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    selector = rfi_page.page_selector(response) if hasattr(rfi_page, "page_selector") else response.selector
    return load_article(rfi_page.RfiArticlePage(selector, response.url), "cn", "zh-Hans")


def trafilatura_extract(url: str, body: bytes):
    from trafilatura import bare_extraction

    return bare_extraction(body.decode("utf-8"), url=url, with_metadata=True)


def time_per_page(functions, pages, rounds: int = 3) -> list:
    """For each function(url, body), the seconds of each page (the best of `rounds` calls), the
    functions taking turns on each page."""
    for function in functions:
        for page in pages[:10]:  # imports, compiled selectors and caches outside the timing
            function(*page)
    times = [[] for _ in functions]
    gc.collect()
    for url, body in pages:
        for function, timing in zip(functions, times):
            best = None
            for _ in range(rounds):
                start = time.perf_counter()
                function(url, body)
                elapsed = time.perf_counter() - start
                best = elapsed if best is None else min(best, elapsed)
            timing.append(best)
    return times


def trafilatura_available() -> bool:
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        return False
    return True


def run(n_pages: int = 300) -> dict:
    pages = sample_pages(n_pages)
    functions = [project_extract] + ([trafilatura_extract] if trafilatura_available() else [])
    times = time_per_page(functions, pages)
    result = {"pages": len(pages), "project_ms": statistics.median(times[0]) * 1000,
              "project_mean_ms": statistics.fmean(times[0]) * 1000}
    if len(times) > 1:
        import trafilatura

        result.update(trafilatura_ms=statistics.median(times[1]) * 1000,
                      trafilatura_mean_ms=statistics.fmean(times[1]) * 1000, trafilatura_version=trafilatura.__version__)
        result["ratio"] = result["trafilatura_ms"] / result["project_ms"]
    return result


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300), indent=1))
