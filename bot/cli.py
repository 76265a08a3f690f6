"""Command line: ``python -m bot [run|console|ask|kb] ...``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from bot.core.knowledge import KnowledgeError, load_knowledge
from bot.core.matcher import Matcher

log = logging.getLogger("bot")


def _matcher(knowledge: str) -> Matcher:
    return Matcher(load_knowledge(knowledge))


def cmd_ask(args: argparse.Namespace) -> int:
    matcher = _matcher(args.knowledge)
    if args.jsonl:
        for line in sys.stdin:
            query = line.rstrip("\n")
            if query.strip():
                print(json.dumps(matcher.match(query).to_json(), ensure_ascii=False), flush=True)
        return 0
    if not args.question:
        print("ask: give a question, or --jsonl to read questions from standard input", file=sys.stderr)
        return 2
    query = " ".join(args.question)
    result = matcher.match(query)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return 0
    entry = matcher.entry(result.entry_id) if result.entry_id else None
    lang = result.lang
    if entry is not None:
        print(f"{entry.question[lang]}\n\n{entry.answer[lang]}\n\n{entry.basis[lang]}")
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


async def _kb_admin(settings):
    from bot.services.admin import KnowledgeAdmin
    from bot.services.knowledge import KnowledgeBase
    from bot.storage.database import Database, FaqStore, Roles

    db = await Database(settings.database_path).connect()
    store = FaqStore(db)
    knowledge = KnowledgeBase(store)
    await knowledge.load_shipped(settings.knowledge_dir)  # the same start-up rule as the bot's
    return db, store, KnowledgeAdmin(store, knowledge, Roles(db), settings.admin_ids)


def cmd_kb_export(args: argparse.Namespace) -> int:
    """Write the FAQ as served (with the edits made in Telegram) to DIR/faq/*.yaml for review."""
    from bot.config import Settings
    from bot.core.knowledge import export_to_directory

    async def run() -> int:
        db, store, _admin = await _kb_admin(Settings())
        try:
            entries = await store.all()
        finally:
            await db.close()
        written = export_to_directory(entries, args.directory)
        print(f"{len(entries)} entries written to {len(written)} files in {args.directory}/faq")
        return 0

    return asyncio.run(run())


def cmd_kb_import(args: argparse.Namespace) -> int:
    """Load DIR/faq/*.yaml into the database (validated first; all or nothing)."""
    from bot.config import Settings

    entries = load_knowledge(args.directory)

    async def run() -> int:
        db, _store, admin = await _kb_admin(Settings())
        try:
            counts = await admin.import_entries(entries, actor=None, replace=args.replace)
        finally:
            await db.close()
        print(", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0

    return asyncio.run(run())


def cmd_console(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.console import ConsoleChat

    asyncio.run(ConsoleChat(Settings()).run())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.config import Settings

    settings = Settings()
    if settings.bot_token is None:
        print("BOT_TOKEN is not set: starting the console chat. Put BOT_TOKEN=... in .env (or the "
              "environment) to connect to Telegram.", file=sys.stderr)
        return cmd_console(args)
    from bot.polling import run_polling

    asyncio.run(run_polling(settings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="ukuk-bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="long polling with BOT_TOKEN, else the console (default)").set_defaults(func=cmd_run)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.logging_setup import setup_logging

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
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

