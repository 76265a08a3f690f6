"""Command line: ``python -m bot [run|console|ask|kb|db|stats|settings] ...``.

Every command that opens the database closes it on every path, and every start-up failure ends the
process at once with a non-zero status and one message naming what to fix (exit status 2; 1 for
invalid FAQ files in ``kb check``/``kb import``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from typing import BinaryIO

from bot.core.knowledge import KnowledgeError, load_knowledge
from bot.core.matcher import Matcher
from bot.services.answering import MAX_QUESTION_CHARS

log = logging.getLogger("bot")
STARTUP_FAILED = 2
MAX_LINE_BYTES = 64 * 1024  # a longer line is read up to here; the rest of it is skipped, not kept


def _matcher(knowledge: str) -> Matcher:
    return Matcher(load_knowledge(knowledge))


def _write(obj: dict) -> None:
    """One JSON line on stdout, as UTF-8 whatever the terminal's encoding is."""
    data = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def stdin_questions(stream: BinaryIO) -> Iterator[str]:
    """Lines of a byte stream as text: invalid UTF-8 replaced, each line capped (memory stays flat)."""
    while True:
        line = stream.readline(MAX_LINE_BYTES)
        if not line:
            return
        if not line.endswith(b"\n") and len(line) == MAX_LINE_BYTES:
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass  # skip the rest of an over-long line
        yield line.decode("utf-8", errors="replace").rstrip("\r\n")


def cmd_ask(args: argparse.Namespace) -> int:
    matcher = _matcher(args.knowledge)
    if args.jsonl:
        for number, line in enumerate(stdin_questions(sys.stdin.buffer), start=1):
            query = line[:MAX_QUESTION_CHARS]  # the same limit as the bot
            if not query.strip():
                continue
            try:
                _write(matcher.match(query).to_json())
            except Exception as exc:  # noqa: BLE001 - one bad line must not cost the others
                log.exception("ask: line %d failed", number)
                _write({"query": query, "status": "error", "error": type(exc).__name__})
        return 0
    if not args.question:
        print("ask: give a question, or --jsonl to read questions from standard input", file=sys.stderr)
        return STARTUP_FAILED
    query = " ".join(args.question)[:MAX_QUESTION_CHARS]
    result = matcher.match(query)
    if args.json:
        _write(result.to_json())
        return 0
    entry = matcher.entry(result.entry_id) if result.entry_id else None
    lang = result.lang
    if entry is not None:
        print(f"{entry.question[lang]}\n\n{entry.answer[lang]}\n\n{entry.basis[lang]}")
        others = [matcher.entry(c.entry_id) for c in result.suggestions]
        if others:
            print("\nOther questions:")
            for e in others:
                print(f"  - {e.question[lang]}  [{e.id}]")
    elif result.suggestions:
        print("Not sure; closest questions:")
        for c in result.suggestions:
            e = matcher.entry(c.entry_id)
            print(f"  - {e.question[lang]}  [{c.entry_id}, {c.score:.2f}]")
    else:
        print("No answer in the FAQ.")
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    try:
        entries = load_knowledge(args.directory)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    print(f"{args.directory}: {len(entries)} entries, all valid")
    return 0


async def _with_admin(settings, work):
    """Open the database and the knowledge base as the bot would, run ``work(db, store, admin)``, close."""
    from bot.services.admin import KnowledgeAdmin
    from bot.startup import load_knowledge_base, open_database
    from bot.storage.faq import FaqStore
    from bot.storage.roles import Roles

    db = await open_database(settings.database_path)
    try:
        store = FaqStore(db)
        knowledge = await load_knowledge_base(store, settings.knowledge_dir)  # the same start-up rule as the bot's
        return await work(db, store, KnowledgeAdmin(store, knowledge, Roles(db), settings.admin_ids))
    finally:
        await db.close()


def cmd_kb_export(args: argparse.Namespace) -> int:
    """Write the FAQ as served (with the edits made in Telegram) to DIR/faq/*.yaml for review."""
    from bot.core.knowledge import export_to_directory

    async def work(_db, store, _admin):
        return await store.all()

    entries = asyncio.run(_with_admin(_settings(), work))
    written = export_to_directory(entries, args.directory)
    print(f"{len(entries)} entries written to {len(written)} files in {args.directory}/faq")
    return 0


def cmd_kb_import(args: argparse.Namespace) -> int:
    """Load DIR/faq/*.yaml into the database (validated first; all or nothing)."""
    entries = load_knowledge(args.directory)

    async def work(_db, _store, admin):
        return await admin.import_entries(entries, actor=None, replace=args.replace)

    counts = asyncio.run(_with_admin(_settings(), work))
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the database while the bot runs (SQLite's online backup API)."""
    from bot.startup import open_database

    settings = _settings()

    async def run() -> None:
        db = await open_database(settings.database_path)
        try:
            await db.backup(args.path)
        finally:
            await db.close()

    asyncio.run(run())
    print(f"{settings.database_path} backed up to {args.path}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """The /stats summary in the terminal (English), and with --csv the raw counts per day."""
    from bot.core.personal import clean_text, known_words
    from bot.services.stats import build_report, format_summary, to_csv
    from bot.storage.database import Database, DatabaseUnavailable
    from bot.storage.faq import FaqStore
    from bot.storage.stats import StatsQueries
    from bot.telegram.factory import StartupError

    settings = _settings()

    async def run() -> tuple[str, str]:
        try:
            db = await Database(settings.database_path).connect()
        except DatabaseUnavailable as exc:
            raise StartupError(f"DATABASE_PATH: {exc}") from exc
        try:
            entries = {e.id: e for e in await FaqStore(db).all()}
            known = known_words(t for e in entries.values() for lang in ("ky", "ru")
                                for t in (e.question[lang], e.answer[lang], e.basis[lang], *e.variants[lang]))
            report = await build_report(StatsQueries(db), args.days, clean=lambda text: clean_text(text, known, "***"))
        finally:
            await db.close()
        lang = settings.default_locale

        def title(entry_id: str) -> str | None:
            entry = entries.get(entry_id)
            return entry.question[lang][:50] if entry else None

        return format_summary(report, title=title), to_csv(report)

    summary, table = asyncio.run(run())
    print(summary)
    if args.csv:
        print()
        print(table, end="")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """The table of environment variables, generated from Settings (docs/operations.md includes it)."""
    from bot.config import Settings

    print("| name | default | meaning |\n| --- | --- | --- |")
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is None:
            shown = "(none)"
        elif isinstance(default, frozenset):
            shown = ", ".join(map(str, sorted(default))) or "(empty)"
        else:
            shown = f"`{default}`"
        print(f"| `{name.upper()}` | {shown} | {field.description or ''} |")
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import ConsoleChat

    asyncio.run(ConsoleChat(_settings()).run())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.bot_token is None:
        print("BOT_TOKEN is not set: starting the console chat. Put BOT_TOKEN=... in .env (or the "
              "environment) to connect to Telegram.", file=sys.stderr)
        return cmd_console(args)
    if settings.webhook_mode:
        from bot.webhook import run_webhook

        asyncio.run(run_webhook(settings))
        return 0
    from bot.polling import run_polling

    asyncio.run(run_polling(settings))
    return 0


_SETTINGS = None


def _settings():
    """The settings, read once; logging is set up with them (the token is redacted from every line)."""
    global _SETTINGS
    if _SETTINGS is None:
        from bot.config import Settings
        from bot.logging_setup import setup_logging

        _SETTINGS = Settings()
        token = _SETTINGS.bot_token.get_secret_value() if _SETTINGS.bot_token else ""
        setup_logging(_SETTINGS.log_level, secrets=(token,))
    return _SETTINGS


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 366:
        raise argparse.ArgumentTypeError("a number of days from 1 to 366")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="ukuk-bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="the bot: webhook with WEBHOOK_URL, else long polling with BOT_TOKEN, else the console (default)").set_defaults(func=cmd_run)
    sub.add_parser("console", help="chat in the terminal, no Telegram needed").set_defaults(func=cmd_console)
    ask = sub.add_parser("ask", help="answer questions as JSON, for scripts and measuring")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--knowledge", default="knowledge", help="folder with faq/*.yaml (default: knowledge)")
    ask.add_argument("--json", action="store_true", help="one JSON object")
    ask.add_argument("--jsonl", action="store_true", help="one question per stdin line, one JSON object per line")
    ask.set_defaults(func=cmd_ask)
    kb = sub.add_parser("kb", help="work with the FAQ files")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="validate FAQ files without loading them anywhere")
    check.add_argument("directory", nargs="?", default="knowledge")
    check.set_defaults(func=cmd_kb_check)
    export = kb_sub.add_parser("export", help="write the FAQ from the database (DATABASE_PATH) to DIR/faq/*.yaml")
    export.add_argument("directory")
    export.set_defaults(func=cmd_kb_export)
    imp = kb_sub.add_parser("import", help="load DIR/faq/*.yaml into the database, validated, all or nothing")
    imp.add_argument("directory")
    imp.add_argument("--replace", action="store_true", help="entries missing from DIR are deleted")
    imp.set_defaults(func=cmd_kb_import)
    db = sub.add_parser("db", help="the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    backup = db_sub.add_parser("backup", help="copy the live database to PATH (safe while the bot runs)")
    backup.add_argument("path")
    backup.set_defaults(func=cmd_db_backup)
    stats = sub.add_parser("stats", help="what people asked and how the FAQ did (the /stats summary)")
    stats.add_argument("--days", type=_days, default=7, help="the last N days, today included (1 to 366; default 7)")
    stats.add_argument("--csv", action="store_true", help="also print the raw counts per day as CSV")
    stats.set_defaults(func=cmd_stats)
    sub.add_parser("settings", help="print the environment variables as a Markdown table").set_defaults(func=cmd_settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    from bot.logging_setup import setup_logging
    from bot.startup import StartupError

    global _SETTINGS
    _SETTINGS = None
    setup_logging()
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", cmd_run)
    try:
        return func(args)
    except KnowledgeError as exc:
        print("The FAQ files are invalid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        print("The settings are invalid:", file=sys.stderr)
        for error in exc.errors(include_input=False, include_url=False):
            where = ".".join(str(p) for p in error["loc"]).upper() or "settings"
            print(f"  {where}: {error['msg']}", file=sys.stderr)
        return STARTUP_FAILED
    except StartupError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return STARTUP_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
