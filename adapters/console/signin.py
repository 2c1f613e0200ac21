"""Signing in to the dashboard as one of the console community's people (adapters.console.people),
so `make run` can be tried on one machine without registering a Discord or Slack app.

It is a sign-in provider like Discord's and Slack's, whose "provider page" is the dashboard's own
list of people: the dashboard shows it to browsers on this machine only, and only when the
dashboard's address is a loopback one and no platform is configured (crossings.plugins offers it
only then). The code handed back is keyed by a secret made when the process starts and bound to
the sign-in's nonce, so a code is good for the one sign-in it was made in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode, urlsplit

from adapters.console.people import PEOPLE
from bot.kernel.config import Settings
from bot.kernel.signins import SignedIn, SignInFailed, loopback


class ConsoleSignIn:
    name = "console"
    label = "the console community"
    community_label = "Console community"
    roles_label = "Roles"
    endpoint = ""  # the people are listed by the dashboard itself: no other site to allow
    local = True  # the dashboard lists `people()` itself, to browsers on this machine only

    def __init__(self, public_url: str | None) -> None:
        self.public_url = public_url
        self._secret = secrets.token_bytes(32)

    def configured(self) -> bool:
        return loopback(urlsplit(self.public_url or "").hostname)

    def people(self) -> list[tuple[str, str]]:
        """(user id, "name, standing") for each person one may sign in as."""
        return [(p.user_id, f"{p.name}, {p.standing}") for p in PEOPLE]

    def install_url(self) -> str | None:
        return None  # the console's one community lives in this process

    def authorize_url(self, state: str, nonce: str, redirect_uri: str) -> str:
        # The provider's page is the dashboard's list of people, next to the callback.
        return redirect_uri.removesuffix("/callback") + "/pick?" + urlencode({"state": state})

    def code_for(self, user_id: str, nonce: str) -> str:
        return f"{user_id}.{self._mac(user_id, nonce)}"

    def _mac(self, user_id: str, nonce: str) -> str:
        return hmac.new(self._secret, f"{user_id}|{nonce}".encode(), hashlib.sha256).hexdigest()

    async def exchange(self, code: str, nonce: str, redirect_uri: str) -> SignedIn:
        user_id, _, mac = code.rpartition(".")
        person = next((p for p in PEOPLE if p.user_id == user_id), None)
        if person is None or not nonce or not hmac.compare_digest(mac, self._mac(user_id, nonce)):
            raise SignInFailed("not a code this process made for this sign-in")
        return SignedIn(person.user_id, person.name)


def sign_in(settings: Settings) -> ConsoleSignIn:
    web = getattr(settings, "web", None)
    return ConsoleSignIn(getattr(web, "public_url", None))
