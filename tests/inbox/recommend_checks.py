"""Checks every set of channel-choice cases must pass; used by tests/ (the extra and small cases) and by
eval/ (the shared dev cases)."""

from __future__ import annotations

from pathlib import Path

from inbox.domain import ReplyChannel
from inbox.recommend import Policy, detect_signals, recommend
from inbox.recommend.cases import read_cases

# Factors whose message evidence is a summary (channel name, word count, list of parties) not a quote.
DERIVED_EVIDENCE = {
    "reply_channel",
    "same_request_multiple_channels",
    "long_personal_message",
    "multi_party_coordination",
    "multi_party_sensitive",
    "misunderstanding_switch_channel",
}


def check_reasons_with_evidence(path: Path, policy: Policy) -> None:
    """Every channel of every case's suggestion has reasons; the first one's real reasons quote evidence."""
    for case in read_cases(path).cases:
        s = recommend(case.thread, case.profile, case.relationship, case.load, policy)
        assert len(s.ranked) == len(ReplyChannel)
        for c in s.ranked:
            assert c.reasons, (case.id, c.channel)
        top = s.ranked[0]
        real = [r for r in top.reasons if r.factor not in ("channel_baseline", "no_factor")]
        assert real, case.id
        assert any(e.source != "policy" for r in s.deciding for e in r.evidence), case.id
        for r in real:
            assert r.text and r.evidence, (case.id, r.factor)
            for e in r.evidence:
                assert e.ref and e.quote
                if e.message is not None and r.factor not in DERIVED_EVIDENCE:
                    # a quoted phrase is really in that message (spacing and apostrophes aside)
                    body = " ".join(case.thread.messages[e.message - 1].text.replace("\u2019", "'").split())
                    assert e.quote.removesuffix("...") in body, (case.id, r.factor, e.quote)


def check_factors_have_rules(path: Path, policy: Policy) -> None:
    """Every factor detected in the cases has a rule in the policy."""
    for case in read_cases(path).cases:
        for sig in detect_signals(case.thread, case.profile, case.relationship, case.load, policy):
            assert sig.name in policy.factors, sig.name
