"""Suggest the channel to answer a thread on, ranked, each channel with reasons and evidence (no IO).

The rules follow what research on Nav caseworkers found about channel choice (see issue 6 and the
comments in ``policy.toml``): written channels for simple practical questions, face to face for
complex talks, first meetings and conflicts, a quick switch to phone or meeting when a written exchange goes
wrong, the user's digital skills, age, language and anxiety, and the caseworker's capacity.

How it works, in three explainable steps:

1. :func:`detect_signals` finds signals in the thread (curated Norwegian/English phrase patterns from the
   policy's ``[lexicon]``), in the profile and its notes, in the relationship and in the caseworker's load.
   Each :class:`Signal` carries :class:`Evidence`: which message and phrase, or which profile field.
2. The policy's rules drop signals that another makes irrelevant (``suppress``) or add one when two occur
   together (``combine``).
3. Each remaining signal is a factor whose weights are added to the channels; :func:`recommend` ranks the
   channels and gives every channel the reasons (in Norwegian or English) that moved it.

The policy comes from TOML text (:meth:`Policy.from_toml`); reading the file is the caller's business
(:func:`inbox.recommend.cases.load_policy`).

The package, module by module (imports point down the list):

- :mod:`~inbox.recommend.semantic`: detection by meaning; the embedder (:class:`Embed`) is handed in by the
  caller, so the core never loads a model itself;
- :mod:`~inbox.recommend.model`: the input (thread, profile, relationship, load) and output (suggestion,
  reasons, evidence) types;
- :mod:`~inbox.recommend.policy`: the policy and its TOML (``policy.toml``, shipped as package data);
- :mod:`~inbox.recommend.phrases`: phrase-list search (with denials), quotes, channel names, language;
- :mod:`~inbox.recommend.detect`: the signals of a case, each with its evidence;
- :mod:`~inbox.recommend.scoring`: rules, weights, ranking, deciding reasons and reasons against;
- :mod:`~inbox.recommend.cases`: labelled cases (``cases.jsonl``), the shipped policy, evaluation;
- :mod:`~inbox.recommend.fit`: fitting the weights to labelled cases and writing them into the TOML.
"""

from __future__ import annotations

from inbox.recommend.cases import load_policy
from inbox.recommend.detect import case_units, detect_signals, semantic_matcher
from inbox.recommend.model import (
    LANGS,
    TARGET,
    Acknowledgement,
    CaseworkerLoad,
    ChannelScore,
    Evidence,
    Profile,
    Reason,
    Relationship,
    Signal,
    Suggestion,
    ThreadInput,
    ThreadMessage,
)
from inbox.recommend.phrases import parse_channel
from inbox.recommend.policy import FactorRule, Policy, PolicyError
from inbox.recommend.scoring import rank, recommend
from inbox.recommend.semantic import Embed, SemanticMatcher

__all__ = [
    "LANGS",
    "TARGET",
    "Acknowledgement",
    "CaseworkerLoad",
    "ChannelScore",
    "Embed",
    "Evidence",
    "FactorRule",
    "Policy",
    "PolicyError",
    "Profile",
    "Reason",
    "Relationship",
    "SemanticMatcher",
    "Signal",
    "Suggestion",
    "ThreadInput",
    "ThreadMessage",
    "case_units",
    "detect_signals",
    "load_policy",
    "parse_channel",
    "rank",
    "recommend",
    "semantic_matcher",
]
