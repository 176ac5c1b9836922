"""How the spider reads each web archive: one mixin per source, its requests and callbacks.

The spider (crawler/spiders/rfi_cn.py) chooses the source from its arguments and turns every
capture into an Article through parse_capture(), the path every source shares.
"""
