"""`crossings slack manifest` asks for every bot scope the adapter's Web API calls need: the
calls are read from the adapter's source, so a new call without its scope fails here."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.slack]

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "adapters" / "slack"

# The bot-token scopes each Web API method needs as the adapter uses it (Slack's method
# reference, docs.slack.dev/reference/methods/<method>): conversations.list asks for public and
# private channels, conversations.open for one member (a DM) or several (a private thread), and
# history is read in channels, private channels and DMs. An empty set: no scope (auth.test,
# views.*), or not a bot-token call (OAuth and Sign in with Slack).
NEEDS: dict[str, set[str]] = {
    "auth_test": set(),
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},
    "conversations_open": {"im:write", "mpim:write"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "conversations_list": {"channels:read", "groups:read"},
    "users_info": {"users:read"},
    "users_list": {"users:read"},
    "views_open": set(),
    "views_update": set(),
    "views_publish": set(),
    "files_upload_v2": {"files:write"},
    "reactions_add": {"reactions:write"},
    "oauth_v2_access": set(),
}
_FAMILIES = (
    "admin|apps|auth|bookmarks|chat|conversations|dnd|files|oauth|pins|reactions|"
    "reminders|team|usergroups|users|views"
)
_METHOD = re.compile(rf"^({_FAMILIES})_[a-z][A-Za-z0-9_]*$")


def web_api_calls() -> dict[str, list[str]]:
    """Every `client.<family>_<method>` the adapter names, with where it does."""
    found: dict[str, list[str]] = {}
    for path in sorted(ADAPTER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and _METHOD.match(node.attr)
                and not node.attr.endswith("_id")
            ):
                found.setdefault(node.attr, []).append(f"{path.name}:{node.lineno}")
    return found


@pytest.fixture(scope="module")
def manifest_scopes(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The bot scopes of `crossings slack manifest`, as an operator runs it."""
    db = tmp_path_factory.mktemp("manifest") / "bot.db"
    env = {
        "PYTHONPATH": str(ROOT),
        "PATH": "/usr/bin:/bin",
        "CROSSINGS_DATABASE_URL": f"sqlite:///{db}",
    }
    out = subprocess.run(
        [sys.executable, "-m", "crossings.cli", "slack", "manifest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(yaml.safe_load(out)["oauth_config"]["scopes"]["bot"])


def test_the_manifest_asks_for_the_scopes_of_every_call_the_adapter_makes(
    manifest_scopes: set[str],
) -> None:
    calls = web_api_calls()
    assert {"chat_postMessage", "conversations_list", "users_info"} <= calls.keys()
    unknown = {m: where for m, where in calls.items() if m not in NEEDS}
    assert not unknown, f"add the scopes of these Web API calls to NEEDS: {unknown}"
    scopes = manifest_scopes
    missing = {m: sorted(NEEDS[m] - scopes) for m in calls if NEEDS[m] - scopes}
    assert not missing, f"the manifest lacks scopes these calls need: {missing}"


def test_plain_channel_names_can_be_resolved(manifest_scopes: set[str]) -> None:
    """Clients that do not escape send `#prompts`: resolving it lists the channels."""
    assert {"channels:read", "groups:read"} <= manifest_scopes
