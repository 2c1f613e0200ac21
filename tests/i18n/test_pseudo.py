"""The pseudo-locale en-XA: every catalog string comes out accented and longer, and running the
commands through it shows which replies still carry English that never went through a catalog."""

from __future__ import annotations

import re
import string

import pytest

from bot.kernel import i18n
from bot.kernel.app import App
from bot.kernel.events import Actor, CommandInvoked, MessageRef, Place
from bot.kernel.forms import Form
from bot.kernel.message import Message
from bot.kernel.pseudo import CLOSE, OPEN, is_pseudo, pseudo
from tests.conftest import START

pytestmark = pytest.mark.i18n


def _values(text: str) -> dict[str, object]:
    return {name: 7 for _, name, _, _ in string.Formatter().parse(text) if name}


def test_en_xa_is_selectable_like_any_locale() -> None:
    assert "en-XA" in i18n.locales()
    assert set(i18n.catalogs()["en-XA"]) == set(i18n.catalogs()["en"])


def test_every_catalog_string_is_transformed_and_lengthened() -> None:
    english = i18n.catalog("en")
    assert english is not None
    checked = 0
    for key in sorted(english.texts) + sorted(english.plurals):
        forms = english.plurals[key].forms if key in english.plurals else (english.texts[key],)
        var = english.plurals[key].var if key in english.plurals else None
        for n, source in zip((1, 5), forms, strict=False):
            values = _values(source) | ({var: n} if var else {})
            shown = i18n.t(key, "en-XA", **values)
            plain = source.format(**values) if values else source
            assert is_pseudo(shown) and shown != plain, key
            assert len(shown.strip()) > len(plain.strip()) * 1.2, key
            letters = re.sub(r"\{[^}]*\}|/[a-z][\w-]*|`[^`]*`|<[^>]*>|https?://\S+", "", source)
            assert not re.search(r"[A-Za-z]{4,}", pseudo(letters)), key
            checked += 1
    assert checked >= 320


def test_placeholders_markup_and_commands_survive() -> None:
    text = pseudo("**Delivery failed** ({kind}): use /help in <#{channel}> or `code`.")
    assert text.startswith(OPEN) and text.rstrip().endswith(CLOSE)
    for kept in ("**", "{kind}", "/help", "<#{channel}>", "`code`"):
        assert kept in text
    assert "Delivery" not in text
    assert i18n.t("core.settings.queue_set", "en-XA", channel="123").count("<#123>") == 1


# Replies that still show English without a catalog, by reason; a new one fails the test.
REGISTRY_TEXT = "option errors and /help descriptions come from the command registry"
CONTENT_DATA = "names from content data (support topics, rule ids, helplines, pack titles)"
KNOWN = {
    "help": REGISTRY_TEXT,
    "support topics": CONTENT_DATA,
    "automod list": CONTENT_DATA,
    "prompt themes": CONTENT_DATA,
    "support helplines": CONTENT_DATA,
    "help-now": CONTENT_DATA,
    "prompt import": "the form's placeholder is a YAML example",
}
_REGISTRY_ERROR = re.compile(r"^'[\w-]+' is required: ")


def _english_words() -> set[str]:
    words: set[str] = set()
    for text in i18n.catalogs()["en"].values():
        plain = re.sub(r"\{[^}]*\}|/[a-z][\w-]*( [a-z-]+)?|`[^`]*`", "", text)
        words |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", plain)}
    # UI words that platforms show but no catalog text happens to contain.
    words |= {"submit", "cancel", "close", "choose"}
    return words - {"crossings", "automod", "json", "yaml"}


def _action_texts(action: object) -> list[str]:
    """What a member reads from one action: a message's parts, or a form's labels."""
    message, form = getattr(action, "message", None), getattr(action, "form", None)
    parts: list[str] = []
    if isinstance(message, Message):
        parts = [message.title or "", message.text or "", message.footer or ""]
        parts += [f"{f.name} {f.value}" for f in message.fields]
        parts += [
            str(getattr(c, "label", "") or getattr(c, "placeholder", ""))
            for c in message.components()
        ]
    elif isinstance(form, Form):
        parts = [form.title, form.submit_label]
        parts += [f"{f.label} {f.placeholder}" for f in form.fields]
    return [p for p in parts if p]


def _raw_english(text: str, words: set[str]) -> set[str]:
    outside = re.sub(rf"{OPEN}.*?{CLOSE}", " ", text, flags=re.S)
    outside = re.sub(r"`[^`]*`|https?://\S+|/[a-z][\w-]*", " ", outside)
    return {w for w in re.findall(r"[A-Za-z]{4,}", outside) if w.lower() in words}


async def test_every_command_reply_in_en_xa_came_through_the_catalogs(app: App) -> None:
    who = Actor("admin-xa", "Admin", is_admin=True, locale="en-XA")
    place = Place("console", "home", "general")
    words = _english_words()
    leaks: dict[str, set[str]] = {}
    clean = 0
    for command in list(app.registry.commands.values()):
        target = (
            MessageRef(place, "m1", "someone", "some text") if command.kind == "message" else None
        )
        event = CommandInvoked(
            place, who, START, interaction="i", path=command.path, options={}, target=target
        )
        texts = [t for action in await app.handle(event) for t in _action_texts(action)]
        assert texts, command.name
        found: set[str] = set()
        for text in texts:
            if True:
                if not _REGISTRY_ERROR.match(text):
                    found |= _raw_english(text, words)
        if found:
            leaks[command.name] = found
        else:
            clean += 1
    assert {name: KNOWN.get(name) for name in leaks} == {
        name: KNOWN[name] for name in leaks if name in KNOWN
    }, leaks
    assert clean >= 40


def test_the_leak_detector_sees_english_outside_pseudo_text() -> None:
    words = _english_words()
    assert _raw_english("Your report is saved", words) == {"Your", "report", "saved"}
    assert _raw_english(pseudo("Your report is saved") + " `/report` /appeal", words) == set()
