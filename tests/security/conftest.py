"""The attacks run against their own running bot (the dashboard's test world, tests/web/world.py)
and chromium: what they change (lowered limits, ended sessions, demoted admins, imported and
hidden directory entries) stays here."""

from tests.web.conftest import browser, new_page, page, world

__all__ = ["browser", "new_page", "page", "world"]
