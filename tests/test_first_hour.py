"""What a newcomer meets in the first hour (issue 18): the pages a listing links to, the command
line (--version, doctor, a busy port, Ctrl-C), and one clear line when production is misconfigured."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from skill.cli import main

ROOT = Path(__file__).resolve().parent.parent
BACKCOACH = Path(sys.executable).parent / "backcoach"


# ------------------------------------------------------------------ privacy notice, terms, icons
def test_the_privacy_notice_says_what_is_kept_how_long_and_how_to_delete_it(make_app):
    client = make_app(OPERATOR="Clinic One, privacy@clinic-one.org").test_client()
    page = client.get("/privacy")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    for needed in ("Clinic One, privacy@clinic-one.org", "forget me", "Disabling the skill",
                   "does <strong>not</strong> keep your symptoms", "never contain what you said"):
        assert needed in text
    assert "$" not in text, "every placeholder is filled"


def test_a_deployment_that_keeps_health_facts_says_so(make_app):
    text = make_app(REMEMBER_HEALTH=True).test_client().get("/privacy").get_data(as_text=True)
    assert "set to keep health facts between sessions" in text and "does <strong>not</strong>" not in text


def test_the_terms_and_the_icons_are_served(make_app):
    client = make_app().test_client()
    terms = client.get("/terms").get_data(as_text=True)
    assert "not a substitute for professional medical advice" in terms and "the operator of this deployment" in terms
    for name, size in (("icon-108.png", 108), ("icon-512.png", 512)):
        icon = client.get(f"/icons/{name}")
        assert icon.status_code == 200 and icon.data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(icon.data[16:20], "big") == size == int.from_bytes(icon.data[20:24], "big")
    assert client.get("/icons/other.png").status_code == 404


# ------------------------------------------------------------------ the command line
def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("backcoach ")


def test_doctor_names_what_is_configured_and_what_is_missing(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BACKCOACH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("BACKCOACH_VERIFY_SIGNATURE", "false")
    monkeypatch.setenv("BACKCOACH_DISABLED_PLUGINS", "advise")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "request verification OFF" in out and "database reachable" in out
    assert "DISABLED_PLUGINS names no plugin: advise (plugins: activities, advice," in out
    assert "public URL: the public URL is missing" in out and "operator not set" in out


def test_doctor_fails_on_a_configuration_that_cannot_work(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BACKCOACH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("BACKCOACH_VERIFY_SIGNATURE", raising=False)
    monkeypatch.delenv("BACKCOACH_SKILL_ID", raising=False)
    assert main(["doctor"]) == 1
    assert "FAIL configuration: BACKCOACH_SKILL_ID must be set" in capsys.readouterr().out


def test_a_busy_port_is_named_with_the_way_out(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BACKCOACH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("BACKCOACH_VERIFY_SIGNATURE", "false")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is busy" in err and f"--port {port + 1}" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_prints_where_things_are_and_ctrl_c_stops_it_without_a_traceback(tmp_path):
    port = _free_port()
    env = {**os.environ, "BACKCOACH_INSTANCE_PATH": str(tmp_path), "BACKCOACH_VERIFY_SIGNATURE": "false"}
    server = subprocess.Popen([str(BACKCOACH), "serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=20)
    finally:
        server.kill()
    for line in (f"on http://127.0.0.1:{port}/alexa", f"health check  http://127.0.0.1:{port}/healthz",
                 f"console       http://127.0.0.1:{port}/console"):
        assert line in output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output


def test_production_without_a_skill_id_fails_once_with_one_clear_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKCOACH_")}
    env["BACKCOACH_INSTANCE_PATH"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "gunicorn", "skill.app:create_app()", "-c",
                           str(ROOT / "deploy" / "gunicorn.conf.py"), "-b", f"127.0.0.1:{_free_port()}"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert sum("BACKCOACH_SKILL_ID must be set" in line for line in lines) == 1
    assert "Traceback" not in done.stderr and len(lines) <= 3, lines
