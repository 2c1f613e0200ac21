"""What Slack shows of the bot's markup: escapes are undone, member text stays inert."""

from __future__ import annotations

import json

from adapters.slack.render import blocks_for
from bot.kernel.message import Field, Message, escape


def shown(message: Message) -> str:
    return json.dumps(blocks_for(message), ensure_ascii=False)


def test_a_helpline_name_in_parentheses_shows_without_backslashes() -> None:
    name = escape("Find A Helpline (international directory)")
    text = shown(Message(text="Lines", fields=(Field(name, "web: findahelpline.com"),)))
    assert "*Find A Helpline (international directory)*" in text
    assert "\\\\(" not in text  # no backslash reaches the member


def test_an_escaped_title_shows_plainly() -> None:
    [header, *_] = blocks_for(Message(title=escape("Case #3: a_b (c)"), text="x"))
    assert header["text"]["text"] == "Case #3: a_b (c)"


def test_member_text_in_a_field_name_cannot_ping_or_link() -> None:
    name = escape("<!channel> [click](https://evil.example)")
    text = shown(Message(text="x", fields=(Field(name, "y"),)))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<https://evil.example" not in text
