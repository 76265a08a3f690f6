"""`python -m bot ask` and `python -m bot kb check`, run as a user would run them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import KNOWLEDGE, ROOT

KEYS = {"query", "lang", "status", "id", "score", "suggestions"}


def run_bot(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def check_shape(obj: dict) -> None:
    assert set(obj) == KEYS
    assert obj["lang"] in ("ky", "ru")
    assert obj["status"] in ("answer", "suggest", "none")
    assert isinstance(obj["score"], int | float)
    assert (obj["id"] is not None) == (obj["status"] == "answer")
    for s in obj["suggestions"]:
        assert set(s) == {"id", "score"}
    if obj["status"] == "suggest":
        assert 1 <= len(obj["suggestions"]) <= 3


def test_ask_json_single_question():
    proc = run_bot("ask", "--knowledge", str(KNOWLEDGE), "--json", "туулган районуна аким болсо болобу?")
    assert proc.returncode == 0, proc.stderr
    obj = json.loads(proc.stdout)
    check_shape(obj)
    assert obj["status"] == "answer" and obj["id"] == "akim-native-restriction" and obj["lang"] == "ky"


def test_ask_jsonl_one_object_per_line():
    questions = ["Кто входит в состав коллегии МГА?", "Сколько стоит хлеб?", "мэр", "привет"]
    proc = run_bot("ask", "--knowledge", str(KNOWLEDGE), "--jsonl", stdin="\n".join(questions) + "\n")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == len(questions)
    objects = [json.loads(line) for line in lines]
    for q, obj in zip(questions, objects, strict=True):
        check_shape(obj)
        assert obj["query"] == q
    assert objects[0]["id"] == "lsa-collegium" and objects[0]["lang"] == "ru"
    assert objects[1]["status"] != "answer"  # out of scope: never a confident answer
    assert objects[3]["status"] == "none"


def test_kb_check_reports_problems(tmp_path):
    (tmp_path / "bad.yaml").write_text("- id: Bad Id\n  category: x\n", encoding="utf-8")
    proc = run_bot("kb", "check", str(tmp_path))
    assert proc.returncode == 1
    assert "bad.yaml: entry 'Bad Id': field 'id'" in proc.stderr
    ok = run_bot("kb", "check", str(KNOWLEDGE))
    assert ok.returncode == 0 and "all valid" in ok.stdout


def test_kb_export_import_round_trip_through_the_database(tmp_path):
    import os

    from bot.core.knowledge import load_knowledge

    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "db.sqlite3"), "KNOWLEDGE_DIR": str(KNOWLEDGE)}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)

    out = tmp_path / "exported"
    proc = run("kb", "export", str(out))
    assert proc.returncode == 0, proc.stderr
    exported = {e.id: e.to_dict() for e in load_knowledge(out)}
    shipped = {e.id: e.to_dict() for e in load_knowledge(KNOWLEDGE)}
    assert exported == shipped
    # the files keep their names and header comments
    assert sorted(p.name for p in (out / "faq").glob("*.yaml")) == sorted(p.name for p in (KNOWLEDGE / "faq").glob("*.yaml"))
    assert (out / "faq" / "01-law.yaml").read_text(encoding="utf-8").startswith("- id:")  # fresh dir: no header to keep

    # edit one file, import it, export again: the change went through the database
    law = out / "faq" / "01-law.yaml"
    law.write_text(law.read_text(encoding="utf-8").replace("Принят Жогорку Кенешем", "Принят ЖК"), encoding="utf-8")
    proc = run("kb", "import", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "updated 1" in proc.stdout
    again = tmp_path / "again"
    assert run("kb", "export", str(again)).returncode == 0
    assert "Принят ЖК" in (again / "faq" / "01-law.yaml").read_text(encoding="utf-8")

    bad = tmp_path / "bad" / "faq"
    bad.mkdir(parents=True)
    (bad / "x.yaml").write_text("- id: x\n", encoding="utf-8")
    proc = run("kb", "import", str(tmp_path / "bad"))
    assert proc.returncode == 1 and "x.yaml: entry 'x'" in proc.stderr
