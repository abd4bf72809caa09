"""docker-compose.yml: no Docker engine runs here, so its structure and commands are checked."""

from pathlib import Path

import yaml
from click.testing import CliRunner

from mailer.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_services_health_checks_and_commands_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "redis", "postgres"}
    for name in ("web", "worker", "redis", "postgres"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["INFOLETTRE_BROKER_URL"].startswith("redis://")
        assert environment["INFOLETTRE_DATABASE_URL"].startswith("postgresql+psycopg://")
        command = services[name]["command"]
        if command[0] == "infolettre":  # the project's own command: its --help must answer
            result = CliRunner().invoke(cli, [*command[1:2], "--help"])
            assert result.exit_code == 0, result.output
        else:
            assert command[:3] == ["celery", "-A", "workers.app"]
            import workers.app  # noqa: F401  (the app the command names exists)
    assert {"redis-data", "postgres-data"} <= set(compose["volumes"])
