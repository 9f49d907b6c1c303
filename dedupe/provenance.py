"""Judging candidates against sources: the one procedure every check runs.

``dedupe check --against``, ``dedupe check --index``, the library's
:func:`dedupe.check`, :meth:`dedupe.archive.Index.check_page` and the Scrapy
pipeline all come here, so the same inputs and settings give the same
verdicts whichever way a check is reached:

1. boilerplate is learned over the candidates and the sources together
   (:mod:`dedupe.boilerplate`): a line that a site repeats is not copying;
2. the candidates are compared with the sources (:func:`dedupe.comparison.compare_against`);
3. each candidate is judged (:func:`dedupe.verdicts.judge`): derivation,
   rewording, credit, new material and claims.

>>> from dedupe.cleaning import clean_text
>>> wire = clean_text("Russia fired 90 missiles at Kyiv overnight, officials said.", "wire.txt")
>>> copy = clean_text("Russia fired 90 missiles at Kyiv overnight, officials said.", "copy.txt")
>>> [(str(v.derivation), v.sources[0].publisher) for v in judge_sources([copy], [wire], {"wire.txt": "Reuters"})]
[('whole', 'Reuters')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dedupe.boilerplate import learn_boilerplate
from dedupe.comparison import WeightsFor, compare_against
from dedupe.model import Article, Verdict
from dedupe.settings import DEFAULT_SETTINGS, Settings
from dedupe.verdicts import judge


def judge_sources(candidates: Sequence[Article], sources: Sequence[Article],
                  publishers: Mapping[str, str] | None = None, *, known_publishers: Iterable[str] = (),
                  settings: Settings = DEFAULT_SETTINGS, learn: bool = True,
                  weights_for: WeightsFor | None = None) -> list[Verdict]:
    """A verdict for each candidate against ``sources``, in order.

    ``publishers`` names the publisher of sources by path (``NAME=PATH``);
    ``known_publishers`` are more publishers to look for credits to (an
    index's, whose articles did not all make the shortlist); ``weights_for``
    gives term weights over a whole archive (see
    :func:`~dedupe.comparison.compare_against`). With ``learn`` off,
    boilerplate is not learned (``dedupe report --no-learn``).
    """
    articles = list(candidates) + list(sources)
    if learn:
        articles = learn_boilerplate(articles, settings)
    split = len(candidates)
    matches = compare_against(articles[:split], articles[split:], settings, weights_for=weights_for)
    return judge(matches, publishers, settings, known_publishers)
