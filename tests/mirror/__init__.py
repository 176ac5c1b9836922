"""A local stand-in for www.rfi.fr/cn/ and feedx.net, for tests that must not touch the network.

render: markup like RFI's (pages, RSS, sitemaps, robots.txt) and feedx items, from plain specs.
server: an in-memory HTTP site on 127.0.0.1 with fault injection.
site: everything rfi.fr serves for a set of specs, registered on a server.
corpus: the real feedx items under $RFI_CORPUS, read independently of the crawler.
"""
