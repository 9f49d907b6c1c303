"""Host names: the one way a URL or a bare domain names a site.

Extraction reports a page's host, credits match hosts to known outlets and
the Scrapy pipeline names items by URL; all of them read hosts here, so
``https://www.reuters.com/world/`` and ``reuters.com`` are the same site
everywhere.

>>> hostname("https://www.example.com/a.html"), hostname("edition.cnn.com")
('example.com', 'edition.cnn.com')
>>> hostname("Example Daily") is None, hostname("[") is None
(True, True)
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# A bare domain (no scheme) must look like one: "Reuters" or "time" is a name.
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[a-z]{2,}", re.IGNORECASE)


def hostname(value: str | None) -> str | None:
    """The lowercase host of a URL or bare domain, without a leading
    ``www.``; None when ``value`` names no host."""
    if not value or any(char.isspace() for char in value):
        return None
    has_scheme = "://" in value
    try:
        host = urlsplit(value if has_scheme else "//" + value).hostname
    except ValueError:  # "[" and other strings that are not URLs
        return None
    if not host or (not has_scheme and not _DOMAIN.fullmatch(host)):
        return None
    return host.removeprefix("www.")
