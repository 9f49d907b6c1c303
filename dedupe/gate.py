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
>>> from dedupe.model import Policy
>>> from dedupe.verdicts import judge
>>> wire = clean_text("Russia fired 90 missiles at Kyiv overnight, officials said.", "wire.txt",
...                   metadata={"publisher": "Reuters"})
>>> draft = clean_text("Russia fired 90 missiles at Kyiv overnight, officials said.", "draft.txt")
>>> verdict, = judge(compare_against([draft], [wire]))
>>> [f.message for f in findings(verdict, Policy(fail_on=frozenset({"uncredited"})))]
['uncredited reuse of Reuters (wire.txt): 100% of the article, verbatim']
"""

from __future__ import annotations

from dedupe.model import Derivation, Finding, Policy, Rewording, Rule, Verdict


def findings(verdict: Verdict, policy: Policy) -> list[Finding]:
    """The findings of one verdict under ``policy``, in source order."""
    found: list[Finding] = []
    for use in verdict.sources:
        if use.derivation == Derivation.NONE:
            continue
        name = f"{use.publisher} ({use.source.path})" if use.publisher else use.source.path
        share = f"{use.coverage:.0%} of the article, {use.rewording}"
        first = use.passages[0].a if use.passages else None
        if Rule.UNCREDITED in policy.fail_on and not use.credited:
            found.append(Finding(Rule.UNCREDITED, f"uncredited reuse of {name}: {share}", use.source.path, first))
        if Rule.REWORDED in policy.fail_on and use.rewording in (Rewording.LIGHT, Rewording.HEAVY):
            credit = "credited" if use.credited else "uncredited"
            found.append(Finding(Rule.REWORDED, f"reworded reuse of {name} ({credit}): {share}", use.source.path,
                                 first))
        if Rule.ANY in policy.fail_on:
            found.append(Finding(Rule.ANY, f"reuse of {name}: {share}", use.source.path, first))
    if policy.max_coverage is not None and verdict.coverage > policy.max_coverage:
        found.append(Finding(Rule.MAX_COVERAGE, f"{verdict.coverage:.0%} of the article comes from sources, "
                                                f"over the {policy.max_coverage:.0%} allowed"))
    return found
