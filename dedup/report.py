"""What a batch run found, in figures: a streaming summary, and a self-contained HTML page of it.

:class:`SummaryBuilder` is fed one row at a time (it never holds the rows, only a few numbers per
inquiry) and gives the figures the CLI prints and ``--json`` emits. :func:`render_html` turns them into
one HTML file with inline SVG charts and no external assets. Neither ever sees message text.
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from inbox.display import printable

__all__ = ["DELAY_BUCKETS", "SummaryBuilder", "render_html"]

#: Upper bounds (hours) and labels of the "time until the same inquiry came again" histogram.
DELAY_BUCKETS: tuple[tuple[float, str], ...] = (
    (1.0, "< 1 h"), (6.0, "1–6 h"), (24.0, "6–24 h"), (72.0, "1–3 days"), (168.0, "3–7 days"),
    (float("inf"), "> 7 days"),
)
_CHANNELS = ("sms", "email", "dialog")


@dataclass
class SummaryBuilder:
    """Accumulates per-inquiry counts from rows that arrive in time order."""

    top: int = 5
    _groups: dict[int, list[Any]] = field(default_factory=dict)  # gid → [inbound, channel mask, first ts, person]
    _by_channel: Counter[str] = field(default_factory=Counter)
    _delays: Counter[str] = field(default_factory=Counter)
    _cross_delays: list[float] = field(default_factory=list)
    _outbound: int = 0
    _messages: int = 0

    def add(self, gid: int, person: str, channel: str, ts: float, *, inbound: bool) -> None:
        if not inbound:
            self._outbound += 1
            return
        self._messages += 1
        self._by_channel[channel] += 1
        bit = 1 << (_CHANNELS.index(channel) if channel in _CHANNELS else 3)
        g = self._groups.get(gid)
        if g is None:
            self._groups[gid] = [1, bit, ts, person]
            return
        hours = max(0.0, (ts - g[2]) / 3600)
        for bound, label in DELAY_BUCKETS:
            if hours < bound:
                self._delays[label] += 1
                break
        if not g[1] & bit and len(self._cross_delays) < 1_000_000:
            self._cross_delays.append(hours)
        g[0] += 1
        g[1] |= bit

    def result(self) -> dict[str, Any]:
        groups = self._groups
        by_n: Counter[int] = Counter(bin(g[1]).count("1") for g in groups.values())
        multi = sum(v for k, v in by_n.items() if k >= 2)
        top = sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[0]))[: self.top]
        names = [*_CHANNELS, "other"]
        return {
            "messages": self._messages,
            "outbound_messages": self._outbound,
            "by_channel": dict(sorted(self._by_channel.items())),
            "inquiries": len(groups),
            "multi_channel_inquiries": multi,
            "multi_channel_share": round(multi / len(groups), 4) if groups else 0.0,
            "inquiries_by_channel_count": {str(k): v for k, v in sorted(by_n.items())},
            "replies_saved_estimate": self._messages - len(groups),
            "repeat_delay_hours": {label: self._delays.get(label, 0) for _, label in DELAY_BUCKETS},
            "cross_channel_delay_median_hours": round(statistics.median(self._cross_delays), 1)
            if self._cross_delays else None,
            "top_groups": [
                {"group": f"g{gid}", "person": g[3], "messages": g[0],
                 "channels": [names[i] for i in range(4) if g[1] >> i & 1]}
                for gid, g in top
            ],
        }


# -- HTML ---------------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:60rem;color:#1b1b1b;
padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}
.sub{color:#555;margin-top:0}.figs{display:flex;flex-wrap:wrap;gap:1rem;margin:1.2rem 0}
.fig{border:1px solid #ddd;border-radius:6px;padding:.7rem 1rem;min-width:10rem}
.fig b{display:block;font-size:1.6rem}.fig span{color:#555;font-size:.85rem}
table{border-collapse:collapse;margin-top:.5rem}td,th{border-bottom:1px solid #e5e5e5;padding:.3rem .8rem;
text-align:left}th{font-weight:600}td.n{text-align:right}
svg text{font:12px system-ui,sans-serif;fill:#333}.charts{display:flex;flex-wrap:wrap;gap:2rem}
footer{margin-top:2.5rem;color:#777;font-size:.8rem}
"""


def _e(value: str) -> str:
    """HTML-escaped, and without control characters (the page may be read in a terminal too)."""
    return html.escape(printable(value))


def _bar_chart(title: str, data: list[tuple[str, int]], *, color: str = "#3366aa") -> str:
    """A horizontal bar chart as inline SVG (labels left, counts right of the bars)."""
    width, bar_h, gap, label_w, value_w = 460, 22, 8, 110, 70
    height = len(data) * (bar_h + gap) + 30
    top = max((v for _, v in data), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{_e(title)}"><title>{_e(title)}</title>']
    span = width - label_w - value_w
    for i, (label, value) in enumerate(data):
        y = 20 + i * (bar_h + gap)
        w = round(span * value / top, 1)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.7}" text-anchor="end">{_e(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + bar_h * 0.7}">{value:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(summary: dict[str, Any], *, run: dict[str, Any] | None = None) -> str:
    """One self-contained HTML page (inline CSS and SVG, no scripts, no external assets)."""
    s = summary
    e = _e
    share = f"{s['multi_channel_share']:.0%}"
    figures = [
        (f"{s['messages']:,}", "inbound messages"),
        (f"{s['inquiries']:,}", "inquiries"),
        (f"{s['multi_channel_inquiries']:,}", f"came on 2+ channels ({share})"),
        (f"{s['replies_saved_estimate']:,}", "replies saved by answering once"),
    ]
    channels = [(k, v) for k, v in s["by_channel"].items()]
    by_n = [(f"{k} channel{'s' if k != '1' else ''}", v) for k, v in s["inquiries_by_channel_count"].items()]
    delays = list(s["repeat_delay_hours"].items())
    rows = "".join(
        f"<tr><td>{e(g['group'])}</td><td>{e(g['person'])}</td><td class=n>{g['messages']}</td>"
        f"<td>{e(', '.join(g['channels']))}</td></tr>" for g in s["top_groups"])
    hints = s.get("cross_writer_hints")
    hint_line = (f"<p>{s.get('unknown_writer_inquiries', 0):,} new inquiries came from writers nobody could "
                 f"identify; {s.get('unknown_writers_looked_for', 0):,} said they had written before, and for "
                 f"<b>{hints:,}</b> an earlier message of another writer shares their topic and a date, amount "
                 "or number (possibly the same person on a new number or address: listed with "
                 "<code>--hints</code>, never merged).</p>" if hints is not None else "")
    median = s.get("cross_channel_delay_median_hours")
    median_line = (f"<p>Median time before the same inquiry arrived on another channel: <b>{median} h</b>.</p>"
                   if median is not None else "")
    meta = "".join(
        f"<li>{e(str(k))}: {e(', '.join(f'{a} {b}' for a, b in v.items()) if isinstance(v, dict) else str(v))}</li>"
        for k, v in (run or {}).items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>flerkanal dedup report</title><style>{_CSS}</style></head>
<body>
<h1>Same inquiry, several channels</h1>
<p class="sub">Which exported messages are the same inquiry, and the double work that caused.</p>
<div class="figs">{''.join(f'<div class="fig"><b>{a}</b><span>{e(b)}</span></div>' for a, b in figures)}</div>
<div class="charts">
<section><h2>Inbound messages by channel</h2>
{_bar_chart("Inbound messages by channel", channels, color="#777")}</section>
<section><h2>Inquiries by number of channels</h2>{_bar_chart("Inquiries by number of channels", by_n)}</section>
<section><h2>Time until the same inquiry came again</h2>
{_bar_chart("Time from an inquiry's first message to each repeat", delays, color="#aa6633")}{median_line}</section>
</div>
{hint_line}
<h2>Largest inquiries</h2>
<table><thead><tr><th>group</th><th>person</th><th>messages</th><th>channels</th></tr></thead><tbody>{rows}</tbody></table>
<footer><ul>{meta}</ul>Made by <code>inbox dedup</code>. Group and person ids refer to the groups CSV; the
report holds no message text.</footer>
</body></html>
"""
