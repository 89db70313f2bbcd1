"""Public pages of projects: what the city, funders and the press may see, and nothing about any member.

Pure code: nothing from `app/`. Money is whole rupiah as `int`, ratios and percentages `Decimal`s;
texts for users are `kernel.messages.Message`s; bad input raises `PublicationError` (a ValueError)
naming the field. See publication/README.md for the rules.

- `publication.figures`: the key figures, aggregates only, withheld below five households or units;
- `publication.story`: the story, Markdown to sanitised HTML;
- `publication.qr`: QR codes to the public page (SVG, PNG);
- `publication.standalone`: the page as one HTML file that works offline, under a strict policy;
- `publication.preview`: the site as a static picture (Open Graph, posters).
"""

from publication.errors import PublicationError

__all__ = ["PublicationError"]
