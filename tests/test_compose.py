"""docker-compose.yml: it parses, and every service's command names things that exist here (manage.py commands,
Celery queues the routes use, the WSGI module, the beat scheduler, the healthcheck's URL). With Docker Compose
installed, `docker compose config` must accept the file too."""

import re
import shlex
import shutil
import subprocess
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def commands_of(service: dict) -> list[list[str]]:
    command = service.get("command")
    if not command:
        return []
    # Compose's interpolation with nothing set: ${NAME:-default} is its default.
    command = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command) if isinstance(command, str) else command
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if words[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in words[2].split("&&")]
    return [words]


def test_every_service_command_names_what_exists():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {"celery"}
    consumed, checked = set(), 0
    for name, service in services().items():
        for words in commands_of(service):
            checked += 1
            if words[:2] == ["python", "manage.py"]:
                assert words[2] in get_commands(), f"{name}: no manage.py command {words[2]!r}"
            elif words[0] == "gunicorn":  # found, not imported: importing config.wsgi starts the embedded beat
                assert find_spec(words[1].split(":")[0]) is not None, name
            elif words[0] == "celery":
                assert words[1:3] == ["-A", "config"], name
                if "worker" in words:
                    queues = words[words.index("-Q") + 1].split(",")
                    consumed |= set(queues)
                    assert set(queues) <= routed, f"{name}: consumes a queue no task is routed to"
                if "--scheduler" in words:
                    module, _, attribute = words[words.index("--scheduler") + 1].partition(":")
                    assert hasattr(import_module(module), attribute)
            else:
                pytest.fail(f"{name}: unexpected command {words}")
    assert checked >= 5
    assert routed <= consumed, f"queues nobody consumes: {routed - consumed}"


def test_the_web_healthcheck_asks_healthz():
    check = " ".join(services()["web"]["healthcheck"]["test"])
    assert "/healthz" in check
    assert resolve("/healthz").url_name == "healthz"


def test_docker_compose_accepts_the_file():
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("Docker Compose is not installed (docker compose version fails); not a CI service")
    result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True,
                            env={"DJANGO_SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin:/usr/local/bin"})  # fmt: skip
    assert result.returncode == 0, result.stderr
