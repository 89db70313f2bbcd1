"""The Litestar application: middleware, templating, error pages, and the routes of every context."""


class DropQueryStrings:
    """A logging filter for uvicorn's access log: paths only, never query strings.

    A search for a member by name (`?q=Siti`) must not end up in a log file (UU PDP 27/2022);
    member pages are addressed by member number, which is not personal on its own.
    """

    def filter(self, record) -> bool:  # noqa: A003 (logging's own name)
        args = getattr(record, "args", None)
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True
