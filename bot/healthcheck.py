"""The container's HEALTHCHECK: in webhook mode ``GET /healthz`` must answer 200; in polling mode (no HTTP
server) the process being alive is the check. Exit status 0 healthy, 1 not.

    python -m bot.healthcheck
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    if not os.environ.get("WEBHOOK_URL"):
        return 0
    port = os.environ.get("WEBHOOK_PORT", "8080")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"healthz: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
