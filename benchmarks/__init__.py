"""Load benchmark: japra's pages and API next to a bare Litestar handler. Run `python -m benchmarks`."""
