"""A public story: Markdown becomes a small set of tags; the OWASP XSS cheat-sheet classics come out harmless."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from publication.errors import PublicationError
from publication.story import ALLOWED_TAGS, MAX_STORY_CHARS, render_story


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def assert_harmless(html: str) -> None:
    """Only allowed tags; only href (http, https, mailto) and rel on links; nothing else carries an attribute."""
    for tag, attrs in tags_of(html):
        assert tag in ALLOWED_TAGS, html
        if tag == "a":
            assert set(attrs) <= {"href", "rel"}, html
            assert attrs.get("rel") == "noopener noreferrer nofollow"
            if "href" in attrs:
                assert re.match(r"(https?:|mailto:)", attrs["href"]), html
        else:
            assert attrs == {}, html


def test_markdown_becomes_the_small_tag_set_with_headings_under_the_page_title():
    html = render_story(
        "# Sejarah\n\nWarga **Marlina** bertahan sejak *1998*.\n\n## Tahap 1\n\n"
        "- 120 rumah\n- 2 blok\n\n1. satu\n\n> kutipan\n\n`kode`\n\n---\n\n"
        "Baca [berita](https://example.org/berita) atau [surati kami](mailto:info@japra.example).\n\n###### kecil"
    )
    assert "<h2>Sejarah</h2>" in html and "<h3>Tahap 1</h3>" in html and "<h4>kecil</h4>" in html
    assert "<strong>Marlina</strong>" in html and "<em>1998</em>" in html
    assert "<ul>" in html and "<ol>" in html and "<blockquote>" in html and "<code>kode</code>" in html
    assert "<hr>" in html
    assert '<a href="https://example.org/berita" rel="noopener noreferrer nofollow">berita</a>' in html
    assert '<a href="mailto:info@japra.example" rel="noopener noreferrer nofollow">surati kami</a>' in html
    assert_harmless(html)


def test_no_story_is_empty():
    assert render_story(None) == "" and render_story("  \n ") == ""


# The classics of the OWASP XSS Filter Evasion cheat sheet, typed into the story box.
ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=https://evil.example></iframe>",
    '<iframe src="javascript:alert(1)">',
    "<body onload=alert(1)>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](%20javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[[inner](javascript:alert(1))](https://example.org)",
    "[outer [inner](javascript:alert(1))](javascript:alert(2))",
    "<javascript:alert(1)>",
    "<object data=https://evil.example/x.swf></object>",
    "<embed src=https://evil.example/x.swf>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<!--<script>alert(1)</script>-->",
    "<<script>alert(1);//<</script>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<form action=https://evil.example><input name=p></form>",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_owasp_classics_come_out_harmless(attack):
    html = render_story(f"Cerita kami.\n\n{attack}\n\nSelesai.")
    assert_harmless(html)
    assert not re.search(r"<(script|img|svg|iframe|object|embed|meta|style|form|input|math|body)\b", html, re.I)
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html).lower()  # only in shown text, never in markup
    assert "Cerita kami." in html and "Selesai." in html  # the rest of the story survives


def test_typed_html_is_shown_as_text_not_dropped():
    assert render_story("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_an_image_keeps_only_its_description():
    assert render_story("![Blok *A* dari utara](https://example.org/a.jpg)") == "<p>Blok A dari utara</p>"


def test_links_go_only_to_the_web_or_mail():
    html = render_story("[a](/relatif) [b](//evil.example) [c](ftp://x.example) [d](https://ok.example/?q=1&r=2)")
    hrefs = [attrs.get("href") for tag, attrs in tags_of(html) if tag == "a"]
    assert hrefs == [None, None, None, "https://ok.example/?q=1&r=2"]


def test_a_link_title_and_code_language_are_dropped():
    html = render_story('[x](https://ok.example "judul")\n\n```js\nlet a = "<b>";\n```')
    assert "title" not in html and "class" not in html
    assert "&lt;b&gt;" in html
    assert_harmless(html)


def test_a_story_too_long_is_refused_with_a_message():
    render_story("a" * MAX_STORY_CHARS)
    with pytest.raises(PublicationError) as raised:
        render_story("a" * (MAX_STORY_CHARS + 1))
    assert raised.value.field == "story_md"
    assert str(raised.value) == "The story has 20001 characters; a public page takes at most 20000. Shorten it."


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.startswith("<") and not a.startswith("<javascript")])
def test_the_sanitiser_alone_would_stop_them_too(attack):
    """The second fence, as if the Markdown parser ever let raw HTML through."""
    from publication.story import _cleaner

    html = _cleaner.clean(f"<p>Cerita kami.</p>{attack}<p>Selesai.</p>")
    assert_harmless(html)
    assert "alert" not in re.sub(r">[^<]*<", "><", html)
