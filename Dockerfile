# syntax=docker/dockerfile:1
# ukuk-bot: two stages. The build stage makes a virtualenv with the bot's wheel and its dependencies and
# compiles the gettext catalogs; the runtime stage copies only those, runs as a non-root user, and keeps
# the database on a volume. tests/test_container.py checks what can be checked without a Docker engine.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/venv/bin/pip install --upgrade pip && /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install /wheels/*.whl
COPY knowledge /app/knowledge
COPY locales /app/locales
# The catalogs are compiled here, once: the runtime image's files are read-only for the bot's user.
RUN /opt/venv/bin/python -c "from bot.telegram.i18n import compile_catalogs; compile_catalogs('/app/locales')"

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    DATABASE_PATH=/data/bot.sqlite3 KNOWLEDGE_DIR=/app/knowledge LOCALES_DIR=/app/locales \
    WEBHOOK_HOST=0.0.0.0 WEBHOOK_PORT=8080
RUN groupadd --system --gid 10001 ukuk && useradd --system --uid 10001 --gid ukuk --home-dir /app ukuk \
    && mkdir -p /data && chown ukuk:ukuk /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
VOLUME ["/data"]
USER ukuk
EXPOSE 8080
# In webhook mode: GET /healthz must answer; in polling mode there is no server and the check passes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-m", "bot.healthcheck"]
CMD ["python", "-m", "bot", "run"]
