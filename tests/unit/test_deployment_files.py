"""The compose file starts the shop in a safe order; the image runs unprivileged with a
health check. (`.ci/container` builds and runs the image itself.)"""

from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]


def test_compose_runs_the_migrations_once_before_the_api_and_the_worker() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert set(services) == {"postgres", "redis", "rabbitmq", "mail", "migrate", "api", "worker"}
    assert services["migrate"]["command"] == ["emporium", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        migrated = services[name]["depends_on"]["migrate"]
        assert migrated == {"condition": "service_completed_successfully"}, name
    assert services["api"]["environment"]["EMPORIUM_WORKER_IN_PROCESS"] == "false"
    assert services["worker"]["command"][:2] == ["emporium", "worker"]


def test_the_image_runs_unprivileged_with_a_health_check() -> None:
    lines = (ROOT / "Containerfile").read_text().splitlines()
    assert "USER emporium" in lines
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert sum(line.startswith("FROM ") for line in lines) == 2  # built apart, then copied
