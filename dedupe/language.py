"""Guessing an article's language from its function words.

Matching relies on English stemming and stop words, so the tool needs to know
when a text is not English and say so instead of quietly matching less. A few
dozen of the commonest function words per language identify running text of
a paragraph or more reliably; that is all this does (no model, no download).

>>> guess_language("The talks ended on Friday and the ministers left for their capitals.")
'en'
>>> guess_language("Die Gespräche endeten am Freitag und die Minister reisten in ihre Hauptstädte ab.")
'de'
>>> guess_language("12 34 56") is None
True
"""

from __future__ import annotations

import re
from collections import Counter

from dedupe.settings import DEFAULT_SETTINGS, Settings

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the of and to in is that for it was on with as he be by at are this from have not but had "
                    "they his were which an their said has been would its who will".split()),
    "de": frozenset("der die das und ist nicht den von zu mit sich des auf für im dem ein eine als auch es an "
                    "werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über".split()),
    "fr": frozenset("le la les de des et est un une du en que qui dans pour pas sur au par ne se plus avec il "
                    "elle sont ont été cette aux mais ou son".split()),
    "es": frozenset("el la los las de del y en que un una por con para no se es al lo como más pero sus le ha "
                    "su este entre fue han".split()),
    "it": frozenset("il lo la gli le di del della e che un una per con non si è al da sono come ma anche nel "
                    "alla questo".split()),
    "nl": frozenset("de het een en van is dat op te in voor niet met zijn aan er ook als bij door maar om naar "
                    "werd".split()),
    "no": frozenset("og i det som er på en til av for med at har ikke den de om et var fra seg men skal vil "
                    "kan ble etter".split()),
    "pt": frozenset("o a os as de do da dos das e em um uma que para com não por se mais foi como mas ao "
                    "na no".split()),
    "el": frozenset("και το η ο να του της σε με για που τα από τη τον την στο στην οι είναι θα δεν".split()),
    "ru": frozenset("и в не на что с по как он это из за от то к для же но его она был были".split()),
    "uk": frozenset("і в не на що з по як він це із за від то до для але його вона був були та".split()),
}

LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch",
                  "no": "Norwegian", "pt": "Portuguese", "el": "Greek", "ru": "Russian", "uk": "Ukrainian"}

_WORD = re.compile(r"[^\W\d_]+")
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _language, _vocabulary in FUNCTION_WORDS.items():
    for _word in _vocabulary:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _language)


def guess_language(text: str, settings: Settings = DEFAULT_SETTINGS) -> str | None:
    """The ISO 639-1 code of the language whose function words are most
    frequent in ``text`` (its first ``settings.language_sample_words``
    words), or None when the text is too short (``language_min_words``) or
    no language's function words make up ``language_min_share`` of it."""
    sample = settings.language_sample_words
    words = _WORD.findall(text[: sample * 8].casefold())[:sample]
    if len(words) < settings.language_min_words:
        return None
    hits: Counter[str] = Counter()
    for word, count in Counter(words).items():
        for language in _LANGUAGES_OF.get(word, ()):
            hits[language] += count
    if not hits:
        return None
    best = max(FUNCTION_WORDS, key=lambda language: hits[language])  # ties: the first listed
    return best if hits[best] >= settings.language_min_share * len(words) else None
