"""A project's public story: Markdown in, safe HTML out.

Two well-kept libraries rather than hand-written filtering, each a fence on its own:

1. markdown-it-py, CommonMark, with raw HTML off (`html=False`): a `<script>` typed into the story
   is shown as text, never passed through. Its link check already drops `javascript:`, `vbscript:`,
   `file:` and `data:` destinations (entity-encoded ones too, as they are decoded first).
2. nh3 (the ammonia sanitiser) on the HTML that comes out, allowing only `ALLOWED_TAGS` and, on
   `a`, only `href`, and only `http:`, `https:` and `mailto:` links (a relative link would lead
   nowhere in a standalone export); every link gets `rel="noopener noreferrer nofollow"`. No
   `style`, `class`, event handlers, images or frames survive.

Headings move down one level (`#` becomes `h2`, `###` and deeper `h4`): the page's title is its
only `h1`. An image in the story (`![...](...)`) is replaced by its description; photos are published
one by one with their public mark. A story is at most `MAX_STORY_CHARS` characters.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from kernel import limits
from kernel.messages import N_, Message
from publication.errors import PublicationError

MAX_STORY_CHARS = limits.STORY  # about eight printed pages; a page, not a book
ALLOWED_TAGS = frozenset(
    {"p", "h2", "h3", "h4", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "br", "hr"}
)
LINK_SCHEMES = ("http:", "https:", "mailto:")
LINK_REL = "noopener noreferrer nofollow"

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _heading_down(renderer, tokens, idx, options, env):  # markdown-it-py's render rule signature
    token = tokens[idx]
    token.tag = f"h{min(int(token.tag[1]) + 1, 4)}"  # these tokens are this render's own
    return renderer.renderToken(tokens, idx, options, env)


def _image_as_text(renderer, tokens, idx, options, env):
    return escapeHtml(renderer.renderInlineAsText(tokens[idx].children or [], options, env))


_markdown.add_render_rule("heading_open", _heading_down)
_markdown.add_render_rule("heading_close", _heading_down)
_markdown.add_render_rule("image", _image_as_text)


def _only_web_links(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        # Browsers ignore leading spaces and control characters before a scheme; so do we, then decide.
        bare = value.lstrip("".join(chr(c) for c in range(33))).lower()
        return value if bare.startswith(LINK_SCHEMES) else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}, "*": set()},  # "*": no attribute on every tag (ammonia's default allows title, lang)
    attribute_filter=_only_web_links,
    url_schemes={scheme.rstrip(":") for scheme in LINK_SCHEMES},
    link_rel=LINK_REL,
    strip_comments=True,
)


def render_story(markdown_text: str | None) -> str:
    """The story as HTML safe to put into a public page as it is ("" for no story)."""
    if not markdown_text or not markdown_text.strip():
        return ""
    if len(markdown_text) > MAX_STORY_CHARS:
        raise PublicationError(
            Message(
                "publication.story_too_long",
                N_("The story has {length} characters; a public page takes at most {limit}. Shorten it."),
                {"length": len(markdown_text), "limit": MAX_STORY_CHARS},
            ),
            field="story_md",
        )
    return _cleaner.clean(_markdown.render(markdown_text)).strip()
