"""/stats and `python -m bot stats`: counts from a seeded question log, the PNG chart, the CSV."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys

import pytest
from aiogram.methods import SendDocument, SendPhoto

from bot.cli import build_parser
from bot.services.stats import build_report, to_csv
from bot.telegram.callbacks import LanguageChoice, StatsView
from tests.conftest import ROOT
from tests.harness import BotHarness

ADMIN = 900
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def seed(h: BotHarness) -> dt.date:
    """Three days of questions: answers, suggestions, nothing found (twice the same question in other
    words), one escalated and answered by an official 3 hours later; votes on answers."""
    services = h.services
    today = dt.datetime.now(dt.UTC).date()

    async def ask(text: str, status: str, days_ago: int, entry: str | None = None, lang: str = "ru") -> int:
        qid = await services.question_log.record(user_id=100 + days_ago, chat_id=100 + days_ago, text=text, lang=lang,
                                                 status=status, entry_id=entry)
        stamp = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(10), tzinfo=dt.UTC)
        await services.db.execute("UPDATE questions SET created_at = ? WHERE id = ?", (stamp.isoformat(), qid))
        if entry:
            shown = await services.feedback.shown(user_id=100 + days_ago, entry_id=entry, lang=lang, source="match",
                                                  question_id=qid)
            await services.db.execute("UPDATE shown_answers SET created_at = ? WHERE id = ?", (stamp.isoformat(), shown))
        return qid

    a = await ask("Кто назначает акима района?", "answer", 0, "akim-appointment")
    await ask("Аким ким дайындайт?", "answer", 1, "akim-appointment", "ky")
    await ask("мэр", "suggest", 1)
    await ask("Как поменять водительские права? Айбек 0555123456", "none", 2)
    await ask("как поменять права водительские", "none", 0)
    await ask("Сколько стоит паспорт?", "none", 0)
    escalated = await ask("Где получить справку?", "none", 2)
    await ask("Салам", "greeting", 0)  # not a question: not counted
    await ask("Кто назначает акима района?", "answer", 40, "akim-appointment")  # outside 7 days
    shown = (await services.db.fetchone("SELECT id FROM shown_answers WHERE question_id = ?", (a,)))["id"]
    await services.feedback.vote(shown, 100, 1)
    created = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(10), tzinfo=dt.UTC)
    ticket, _ = await services.tickets.create(question_id=escalated, user_id=102, chat_id=102, asker_name="A",
                                              lang="ru", text="Где получить справку?", candidates=[], now=created)
    answer, _ = await services.tickets.add_answer(ticket.id, 700, "Official", "В ЦОНе.")
    await services.db.execute("UPDATE ticket_answers SET created_at = ? WHERE id = ?",
                              ((created + dt.timedelta(hours=3)).isoformat(), answer.id))
    return today


async def test_report_counts_and_groups(harness: BotHarness):
    today = await seed(harness)
    report = await build_report(harness.services.stats, 7, today=today, clean=harness.services.privacy.clean)
    assert len(report.per_day) == 7 and report.last == today
    assert {o: report.total(o) for o in ("answered", "suggested", "none", "escalated")} == \
        {"answered": 2, "suggested": 1, "none": 3, "escalated": 1}
    assert report.answer_rate == pytest.approx(2 / 7)
    assert report.per_day[-1].counts["answered"] == 1 and report.per_day[-1].counts["none"] == 2
    assert report.languages == {"ru": 6, "ky": 1}
    assert report.up == 1 and report.down == 0
    assert report.top_entries[0].entry_id == "akim-appointment" and report.top_entries[0].shown == 2
    assert report.tickets_opened == 1 and report.tickets_answered == 1
    assert report.median_answer_hours == pytest.approx(3.0)
    top = report.frequent_unanswered[0]
    assert top.count == 2 and "права" in top.example  # two wordings, one group
    assert all("0555" not in f.example and "Айбек" not in f.example for f in report.frequent_unanswered)
    lines = to_csv(report).splitlines()
    assert lines[0].startswith("date,answered,suggested,none,escalated,questions,answer_rate")
    assert len(lines) == 8 and lines[-1].startswith(today.isoformat() + ",1,0,2,0,3,0.333,1,0")


async def test_chart_is_a_valid_png(harness: BotHarness):
    from bot.services.chart import render_png

    today = await seed(harness)
    for days in (7, 90):
        report = await build_report(harness.services.stats, days, today=today)
        png = render_png(report, {"title": "Суроолор · Вопросы", "answered": "жооп берилди"})
        assert png.startswith(PNG_SIGNATURE)
        import matplotlib.image

        image = matplotlib.image.imread(io.BytesIO(png), format="png")
        assert image.shape[0] == 450 and image.shape[1] == 900 and image.shape[2] in (3, 4)


async def test_stats_command_sends_chart_summary_and_csv(harness: BotHarness):
    h = harness
    await seed(h)
    admin = h.user(ADMIN, "Admin")
    await h.press(LanguageChoice(code="ru").pack(), user=admin)
    h.clear()
    await h.send("/stats", user=admin)
    [photo] = h.session.calls(SendPhoto)
    assert photo.photo.data.startswith(PNG_SIGNATURE)
    summary = h.last_text()
    assert "Статистика за 7 дн." in summary and "Вопросов: 7" in summary and "akim-appointment" in summary
    assert "0555" not in summary and "Айбек" not in summary
    periods = [StatsView.unpack(d) for _, d in h.buttons()]
    assert [(p.days, p.csv) for p in periods] == [(7, False), (30, False), (90, False), (30, True)]

    h.clear()
    await h.press(StatsView(days=90, csv=False).pack(), user=admin)
    assert "Статистика за 90 дн." in h.last_text() and len(h.session.calls(SendPhoto)) == 1

    h.clear()
    await h.send("/stats csv 30", user=admin)
    [document] = h.session.calls(SendDocument)
    assert document.document.filename == "stats-30d.csv"
    assert document.document.data.decode().count("\n") == 31
    await h.send("/stats 9999", user=admin)
    assert "/stats" in h.last_text()


async def test_cli_stats_prints_the_summary_and_csv(harness: BotHarness, settings):
    await seed(harness)
    env = {**os.environ, "DATABASE_PATH": str(settings.database_path), "KNOWLEDGE_DIR": str(ROOT / "knowledge")}
    proc = subprocess.run([sys.executable, "-m", "bot", "stats", "--days", "7", "--csv"], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Statistics for 7 days" in proc.stdout and "Questions: 7" in proc.stdout
    assert "date,answered,suggested" in proc.stdout and "0555" not in proc.stdout
    with pytest.raises(SystemExit):
        build_parser().parse_args(["stats", "--days", "0"])
