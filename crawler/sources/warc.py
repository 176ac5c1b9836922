"""-a warc=PATH: the newest capture of each article in local WARC/WACZ files."""


class WarcSource:
    async def warc_start(self):
        raise NotImplementedError("warc=")
        yield
