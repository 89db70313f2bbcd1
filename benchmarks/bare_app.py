"""The baseline: a Litestar app with one fixed page and nothing else.

Served by the same uvicorn with the same options as japra, it shows what the server and framework
cost on this machine before japra does any work; japra's throughput is read relative to it.
"""

from litestar import Litestar, MediaType, get

PAGE = "<!doctype html><html><head><title>bare</title></head><body><p>ok</p></body></html>"


@get("/", media_type=MediaType.HTML)
async def index() -> str:
    return PAGE


app = Litestar(route_handlers=[index])
