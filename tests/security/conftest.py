"""The dashboard's test world and chromium, for the attacker's tests of the directory's tenancy
(tests/security/test_directory_tenancy.py). This directory gets a world of its own: those tests
change the directory, and no page test elsewhere should meet what they leave."""

from tests.web.conftest import browser, new_page, page, world  # noqa: F401  (fixtures)
