"""A real multi-worker server for the concurrency tests: gunicorn (what ``retain serve`` runs: a
pre-fork server, here 3 worker processes of 8 threads) serving this checkout's code on the test
database, reached over TCP by clients that each open their own connection."""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

SRC = Path(__file__).resolve().parents[2] / "src"


def database_url(db: dict) -> str:
    """The URL ``RETAIN_DATABASE_URL`` needs for the database the tests run on."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgresql://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(db: dict, *, workers: int = 3, threads: int = 8):
    port = _free_port()
    env = {**os.environ, "RETAIN_DATABASE_URL": database_url(db), "RETAIN_LANGUAGE": "en",
           "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "gunicorn", "retain.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
               "--timeout", "120"]
    # The server's log goes to a file: a pipe nobody reads fills up and stops the server (Django
    # logs every 4xx answer, and the test makes thousands of 409s).
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the server stopped: {log.read().decode()[-2000:]}")
            try:
                status, _body = request(port, "GET", "/api/v1/loyalty/members/1", token="none")
                if status in (401, 404):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within a minute")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def request(port: int, method: str, path: str, body=None, *, token: str, key: str | None = None):
    """One request on its own connection: (status, JSON body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        answer = connection.getresponse()
        raw = answer.read()
        return answer.status, json.loads(raw) if raw else None
    finally:
        connection.close()


def together(count: int, call) -> list:
    """``call(i)`` from ``count`` threads released at once; their results in order."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        barrier.wait()
        results[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
