"""What the question log says about the FAQ (no aiogram here): questions per day by outcome and the answer
rate, the entries shown most, languages, 👍/👎, tickets and how fast officials answer, and the questions
asked most often that the FAQ could not answer (grouped by their normalised words). The same report is
sent by /stats (text, chart, CSV) and printed by ``python -m bot stats``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.analysis import analyze
from bot.storage.stats import StatsQueries

OUTCOMES = ("answered", "suggested", "none", "escalated")
PERIODS = (7, 30, 90)
MAX_DAYS = 366


@dataclass
class Day:
    day: dt.date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    up: int = 0
    down: int = 0
    picked: int = 0
    tickets_opened: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rate(self) -> float | None:
        """Share of the day's questions the FAQ answered directly (None on a day without questions)."""
        return self.counts["answered"] / self.total if self.total else None


@dataclass(frozen=True)
class EntryCount:
    entry_id: str
    shown: int
    up: int
    down: int


@dataclass(frozen=True)
class Frequent:
    example: str  # the newest question of the group, cleaned of names and phone numbers
    count: int


@dataclass
class StatsReport:
    days: int
    first: dt.date
    last: dt.date
    per_day: list[Day]
    languages: dict[str, int]
    top_entries: list[EntryCount]
    tickets_opened: int
    tickets_answered: int
    median_answer_hours: float | None
    frequent_unanswered: list[Frequent]

    def total(self, outcome: str | None = None) -> int:
        return sum(d.total if outcome is None else d.counts[outcome] for d in self.per_day)

    @property
    def answer_rate(self) -> float | None:
        total = self.total()
        return self.total("answered") / total if total else None

    @property
    def up(self) -> int:
        return sum(d.up for d in self.per_day)

    @property
    def down(self) -> int:
        return sum(d.down for d in self.per_day)

    @property
    def picked(self) -> int:
        return sum(d.picked for d in self.per_day)


def group_key(text: str, lang: str) -> tuple[str, ...]:
    """Questions that differ only in word forms, order, case or punctuation share a key."""
    return tuple(sorted(set(analyze(text[:1000], lang if lang in ("ky", "ru") else "ky"))))


def _hours(start: str, end: str) -> float:
    return (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds() / 3600


async def build_report(queries: StatsQueries, days: int, *, today: dt.date | None = None,
                       clean: Callable[[str], str] = lambda text: text, top: int = 5, frequent: int = 5) -> StatsReport:
    """The last ``days`` days up to ``today`` (UTC), today included."""
    days = max(1, min(days, MAX_DAYS))
    last = today or dt.datetime.now(dt.UTC).date()
    first = last - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC).isoformat(timespec="seconds")
    per_day = {first + dt.timedelta(days=i): Day(first + dt.timedelta(days=i)) for i in range(days)}

    def day_of(value: str) -> Day | None:
        try:
            return per_day.get(dt.date.fromisoformat(value[:10]))
        except ValueError:
            return None

    for row in await queries.outcomes(since):
        if (day := day_of(row["day"])) is not None:
            day.counts[row["outcome"]] += row["n"]
    for row in await queries.votes_by_day(since):
        if (day := day_of(row["day"])) is not None:
            day.up, day.down, day.picked = row["up"], row["down"], row["picked"]
    tickets = await queries.tickets(since)
    waits = []
    for row in tickets:
        if (day := day_of(row["created_at"])) is not None:
            day.tickets_opened += 1
        if row["first_answer"]:
            waits.append(_hours(row["created_at"], row["first_answer"]))
    groups: Counter[tuple[str, ...]] = Counter()
    examples: dict[tuple[str, ...], str] = {}
    for row in await queries.unanswered(since):
        text = clean(row["text"])  # names and phone numbers neither group questions apart nor are shown
        key = group_key(text, row["question_lang"] or row["lang"])
        if not key:
            continue
        groups[key] += 1
        examples.setdefault(key, text)  # newest first: the newest wording stands for the group
    frequent_rows = sorted(groups.items(), key=lambda kv: (-kv[1], examples[kv[0]]))[:frequent]
    return StatsReport(
        days=days,
        first=first,
        last=last,
        per_day=list(per_day.values()),
        languages={row["lang"]: row["n"] for row in await queries.languages(since)},
        top_entries=[EntryCount(r["entry_id"], r["shown"], r["up"], r["down"])
                     for r in await queries.answers_by_entry(since, top)],
        tickets_opened=len(tickets),
        tickets_answered=len(waits),
        median_answer_hours=statistics.median(waits) if waits else None,
        frequent_unanswered=[Frequent(" ".join(examples[key].split()), count) for key, count in frequent_rows],
    )


def to_csv(report: StatsReport) -> str:
    """One row per day: the raw counts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", *OUTCOMES, "questions", "answer_rate", "thumbs_up", "thumbs_down", "suggestions_picked",
                     "tickets_opened"])
    for d in report.per_day:
        writer.writerow([d.day.isoformat(), *(d.counts[o] for o in OUTCOMES), d.total,
                         "" if d.rate is None else f"{d.rate:.3f}", d.up, d.down, d.picked, d.tickets_opened])
    return out.getvalue()


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def format_summary(report: StatsReport, _: Callable[[str], str] = lambda text: text,
                   escape: Callable[[str], str] = lambda text: text, bold: Callable[[str], str] = lambda text: text,
                   title: Callable[[str], str | None] = lambda entry_id: None) -> str:
    """The text summary. ``_`` translates (the identity in the terminal: English), ``escape`` and ``bold``
    make it HTML for Telegram; ``title`` gives an entry's question to show beside its id."""
    lines = [
        bold(_("Statistics for {days} days ({first} – {last}, UTC)").format(
            days=report.days, first=report.first.isoformat(), last=report.last.isoformat())),
        "",
        _("Questions: {total}; answered {answered}, suggestions {suggested}, not found {none}, sent to officials "
          "{escalated}. Answer rate: {rate}.").format(
            total=report.total(), rate=percent(report.answer_rate), **{o: report.total(o) for o in OUTCOMES}),
        _("Languages: {languages}").format(
            languages=", ".join(f"{escape(lang)} {n}" for lang, n in report.languages.items()) or "—"),
        _("👍 {up} / 👎 {down} ({share} 👍); suggestions picked: {picked}").format(
            up=report.up, down=report.down,
            share=percent(report.up / (report.up + report.down) if report.up + report.down else None),
            picked=report.picked),
        _("Tickets: {opened} opened, {answered} answered; median time to an official's answer: {median}").format(
            opened=report.tickets_opened, answered=report.tickets_answered,
            median="—" if report.median_answer_hours is None else _("{hours} h").format(
                hours=f"{report.median_answer_hours:.1f}")),
        "",
        bold(_("Answers shown most:")),
    ]
    if not report.top_entries:
        lines.append("—")
    for item in report.top_entries:
        name = title(item.entry_id)
        lines.append(f"• {escape(item.entry_id)}" + (f" ({escape(name)})" if name else "")
                     + f": {item.shown} · 👍 {item.up} · 👎 {item.down}")
    lines += ["", bold(_("Asked most often without an answer:"))]
    if not report.frequent_unanswered:
        lines.append("—")
    for item in report.frequent_unanswered:
        lines.append(f"• {item.count} × {escape(item.example[:200])}")
    return "\n".join(lines)
