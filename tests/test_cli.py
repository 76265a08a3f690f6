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
