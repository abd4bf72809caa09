"""The console fixture (web app with an admin and an editor) for every console test."""

from tests.console.test_access import console  # noqa: F401 (a fixture)
