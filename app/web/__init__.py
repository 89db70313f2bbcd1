"""The Litestar application: middleware, templating, error pages, and the routes of every context."""
