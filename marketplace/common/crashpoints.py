"""Named points where a test makes the running process die, to prove exactly-once.

``crash_point("settlement.after_provider_call")`` does nothing unless the process
was started with ``MARKETPLACE_CRASH_AT`` naming that point (a comma-separated list
is allowed): then the process SIGKILLs itself there, as a machine losing power
would, with no ``finally`` block, no rollback message and no broker ack. Only the
worker processes of the kill tests (tests/flows/test_settlement_kill.py) set it;
production settings refuse to start with it set.
"""

from __future__ import annotations

import os
import signal

ENV_VAR = "MARKETPLACE_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here, at once, if ``MARKETPLACE_CRASH_AT`` names ``name``."""
    wanted = os.environ.get(ENV_VAR)
    if wanted and name in wanted.split(","):
        os.kill(os.getpid(), signal.SIGKILL)
