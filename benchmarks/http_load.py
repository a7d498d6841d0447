"""HTTP load plumbing for benchmarks: a gunicorn server of the project, and wrk runs that cycle through a list of
paths and report their figures as JSON (wrk's Lua `done` hook), so nothing parses wrk's text output.

    server = Server(env, ready_path="/api/v1/jobs/", log=Path("/tmp/a.log"))
    result = run_wrk(server.url, ["/api/v1/jobs/1/", "/api/v1/jobs/2/"], seconds=10)
    server.stop()
"""

import json
import os
import platform
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
GUNICORN_WORKERS = 2
WRK_ARGS = ["-t2", "-c4", "--latency"]
# A sync worker answers one request at a time and the four connections queue behind two workers, so a slow
# variant's p99 can pass wrk's default 2 s timeout; counted as an error it would vanish from the latencies.
WRK_TIMEOUT = "30s"

WRK_LUA = """
local paths = {__PATHS__}
local position = 0

request = function()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %.1f, "p99_us": %.1f, ' ..
    '"status_errors": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when it is missing."""
    if shutil.which("wrk") is None:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        if subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"]).returncode != 0:
            subprocess.run([*sudo, "apt-get", "update"], check=True)
            subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True)
    return shutil.which("wrk")


def first_line(command: list) -> str:
    # `wrk -v` prints its version, then its usage, and exits 1.
    result = subprocess.run(command, capture_output=True, text=True)
    return (result.stdout or result.stderr).splitlines()[0].strip()


def machine() -> dict:
    """The figures a report needs to say where it ran: cores, CPU, OS, gunicorn and wrk versions."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    return {
        "nproc": first_line(["nproc"]),
        "cpu": cpu,
        "os": platform.platform(),
        "gunicorn": first_line([str(GUNICORN), "--version"]),
        "wrk": first_line(["wrk", "-v"]).split(" Copyright")[0],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving config.wsgi (its settings module from `env`) with GUNICORN_WORKERS sync workers on a free
    port; benchmarks/ is on its Python path, so settings modules there can be served too."""

    def __init__(self, env: dict, *, ready_path: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            str(GUNICORN), "config.wsgi:application", "--workers", str(GUNICORN_WORKERS), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}", "--chdir", str(ROOT), "--pythonpath", str(ROOT / "benchmarks"),
            "--log-level", "warning", "--timeout", "120",
        ]  # fmt: skip
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        self._wait_until_serving(ready_path)

    def _wait_until_serving(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + path, timeout=30) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not serve {path}:\n{self.log.read_text()}")
            time.sleep(0.5)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class WrkResult:
    requests: int
    seconds: float
    bytes: int
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses, and connect, read, write and timeout errors

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def run_wrk(base_url: str, paths: list[str], seconds: int, *, cookie: str = "") -> WrkResult:
    """`wrk WRK_ARGS` for `seconds`, each connection cycling through `paths` (with `cookie`, signed in)."""
    lua = WRK_LUA.replace("__PATHS__", ", ".join(json.dumps(path) for path in paths))
    if cookie:
        lua = f'wrk.headers["Cookie"] = {json.dumps(cookie)}\n' + lua
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua)
        script.flush()
        command = ["wrk", *WRK_ARGS, "--timeout", WRK_TIMEOUT, f"-d{seconds}s", "-s", script.name, base_url + "/"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    return WrkResult(
        requests=raw["requests"], seconds=raw["duration_us"] / 1e6, bytes=raw["bytes"], p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000, errors=raw["status_errors"] + raw["socket_errors"],
    )  # fmt: skip
