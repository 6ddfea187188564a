"""Cutting a batch run into independent parts, so several workers can group at once with the same result.

The matcher only ever compares a message with the history of the persons it names: the sender's
resolved person, a registered person whose national ID number or full name is written in the message
(when the sender is not registered), an unknown sender who signed an earlier message with the sender's
display name, and the thread an email reply or a dialogue message belongs to.
:class:`Linker` walks all messages once, in time order, resolving persons exactly as
:class:`~dedup.batch.MemoryContext` does, and joins (union-find) each message with every person it could
reach that way; a slight superset is harmless. The connected parts never look at each other, so each
can be grouped by its own worker — given the person ids resolved here and the register entries of its
own persons — and the result is the same as one worker grouping everything in order.
"""

from __future__ import annotations

import heapq
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from dedup.batch import MemoryContext
from dedup.matcher import DEFAULT_WINDOW
from dedup.names import MentionIndex
from dedup.normalise import normalise
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.identity import person_identity

__all__ = ["Linker", "Partition", "balance"]

Contact = tuple[int, str, tuple[tuple[str, str], ...]]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while True:
            p = parent.get(root, root)
            if p == root:
                break
            root = p
        while x != root:  # path compression
            nxt = parent.get(x, x)
            parent[x] = root
            x = nxt
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                ra, rb = rb, ra
            self.parent[ra] = rb  # the smaller id (a registered person when there is one) roots the part


@dataclass
class Partition:
    """Where each message went: ``shard_of_message[i]`` for the i-th message in time order."""

    shard_of_message: array[int]
    contacts_of_shard: list[list[Contact]]
    messages_of_shard: list[int]
    parts: int
    largest_part: int
    persons: int


@dataclass
class Linker:
    """Resolves persons over all messages in time order and records which messages must stay together."""

    ctx: MemoryContext = field(default_factory=lambda: MemoryContext(history=None))
    #: The matcher's time window (at least): how far back a display name is looked for among signed names.
    window: timedelta = DEFAULT_WINDOW
    _uf: _UnionFind = field(default_factory=_UnionFind)
    _node: array[int] = field(default_factory=lambda: array("q"))
    _pid: array[int] = field(default_factory=lambda: array("q"))
    _email: dict[str, int] = field(default_factory=dict)
    _conv: dict[tuple[str, str], int] = field(default_factory=dict)
    _contacts: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    _mentions: MentionIndex = field(default_factory=MentionIndex)
    _mentions_evict_at: int = 100_000

    def contacts_loaded(self) -> None:
        """Call after loading the register into :attr:`ctx`: remembers each person's own identities."""
        by_pid: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for ident, pid in self.ctx.identities.items():
            by_pid[pid].append(ident)
        self._contacts = dict(by_pid)

    def add(self, msg: IncomingMessage, clean: str) -> int:
        """Resolve one message (the next in time order); returns its person id (0: none)."""
        ctx, uf = self.ctx, self._uf
        pid = ctx.resolve(msg)
        seq = len(self._node)
        node = pid if pid is not None else -(seq + 1)
        uf.find(node)
        for i in person_identity(msg):  # every person an identity of this message belongs to
            holder = ctx.identities.get((i.kind.value, i.value))
            if holder is not None:
                uf.union(node, holder)
        if msg.direction == Direction.IN and pid is not None and ctx.registered(pid):
            # a registered sender may sign with another registered person's full name (a shared phone)
            for p in ctx.name_index().find(normalise(clean, already_clean=True,
                                                     email=msg.channel == Channel.EMAIL).text):
                uf.union(node, p)
        elif msg.direction == Direction.IN:
            # the matcher may look for the writer by an ID number or a full name in the text
            norm = normalise(clean, already_clean=True, email=msg.channel == Channel.EMAIL)
            for f in norm.fnrs:
                holder = ctx.person_by_identity("fnr", f)
                if holder is not None:
                    uf.union(node, holder)
            names = ctx.name_index()
            found = names.find(norm.text)
            if msg.sender_name:
                found |= names.find(msg.sender_name)
            for p in found:
                uf.union(node, p)
            if msg.sender_name:  # an unknown sender of the window who signed with this display name
                for writer in self._mentions.find(msg.sender_name, msg.sent_at - self.window, msg.sent_at):
                    uf.union(node, writer)
            self._mentions.add(node, msg.sent_at, clean)
            if len(self._mentions) > self._mentions_evict_at:
                self._mentions.evict(msg.sent_at - self.window)
                self._mentions_evict_at = 2 * len(self._mentions) + 100_000
        if msg.channel == Channel.EMAIL:
            for ref in (msg.in_reply_to, *msg.references):
                other = self._email.get(ref) if ref else None
                if other is not None:
                    uf.union(node, other)
            self._email.setdefault(msg.provider_key, node)
        if msg.conversation:
            other = self._conv.setdefault((msg.channel.value, msg.conversation), node)
            uf.union(node, other)
        self._node.append(node)
        self._pid.append(pid or 0)
        return pid or 0

    def person_of(self, seq: int) -> int:
        return self._pid[seq]

    def partition(self, shards: int) -> Partition:
        """Assign the connected parts to ``shards`` shards, balancing their message counts."""
        uf = self._uf
        roots = array("q", (uf.find(n) for n in self._node))
        size: dict[int, int] = defaultdict(int)
        for r in roots:
            size[r] += 1
        shard_of_root = balance(size, shards)
        contacts: list[list[Contact]] = [[] for _ in range(shards)]
        persons = 0
        for node in list(uf.parent) + [n for n in size if n not in uf.parent]:
            if node > 0:
                persons += 1
                if self.ctx.registered(node):
                    s = shard_of_root.get(uf.find(node))
                    if s is not None:
                        contacts[s].append((node, self.ctx.names.get(node, ""),
                                            tuple(self._contacts.get(node, ()))))
        counts = [0] * shards
        for root, n in size.items():
            counts[shard_of_root[root]] += n
        return Partition(
            shard_of_message=array("i", (shard_of_root[r] for r in roots)),
            contacts_of_shard=contacts,
            messages_of_shard=counts,
            parts=len(size),
            largest_part=max(size.values(), default=0),
            persons=persons,
        )


def balance(sizes: dict[int, int], shards: int) -> dict[int, int]:
    """Largest part first onto the least loaded shard (LPT): part → shard."""
    heap = [(0, s) for s in range(shards)]
    out: dict[int, int] = {}
    for part, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        load, s = heapq.heappop(heap)
        out[part] = s
        heapq.heappush(heap, (load + n, s))
    return out
