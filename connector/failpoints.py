"""Named failpoints: places where a test can make the process die on purpose.

In production they cost one dictionary lookup and do nothing. A reliability
test starts the real process with `LEADFLOW_FAILPOINTS=name:N[,name:N...]`;
the N-th time execution reaches `hit("name")`, the process SIGKILLs itself,
exactly as a power cut or an OOM kill would stop it (no cleanup, no flush).
"""

from __future__ import annotations

import os
import signal
import threading

ENVIRONMENT_VARIABLE = "LEADFLOW_FAILPOINTS"


def _parse(raw: str) -> dict[str, int]:
    armed = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, count = item.partition(":")
        armed[name] = int(count or 1)
    return armed


_armed = _parse(os.environ.get(ENVIRONMENT_VARIABLE, ""))
_hits: dict[str, int] = {}
_lock = threading.Lock()


def hit(name: str) -> None:
    """Mark that execution reached `name`; die here if a test armed it for this hit."""
    if name not in _armed:
        return
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        if _hits[name] == _armed[name]:
            os.kill(os.getpid(), signal.SIGKILL)
