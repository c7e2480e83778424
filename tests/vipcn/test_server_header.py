"""No response names the software that serves it (issue 16, finding 6: `Server: gunicorn`).

Starts gunicorn exactly as README's "Production serving" tells production to (only the port
and the number of workers differ) and reads the headers of a real response.
"""

import http.client
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_gunicorn_command():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production serving", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = [line for line in block.replace("\\\n", " ").splitlines() if "gunicorn" in line]
    assert len(lines) == 1, lines
    return shlex.split(lines[0])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_readme_command_uses_the_configuration():
    args = readme_gunicorn_command()
    assert args[0].endswith("gunicorn")
    assert args[args.index("-c") + 1] == "gunicorn.conf.py"
    assert (ROOT / "gunicorn.conf.py").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")
def test_gunicorn_as_the_readme_runs_it_sends_no_server_header(tmp_path):
    args = readme_gunicorn_command()
    port = free_port()
    args[0] = str(Path(sys.executable).parent / "gunicorn")
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    args[args.index("--workers") + 1] = "1"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL",)},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - the README's own command
        args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        headers, status = None, None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                status, headers = response.status, response.getheaders()
                connection.close()
                break
            except OSError:
                time.sleep(0.3)
        assert headers is not None, (tmp_path / "gunicorn.log").read_text()[-3000:]
        assert status == 200
        names = {name.lower(): value for name, value in headers}
        assert "server" not in names, names["server"]
        assert "gunicorn" not in str(headers).lower()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # the process group this test started
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()
