"""The pre-publication gate: which verdicts fail a CI job.

A publisher's CI runs ``dedupe check`` on drafts and fails the job when a
draft reuses a source in a way the newsroom does not allow. A *policy* names
what fails:

* ``uncredited``: a source the draft derives from (whole or partial) that it
  does not credit;
* ``reworded``: a source the draft derives from with light or heavy
  rewording, credited or not (disguised copying is what a newsroom most
  wants to see before publication);
* ``any``: any source the draft derives from;

and ``max_coverage`` fails a draft more than that share of which comes from
sources, whatever the credit. A source "derived from" is one whose
derivation is not ``none`` (``Settings.partial_coverage``).

>>> from dedupe.cleaning import clean_text
>>> from dedupe.comparison import compare_against
>>> from dedupe.verdicts import judge
>>> wire = clean_text("Russia fired 90 missiles at Kyiv overnight, officials said.", "wire.txt", metadata={"publisher": "Reuters"})
>>> draft = clean_text("Russia fired 90 missiles at Kyiv overnight, officials said.", "draft.txt")
>>> verdict, = judge(compare_against([draft], [wire]))
>>> [f.message for f in findings(verdict, Policy(fail_on=frozenset({"uncredited"})))]
['uncredited reuse of Reuters (wire.txt): 100% of the article, verbatim']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dedupe.spans import Span
from dedupe.verdicts import Verdict

FAIL_ON = ("uncredited", "reworded", "any")


@dataclass(frozen=True)
class Policy:
    """What fails a candidate. An empty policy fails nothing."""

    fail_on: frozenset[str] = field(default_factory=frozenset)
    max_coverage: float | None = None

    def __post_init__(self) -> None:
        unknown = set(self.fail_on) - set(FAIL_ON)
        if unknown:
            raise ValueError(f"unknown --fail-on value {', '.join(sorted(unknown))} (choose from {', '.join(FAIL_ON)})")
        if self.max_coverage is not None and not 0 <= self.max_coverage <= 1:
            raise ValueError(f"--max-coverage must be a fraction between 0 and 1, not {self.max_coverage}")

    @property
    def active(self) -> bool:
        return bool(self.fail_on) or self.max_coverage is not None


@dataclass(frozen=True)
class Finding:
    """One reason a candidate fails: the rule, a message, and where in the
    candidate the first reused passage is (None for article-wide rules)."""

    rule: str
    message: str
    source: str | None = None
    span: Span | None = None


def findings(verdict: Verdict, policy: Policy) -> list[Finding]:
    """The findings of one verdict under ``policy``, in source order."""
    found: list[Finding] = []
    for use in verdict.sources:
        if use.derivation == "none":
            continue
        name = f"{use.publisher} ({use.source.path})" if use.publisher else use.source.path
        share = f"{use.coverage:.0%} of the article, {use.rewording}"
        first = use.passages[0].a if use.passages else None
        if "uncredited" in policy.fail_on and not use.credited:
            found.append(Finding("uncredited", f"uncredited reuse of {name}: {share}", use.source.path, first))
        if "reworded" in policy.fail_on and use.rewording in ("light", "heavy"):
            credit = "credited" if use.credited else "uncredited"
            found.append(Finding("reworded", f"reworded reuse of {name} ({credit}): {share}", use.source.path, first))
        if "any" in policy.fail_on:
            found.append(Finding("any", f"reuse of {name}: {share}", use.source.path, first))
    if policy.max_coverage is not None and verdict.coverage > policy.max_coverage:
        found.append(Finding("max-coverage", f"{verdict.coverage:.0%} of the article comes from sources, "
                                             f"over the {policy.max_coverage:.0%} allowed"))
    return found
