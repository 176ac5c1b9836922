"""-a source=wayback: the newest capture of each article in a Wayback-compatible archive."""


class WaybackSource:
    def wayback_start(self):
        raise NotImplementedError("source=wayback")
