"""Printed documents (PDF through WeasyPrint): the cost proposal, with a static map of the site."""
