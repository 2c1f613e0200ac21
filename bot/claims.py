"""Exactly-once claims: insert a unique row before doing the work; a loser sees the conflict."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.store.models import Claim

PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim(session: Session, kind: str, key: str, fire_at: datetime, now: datetime) -> bool:
    """True when this caller owns the run (kind, key, fire_at). Runs in a savepoint so a lost
    race leaves the caller's transaction usable."""
    try:
        with session.begin_nested():
            session.add(
                Claim(kind=kind, key=key, fire_at=fire_at, owner=PROCESS_ID, claimed_at=now)
            )
    except IntegrityError:
        return False
    return True
