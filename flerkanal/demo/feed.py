"""The demo's trickle of new messages: a few demo-like messages every 20-40 seconds.

They are delivered the way real ones are: added to the (fake) connectors, then pulled, stored and the
cursors saved by the sync daemon's own pass (:meth:`connectors.sync.SyncDaemon.run_once`), the one ingest
loop `inbox sync` runs. No Textual here.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC

from connectors.fake import FakeConnector
from connectors.sync import SyncDaemon
from flerkanal.demo import demo_contacts
from inbox.contacts import read_contacts_csv
from inbox.domain import Channel, Contact, Direction, Identity, IdentityKind, IncomingMessage
from inbox.matching import Matcher
from inbox.storage.repository import Store
from tui.services import Clock, utc_now

OFFICE_PHONE = "+4759446000"
OFFICE_EMAIL = "nav.demo@example.no"

TEXTS = (
    ("Meldekortet", "Hei. Jeg fikk ikke sendt meldekortet i går, siden logget meg ut. Kan jeg sende det i dag?"),
    ("Utbetaling", "Hei! Når kommer utbetalingen for denne perioden? Jeg har ikke fått noe ennå."),
    ("Møte", "Hei, jeg kan ikke komme på møtet på torsdag. Kan vi flytte det til neste uke?"),
    ("Kurs", "Hei. Jeg har fått tilbud om et kurs. Påvirker det dagpengene mine?"),
    ("Sykmelding", "Legen har forlenget sykmeldingen min med to uker. Må jeg sende noe til dere?"),
    ("Skrev også SMS", "Hei, jeg sendte SMS tidligere i dag også, men skriver her for sikkerhets skyld."),
    ("Adresse", "Jeg har flyttet og har ny adresse. Hvor endrer jeg den?"),
    ("Takk", "Takk for hjelpen i går! Et spørsmål til: må jeg melde fra om ferie?"),
)


class DemoFeed:
    """Makes demo-like messages and delivers them through one FakeConnector per channel."""

    def __init__(self, connectors: Mapping[str, FakeConnector], *, seed: int = 7, clock: Clock = utc_now,
                 every: tuple[float, float] = (20.0, 40.0), per_tick: tuple[int, int] = (2, 3)) -> None:
        self.connectors = connectors
        self.clock = clock
        self.every = every
        self.per_tick = per_tick
        self._rng = random.Random(seed)
        self._daemon: SyncDaemon | None = None
        self._n = 0
        self._people = [c for c in read_contacts_csv(demo_contacts()) if isinstance(c, Contact)]

    def next_delay(self) -> float:
        return self._rng.uniform(*self.every)

    def deliver(self) -> int:
        """Add 2-3 new messages to the connectors; returns how many."""
        k = self._rng.randint(*self.per_tick)
        for _ in range(k):
            msg = self._make()
            conn = self.connectors.get(msg.channel.value)
            if conn is not None:
                conn.add(msg)
        return k

    async def sync(self, store: Store, matcher: Matcher | None = None) -> int:
        """Pull what the connectors hold since their cursors, store it and save the cursors, as `inbox sync
        --once` does (the connectors stay open: they also send the replies); how many messages were new."""
        if self._daemon is None or self._daemon.store is not store:
            self._daemon = SyncDaemon(store, self.connectors, matcher=matcher)
        before = sum(h.new for h in self._daemon.health.values())
        health = await self._daemon.run_once(close=False)
        return sum(h.new for h in health.values()) - before

    def _make(self) -> IncomingMessage:
        self._n += 1
        person = self._rng.choice(self._people)
        subject, text = self._rng.choice(TEXTS)
        channel = self._rng.choice([c for c in Channel if c.value in self.connectors])
        now = self.clock().astimezone(UTC)
        key = f"demo{now:%Y%m%d%H%M%S}{self._n:04d}"
        body = f"{text}\n{person.name.split()[0]}"
        if channel == Channel.SMS:
            return IncomingMessage(channel, f"SM{key}", Direction.IN, now, body, body, sender=person.phone,
                                   recipient=OFFICE_PHONE)
        if channel == Channel.EMAIL:
            return IncomingMessage(channel, f"<{key}@demo.example>", Direction.IN, now, body, body,
                                   sender=person.email, recipient=OFFICE_EMAIL, sender_name=person.name,
                                   subject=subject)
        ids = tuple(i for i in (Identity(IdentityKind.FNR, person.fnr),
                                Identity(IdentityKind.AKTOR_ID, person.aktor_id)) if i.value)
        return IncomingMessage(channel, key, Direction.IN, now, body, body, sender=person.fnr or person.aktor_id,
                               subject=subject, conversation=f"demo-{key}", identities=ids)


def demo_connectors() -> dict[str, FakeConnector]:
    """One in-memory connector per written channel: replies are kept, nothing leaves the machine."""
    return {ch.value: FakeConnector(channel=ch) for ch in (Channel.SMS, Channel.EMAIL, Channel.DIALOG)}

