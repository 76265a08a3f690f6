"""Issue #13: start-up failures end the process at once, with one clear message and a non-zero status.

Each case runs ``python -m bot`` as a real process with a timeout: before the fix these hung for good
(aiosqlite's worker thread kept the process alive after the error) or printed a traceback.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KNOWLEDGE, LOCALES, ROOT

TIMEOUT = 60
TOKEN = "123456789:AAHsecretsecretsecretsecretsecret12"


def run_bot(*args: str, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    full_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "KNOWLEDGE_DIR": str(KNOWLEDGE),
        "LOCALES_DIR": str(LOCALES),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=full_env, input=stdin, capture_output=True,
        timeout=TIMEOUT,
    )


def bad_faq(tmp_path: Path) -> Path:
    folder = tmp_path / "bad" / "faq"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text("- id: Not A Slug\n  category: x\n", encoding="utf-8")
    return folder.parent


def good_database(tmp_path: Path) -> Path:
    path = tmp_path / "good.sqlite3"
    done = run_bot("kb", "export", str(tmp_path / "export"), env={"DATABASE_PATH": str(path)})
    assert done.returncode == 0, done.stderr
    return path


def assert_clean_failure(done: subprocess.CompletedProcess, *names: str) -> None:
    err = done.stderr.decode()
    assert done.returncode == 2, (done.returncode, err)
    assert "Traceback" not in err, err
    for name in names:
        assert name in err, err


@pytest.mark.parametrize("command", [["kb", "export", "OUT"], ["console"], ["run"]])
def test_corrupt_database_exits_at_once_naming_the_file(tmp_path, command):
    db = tmp_path / "corrupt.sqlite3"
    db.write_bytes(b"this is not a database file at all" * 200)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    done = run_bot(*args, env={"DATABASE_PATH": str(db), "BOT_TOKEN": TOKEN,
                               "TELEGRAM_API_BASE": "http://127.0.0.1:9"}, stdin=b"")
    assert_clean_failure(done, str(db), "not a database")


def test_truncated_database_exits_at_once(tmp_path):
    source = good_database(tmp_path)
    db = tmp_path / "truncated.sqlite3"
    db.write_bytes(source.read_bytes()[:1500])
    done = run_bot("kb", "export", str(tmp_path / "out"), env={"DATABASE_PATH": str(db)})
    assert_clean_failure(done, str(db))


def test_database_path_that_cannot_be_a_file_exits_at_once(tmp_path):
    db = tmp_path / "a-folder.sqlite3"
    db.mkdir()
    done = run_bot("kb", "export", str(tmp_path / "out"), env={"DATABASE_PATH": str(db)})
    assert_clean_failure(done, str(db))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes read-only files anyway")
def test_read_only_database_exits_at_once(tmp_path):
    db = good_database(tmp_path)
    for path in (db, *db.parent.glob("good.sqlite3-*")):
        path.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        done = run_bot("kb", "import", str(KNOWLEDGE), env={"DATABASE_PATH": str(db)})
    finally:
        db.parent.chmod(0o755)
    assert_clean_failure(done, str(db))


def test_a_newer_schema_than_the_code_knows_exits_at_once(tmp_path):
    db = good_database(tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 999")
    done = run_bot("kb", "export", str(tmp_path / "out"), env={"DATABASE_PATH": str(db)})
    assert_clean_failure(done, str(db), "999")


def test_missing_catalogs_exit_at_once(tmp_path):
    done = run_bot("kb", "export", str(tmp_path / "out"), env={"DATABASE_PATH": str(tmp_path / "db.sqlite3"),
                                                                 "LOCALES_DIR": str(tmp_path / "nowhere")})
    # kb export does not need the catalogs; the bot does:
    assert done.returncode == 0, done.stderr
    done = run_bot("console", env={"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "LOCALES_DIR": str(tmp_path / "nowhere")},
                   stdin=b"")
    assert_clean_failure(done, "LOCALES_DIR", str(tmp_path / "nowhere"))


def test_invalid_shipped_faq_with_an_empty_database_is_fatal(tmp_path):
    done = run_bot("run", env={"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "KNOWLEDGE_DIR": str(bad_faq(tmp_path)),
                               "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": "http://127.0.0.1:9"})
    assert_clean_failure(done, "KNOWLEDGE_DIR", "x.yaml")


def test_invalid_shipped_faq_with_a_good_database_serves_the_last_good_faq(tmp_path):
    db = good_database(tmp_path)
    out = tmp_path / "served"
    done = run_bot("kb", "export", str(out), env={"DATABASE_PATH": str(db), "KNOWLEDGE_DIR": str(bad_faq(tmp_path))})
    assert done.returncode == 0, done.stderr
    assert "serving the last good FAQ" in done.stderr.decode()
    assert len(list((out / "faq").glob("*.yaml"))) >= 6  # the whole FAQ from the database


@pytest.mark.parametrize("base", ["htp://api.telegram.org", "http://127.0.0.1:99999", "https://", "api.telegram.org"])
def test_a_malformed_api_base_is_refused_and_the_token_never_printed(tmp_path, base):
    done = run_bot("run", env={"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "BOT_TOKEN": TOKEN,
                               "TELEGRAM_API_BASE": base})
    out = done.stdout.decode() + done.stderr.decode()
    assert_clean_failure(done, "TELEGRAM_API_BASE")
    assert TOKEN not in out and TOKEN.split(":")[1] not in out


def test_kb_check_names_every_unreadable_file_without_a_traceback(tmp_path):
    faq = tmp_path / "kb" / "faq"
    faq.mkdir(parents=True)
    good = (KNOWLEDGE / "faq" / "06-using-the-bot.yaml").read_text(encoding="utf-8")
    (faq / "a-good.yaml").write_text(good, encoding="utf-8")
    (faq / "deep.yaml").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    (faq / "date.yaml").write_text(good.replace("reviewed: 2026-11-29", "reviewed: 2026-13-45"), encoding="utf-8")
    (faq / "latin1.yaml").write_bytes("- id: x\n  category: Бишкек\n".encode("cp1251"))
    (faq / "folder.yaml").mkdir()
    (faq / "broken-link.yaml").symlink_to(tmp_path / "does-not-exist.yaml")
    (faq / "loop.yaml").symlink_to(faq / "loop.yaml")
    (faq / "twice.yaml").write_text(good.replace("  category: bot\n", "  category: bot\n  category: law\n", 1),
                                    encoding="utf-8")
    done = run_bot("kb", "check", str(tmp_path / "kb"), env={})
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "Traceback" not in err
    for name, cause in [("deep.yaml", "nesting"), ("date.yaml", "month"), ("latin1.yaml", "UTF-8"),
                        ("folder.yaml", "directory"), ("broken-link.yaml", "cannot be read"),
                        ("loop.yaml", "cannot be read"), ("twice.yaml", "twice")]:
        line = next((l for l in err.splitlines() if name in l), None)
        assert line is not None and cause in line, (name, err)
    assert "a-good.yaml" not in err


def test_ask_jsonl_caps_long_lines_replaces_bad_bytes_and_never_loses_a_line(tmp_path):
    lines = [
        "акимди ким дайындайт".encode(),
        ("аким " * 2_000_000).encode(),  # 10 MB on one line
        b"\xff\xfe broken \xc3 bytes \xd0\xb0\xd0\xba\xd0\xb8\xd0\xbc",
        "Кто назначает мэра Бишкека?".encode(),
    ]
    done = run_bot("ask", "--jsonl", env={}, stdin=b"\n".join(lines) + b"\n")
    assert done.returncode == 0, done.stderr
    import json

    out = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert len(out) == 4
    assert all(len(o["query"]) <= 1000 for o in out)
    assert "\ufffd" in out[2]["query"] and "аким" in out[2]["query"]
    assert out[3]["status"] in ("answer", "suggest")


def test_db_backup_copies_the_live_database(tmp_path):
    db = good_database(tmp_path)
    copy = tmp_path / "backup" / "copy.sqlite3"
    done = run_bot("db", "backup", str(copy), env={"DATABASE_PATH": str(db)})
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM faq_entries").fetchone()[0] >= 54


def test_the_settings_table_is_generated_from_settings(tmp_path):
    done = run_bot("settings", env={})
    table = done.stdout.decode()
    assert "| `WEBHOOK_SECRET` |" in table and "| `DATABASE_PATH` |" in table
    docs = (ROOT / "docs" / "operations.md")
    if docs.exists():
        assert table.strip() in docs.read_text(encoding="utf-8"), "docs/operations.md: paste `python -m bot settings`"

