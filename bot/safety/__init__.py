"""The crisis pathway: signs of danger in a message or DM get a private reply, in the language
the member wrote in, with the right helplines and an offer to talk to a moderator. Urgent signs
(a plan, means, strangulation, a threat to kill) get a warm reply with crisis lines and an urgent
moderator card; concern (coercive control, passive wishes to be gone) a gentle reply with abuse
and support services and an ordinary card. Never public, never a punishment, no message text in
logs. A member hears from the bot once per level within the cooldown; a higher level always
gets its reply and card, and every repeat updates the moderators' card (bot/safety/alerts.py)."""
