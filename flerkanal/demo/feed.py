"""The demo's trickle of new messages: a few demo-like messages every 20-40 seconds.

They are delivered the way real ones are: added to the (fake) connectors, pulled from them since a
cursor, then stored by the app with ``store.ingest``. No Textual here.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC

from connectors.fake import FakeConnector
from flerkanal.demo import demo_contacts
from inbox.domain import Channel, Contact, Direction, Identity, IdentityKind, IncomingMessage, Quarantined
from inbox.storage.repository import read_contacts_csv
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
        self._cursors: dict[str, str | None] = dict.fromkeys(connectors)
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

    async def collect(self) -> list[IncomingMessage | Quarantined]:
        """Everything the connectors have that was not collected yet (pulled since each cursor)."""
        items: list[IncomingMessage | Quarantined] = []
        for name, conn in self.connectors.items():
            while True:
                page = await conn.pull(self._cursors[name])
                items.extend(page.items)
                self._cursors[name] = page.cursor
                if not page.more:
                    break
        return items

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

