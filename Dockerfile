FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATABASE_PATH=/data/bot.sqlite3
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir .
COPY knowledge ./knowledge
COPY locales ./locales
# Compile the gettext catalogs at build time (the bot would also do it on start).
RUN python -c "from bot.telegram.i18n import compile_catalogs; compile_catalogs('locales')"
VOLUME ["/data"]
CMD ["python", "-m", "bot", "run"]
