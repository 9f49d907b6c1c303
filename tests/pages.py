"""Builders for realistic scraped news pages, shared by the test files.

``news_page`` wraps an article in the chrome a real news site puts around it
(navigation, cookie banner, ad slot, share bar, newsletter box, related links,
reader comments, footer) so extraction tests can check that the story comes
out and the debris stays behind. ``DEBRIS`` lists, per ``extras`` key, the
strings that part adds to the page; none of them may reach extracted text.

>>> html = news_page(title="Headline", paragraphs=["First.", "Second."], extras=())
>>> "<article" in html and COOKIE_TEXT not in html
True
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

ALL_EXTRAS: tuple[str, ...] = ("nav", "related", "comments", "cookie", "newsletter", "share", "ads", "footer")

NAV_ITEMS: tuple[str, ...] = ("World", "Politics", "Business", "Tech", "Opinion", "Sport", "Culture", "Video")
COOKIE_TEXT = (
    "We use cookies to improve your experience on our site and to show you relevant advertising. "
    "By clicking “Accept all”, you agree to the storing of cookies on your device."
)
NEWSLETTER_HEADING = "Sign up for our daily newsletter"
NEWSLETTER_TEXT = "The biggest stories of the day, delivered to your inbox every morning before 7am."
RELATED_HEADLINES: tuple[str, ...] = (
    "EU leaders clash over new sanctions package as summit drags into the night",
    "Pentagon confirms delivery of additional air defence systems to Kyiv",
    "Analysis: what longer-range missiles could change on the front line",
    "Moldova braces for fresh pressure from Moscow ahead of referendum",
)
COMMENTS: tuple[tuple[str, str], ...] = (
    ("kyivwatcher", "This should have happened two years ago. Every delay has cost lives."),
    ("Tom from Ohio", "I worry nobody in Washington has thought through where this escalation ends."),
    ("marta_k", "Great reporting as always, thanks for keeping us informed."),
)
COMMENT_FORM_HEADING = "Leave a comment"
FOOTER_COPYRIGHT = "© 2024 Example Tribune Media Ltd. All rights reserved."
FOOTER_LINKS: tuple[str, ...] = ("About us", "Contact", "Privacy policy", "Terms of use", "Advertise with us")
AD_LABEL = "Advertisement"
SHARE_TEXT = "Share this article"

# What each ``extras`` part adds to the page, for "must not be extracted" checks.
DEBRIS: dict[str, tuple[str, ...]] = {
    "nav": (" ".join(NAV_ITEMS[:3]), "Skip to content"),
    "cookie": (COOKIE_TEXT[:40], "Accept all", "Manage preferences"),
    "ads": (AD_LABEL,),
    "share": (SHARE_TEXT,),
    "newsletter": (NEWSLETTER_HEADING, NEWSLETTER_TEXT, "Subscribe"),
    "related": ("Related articles", *RELATED_HEADLINES),
    "comments": (COMMENT_FORM_HEADING, "Post comment", *(text for _, text in COMMENTS), *(n for n, _ in COMMENTS)),
    "footer": (FOOTER_COPYRIGHT, "Privacy policy", "Terms of use"),
}


def news_page(
    *,
    title: str,
    paragraphs: list[str],
    site: str = "Example Tribune",
    author: str | None = "Jane Doe",
    date: str | None = "2024-05-29",
    url: str | None = "https://www.example-tribune.com/world/2024/05/29/story.html",
    extras: Iterable[str] = ALL_EXTRAS,
) -> str:
    """A complete HTML5 news page holding ``paragraphs`` as the story body.

    ``extras`` picks which pieces of page chrome to include (see ``ALL_EXTRAS``).
    ``date`` is ``YYYY-MM-DD``; ``author``/``date``/``url`` of None leave the
    corresponding metadata and byline parts out.

    >>> page = news_page(title="T", paragraphs=["Body text."], extras=("ads",))
    >>> "Advertisement" in page and "Share this article" not in page
    True
    """
    parts = set(extras)
    unknown = parts - set(ALL_EXTRAS)
    if unknown:
        raise ValueError(f"unknown extras: {sorted(unknown)}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        f"{_head(title, site, author, date, url, paragraphs)}"
        '<body class="article-page">\n'
        f"{_cookie_banner() if 'cookie' in parts else ''}"
        f"{_site_header(site) if 'nav' in parts else ''}"
        '<main id="main-content" class="layout">\n'
        f"{_article(title, paragraphs, author, date, parts)}"
        f"{_related() if 'related' in parts else ''}"
        f"{_comments() if 'comments' in parts else ''}"
        "</main>\n"
        f"{_site_footer() if 'footer' in parts else ''}"
        '<script src="/static/js/app.min.js" defer></script>\n'
        "</body>\n</html>\n"
    )


def bare_page(body_html: str, title: str = "Untitled page") -> str:
    """A minimal HTML5 document with ``body_html`` as the whole body.

    >>> bare_page("<p>Hi</p>", title="T").count("<p>Hi</p>")
    1
    """
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{escape(title, quote=False)}</title>\n"
        "</head>\n<body>\n"
        f"{body_html}\n"
        "</body>\n</html>\n"
    )


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _text(value: str) -> str:
    return escape(value, quote=False)


def _iso_timestamp(date: str) -> str:
    return f"{date}T08:30:00Z" if len(date) == 10 else date


def _head(
    title: str, site: str, author: str | None, date: str | None, url: str | None, paragraphs: list[str]
) -> str:
    lines = [
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(title)} | {_text(site)}</title>",
        f'<meta property="og:title" content="{_attr(title)}">',
        f'<meta property="og:site_name" content="{_attr(site)}">',
        '<meta property="og:type" content="article">',
    ]
    if paragraphs:
        lines.append(f'<meta name="description" content="{_attr(paragraphs[0][:150])}">')
    if url:
        lines.append(f'<meta property="og:url" content="{_attr(url)}">')
        lines.append(f'<link rel="canonical" href="{_attr(url)}">')
    if author:
        lines.append(f'<meta name="author" content="{_attr(author)}">')
    if date:
        lines.append(f'<meta property="article:published_time" content="{_iso_timestamp(date)}">')
    lines += [
        '<link rel="stylesheet" href="/static/css/main.css">',
        "<style>.ad-slot{min-height:250px}.cookie-banner{position:fixed;bottom:0}</style>",
        "<script>window.dataLayer = window.dataLayer || []; dataLayer.push({pageType: 'article'});</script>",
        "</head>",
    ]
    return "\n".join(lines) + "\n"


def _cookie_banner() -> str:
    return (
        '<div id="cookie-banner" class="cookie-banner" role="dialog" aria-label="Cookie consent">\n'
        f"<p>{_text(COOKIE_TEXT)}</p>\n"
        '<button type="button" class="btn-accept">Accept all</button>\n'
        '<button type="button" class="btn-settings">Manage preferences</button>\n'
        "</div>\n"
    )


def _site_header(site: str) -> str:
    links = "\n".join(f'<li><a href="/{item.lower()}">{item}</a></li>' for item in NAV_ITEMS)
    return (
        '<header class="site-header">\n'
        '<a class="skip-link" href="#main-content">Skip to content</a>\n'
        f'<a class="logo" href="/">{_text(site)}</a>\n'
        '<nav class="main-nav" aria-label="Main menu">\n'
        f'<ul class="menu">\n{links}\n</ul>\n'
        "</nav>\n"
        "</header>\n"
    )


def _byline(author: str | None, date: str | None) -> str:
    if not (author or date):
        return ""
    pieces = []
    if author:
        slug = author.lower().replace(" ", "-")
        pieces.append(f'By <a rel="author" href="/authors/{_attr(slug)}">{_text(author)}</a>')
    if date:
        pieces.append(f'<time datetime="{_iso_timestamp(date)}">{_text(date)}</time>')
    return f'<div class="byline">{" · ".join(pieces)}</div>\n'


def _ad_slot() -> str:
    return (
        '<div class="ad-slot" id="ad-inline-1" aria-label="advertisement">'
        f'<span class="ad-label">{AD_LABEL}</span><div class="ad-container"></div></div>\n'
    )


def _newsletter_box() -> str:
    return (
        '<div class="newsletter-signup">\n'
        f"<h3>{NEWSLETTER_HEADING}</h3>\n"
        f"<p>{NEWSLETTER_TEXT}</p>\n"
        '<form action="/newsletter" method="post">'
        '<input type="email" name="email" placeholder="Your email address">'
        '<button type="submit">Subscribe</button></form>\n'
        "</div>\n"
    )


def _share_bar() -> str:
    return (
        '<div class="share-bar">'
        f"<span>{SHARE_TEXT}:</span> "
        '<a href="https://www.facebook.com/sharer/sharer.php">Facebook</a> '
        '<a href="https://twitter.com/intent/tweet">Twitter</a> '
        '<a href="mailto:?subject=story">Email</a>'
        "</div>\n"
    )


def _article(title: str, paragraphs: list[str], author: str | None, date: str | None, parts: set[str]) -> str:
    # Inline debris sits inside the story body, where real sites put it: the ad
    # after the 2nd paragraph, the newsletter box after the 4th (or after the
    # last paragraph of a shorter story).
    inserts: dict[int, list[str]] = {}
    if "ads" in parts:
        inserts.setdefault(min(1, len(paragraphs) - 1), []).append(_ad_slot())
    if "newsletter" in parts:
        inserts.setdefault(min(3, len(paragraphs) - 1), []).append(_newsletter_box())
    body: list[str] = [*inserts.get(-1, [])]  # a story without paragraphs
    for index, paragraph in enumerate(paragraphs):
        body.append(f"<p>{_text(paragraph)}</p>\n")
        body.extend(inserts.get(index, []))
    return (
        '<article class="story" itemscope itemtype="https://schema.org/NewsArticle">\n'
        f'<h1 class="headline" itemprop="headline">{_text(title)}</h1>\n'
        f"{_byline(author, date)}"
        '<div class="story-body" itemprop="articleBody">\n'
        f"{''.join(body)}"
        "</div>\n"
        f"{_share_bar() if 'share' in parts else ''}"
        "</article>\n"
    )


def _related() -> str:
    items = "\n".join(
        f'<li><a href="/world/2024/05/{28 - i}/related-{i}.html">{_text(headline)}</a></li>'
        for i, headline in enumerate(RELATED_HEADLINES)
    )
    return f'<section class="related-articles">\n<h2>Related articles</h2>\n<ul>\n{items}\n</ul>\n</section>\n'


def _comments() -> str:
    items = "\n".join(
        f'<li class="comment"><p class="comment-author">{_text(name)}</p><p class="comment-text">{_text(text)}</p></li>'
        for name, text in COMMENTS
    )
    return (
        '<section id="comments" class="comments-section">\n'
        f"<h2>Comments ({len(COMMENTS)})</h2>\n"
        f'<ol class="comment-list">\n{items}\n</ol>\n'
        '<form class="comment-form" action="/comments" method="post">\n'
        f"<h3>{COMMENT_FORM_HEADING}</h3>\n"
        '<textarea name="comment"></textarea>\n'
        '<button type="submit">Post comment</button>\n'
        "</form>\n"
        "</section>\n"
    )


def _site_footer() -> str:
    links = "\n".join(f'<li><a href="/{item.lower().replace(" ", "-")}">{item}</a></li>' for item in FOOTER_LINKS)
    return (
        '<footer class="site-footer">\n'
        f"<p>{_text(FOOTER_COPYRIGHT)}</p>\n"
        f'<ul class="footer-links">\n{links}\n</ul>\n'
        "</footer>\n"
    )
