"""What can be checked of the container without a Docker engine (none runs on this machine or in CI).

1. The Dockerfile: two stages, every COPY source exists, a non-root user, the database on a volume, a
   HEALTHCHECK, and the entry command.
2. The image's contents, rebuilt by hand: the bot's wheel is built from the repository and installed into
   a fresh virtualenv; a folder holds only what the Dockerfile copies (knowledge/, locales/ with the
   catalogs compiled as the build stage compiles them); the entry command runs from there, in webhook
   mode, against the fake Telegram server; the HEALTHCHECK command passes; SIGTERM stops it cleanly.
   One honest shortcut: the fresh virtualenv takes the third-party dependencies from this test run's
   environment (a .pth file) instead of downloading them again; the bot's own code comes only from the
   wheel (the repository is not on its path).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import aiohttp

from tests.conftest import ROOT
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.test_end_to_end import free_port

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    return [(line.split()[0].upper(), line.split(maxsplit=1)[1]) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_dockerfile_builds_in_two_stages_and_runs_as_a_non_root_user():
    steps = instructions()
    stages = [args for op, args in steps if op == "FROM"]
    assert len(stages) == 2 and stages[0].endswith("AS build") and stages[1].endswith("AS runtime")
    runtime = steps[[i for i, (op, _) in enumerate(steps) if op == "FROM"][1]:]
    for op, args in steps:
        if op == "COPY" and "--from=" not in args:
            *sources, _target = args.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    users = [args for op, args in runtime if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(op == "VOLUME" and "/data" in args for op, args in runtime)
    assert any(op == "HEALTHCHECK" and "bot.healthcheck" in args for op, args in runtime)
    assert ("CMD", '["python", "-m", "bot", "run"]') in runtime
    env = " ".join(args for op, args in runtime if op == "ENV")
    assert "DATABASE_PATH=/data/" in env and "KNOWLEDGE_DIR=/app/knowledge" in env and "LOCALES_DIR=/app/locales" in env
    assert "compile_catalogs" in " ".join(args for op, args in steps if op == "RUN")
    assert (ROOT / ".dockerignore").read_text().count(".venv") == 1
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "ukuk-data:/data" in compose and "reverse-proxy" in compose


def build_image_contents(tmp_path: Path) -> tuple[Path, Path]:
    """(python of a fresh virtualenv with the wheel installed, the /app folder as the image has it)."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "--wheel-dir", str(wheels), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("ukuk_bot-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # third-party packages only
    app = tmp_path / "app"
    app.mkdir()
    for folder in ("knowledge", "locales"):  # what `COPY knowledge /app/knowledge` and `COPY locales ...` bring
        shutil.copytree(ROOT / folder, app / folder, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    build_step = next(args for op, args in instructions() if op == "RUN" and "compile_catalogs" in args)
    snippet = re.search(r'-c "([^"]+)"', build_step).group(1).replace("/app/locales", str(app / "locales"))
    subprocess.run([str(python), "-c", snippet], check=True, cwd=app, timeout=120)
    return python, app


async def test_the_image_entry_command_starts_the_bot_from_the_built_wheel(tmp_path):
    python, app = build_image_contents(tmp_path)
    where = subprocess.run([str(python), "-c", "import bot; print(bot.__file__)"], cwd=app, capture_output=True,
                           text=True, env={"PATH": os.environ["PATH"]}).stdout
    assert str(ROOT) not in where and "venv" in where  # the wheel's code, not the repository's

    telegram = FakeTelegram()
    await telegram.start()
    port = free_port()
    env = {"PATH": os.environ["PATH"], "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": telegram.base_url,
           "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"), "KNOWLEDGE_DIR": str(app / "knowledge"),
           "LOCALES_DIR": str(app / "locales"), "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
           "WEBHOOK_SECRET": "image-test", "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port)}
    (app / "locales").chmod(0o555)  # read-only, as for the image's non-root user
    proc = await asyncio.create_subprocess_exec(str(python), "-m", "bot", "run", cwd=app, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        await telegram.wait_for_call("setWebhook", timeout=60)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
        check = await asyncio.create_subprocess_exec(str(python), "-m", "bot.healthcheck", cwd=app, env=env)
        assert await check.wait() == 0
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        output = (await proc.stdout.read()).decode()
        assert "Traceback" not in output, output
    finally:
        (app / "locales").chmod(0o755)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await telegram.stop()
