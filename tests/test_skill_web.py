"""The web service: the factory, configuration precedence, health checks and HTTP errors."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from alexa import Echo
from skill.config import ConfigError


def test_importing_the_skill_builds_nothing(tmp_path):
    """No app, rule set, data file or database is made at import time."""
    code = ("import skill, skill.app, skill.edge.web, skill.dialog.dispatch, skill.voice.texts, "
            "plugins.red_flags, rules.engine; "
            "print(rules.engine.default_rules.cache_info().currsize, "
            "plugins.red_flags.red_flags.cache_info().currsize, skill.voice.texts.texts.cache_info().currsize)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0", "0"]
    assert list(tmp_path.iterdir()) == []


def test_each_call_builds_an_independent_app(make_app):
    one, two = make_app(), make_app()
    assert one is not two
    assert one.extensions["backcoach"]["store"] is not two.extensions["backcoach"]["store"]


def test_config_precedence_defaults_then_environment_then_mapping(make_app, monkeypatch):
    app = make_app()
    assert app.config["REMEMBER_HEALTH"] is False and app.config["SETTINGS_API_BUDGET"] == 0.15
    monkeypatch.setenv("BACKCOACH_REMEMBER_HEALTH", "1")
    monkeypatch.setenv("BACKCOACH_SETTINGS_API_BUDGET", "0.3")
    app = make_app()
    assert app.config["REMEMBER_HEALTH"] is True and app.config["SETTINGS_API_BUDGET"] == 0.3
    app = make_app(REMEMBER_HEALTH=False)
    assert app.config["REMEMBER_HEALTH"] is False


def test_the_default_database_is_a_sqlite_file_in_the_instance_folder(make_app, tmp_path):
    app = make_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'backcoach.sqlite3'}"
    Echo(app.test_client()).launch()
    assert (tmp_path / "instance" / "backcoach.sqlite3").exists()


def test_verification_on_without_a_skill_id_refuses_to_start(make_app):
    with pytest.raises(ConfigError, match="BACKCOACH_SKILL_ID"):
        make_app(VERIFY_SIGNATURE=True)


@pytest.mark.parametrize("key,value", [("VERIFY_SIGNATURE", "maybe"), ("DATABASE_URL", "mysql://x")])
def test_bad_settings_are_clear_errors(make_app, key, value):
    with pytest.raises(ConfigError):
        make_app(**{key: value})


def test_verification_off_logs_a_loud_warning(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        make_app()
    assert "VERIFICATION IS OFF" in caplog.text


def test_disabled_plugins_setting_reaches_the_plugin_manager(make_app):
    app = make_app(DISABLED_PLUGINS="cases")
    assert app.extensions["backcoach"]["rules"].pm.get_plugin("cases") is None
    with pytest.raises(ValueError, match="cannot be disabled"):
        make_app(DISABLED_PLUGINS="red_flags")


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok", "database": "ok", "stretches": 13}


def test_healthz_reports_a_database_it_cannot_open(make_app, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    app = make_app(DATABASE_URL=f"sqlite:///{blocker}/db.sqlite3")
    assert app.test_client().get("/healthz").get_json()["database"] == "unavailable"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_wrong_method_is_a_json_405(client, method):
    r = getattr(client, method)("/alexa")
    assert r.status_code == 405 and "error" in r.get_json()


def test_unknown_path_is_a_json_404(client):
    r = client.get("/nothing-here")
    assert r.status_code == 404 and r.get_json()["error"]


def test_wrong_content_type_is_415(client):
    r = client.post("/alexa", data="{}", content_type="text/plain")
    assert r.status_code == 415 and "application/json" in r.get_json()["error"]


def test_a_body_over_the_cap_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    r = client.post("/alexa", data=json.dumps({"x": "y" * 2000}), content_type="application/json")
    assert r.status_code == 413 and r.get_json()["error"]


def test_a_skill_id_mismatch_is_a_400_even_without_signature_checks(make_app):
    app = make_app(SKILL_ID="amzn1.ask.skill.mine")
    device = Echo(app.test_client(), skill_id="amzn1.ask.skill.someone-else")
    answer = device.launch()
    assert answer.status == 400 and answer.json == {"error": "skill id mismatch"}
    assert Echo(app.test_client(), skill_id="amzn1.ask.skill.mine").launch().status == 200


def test_every_request_is_logged_with_id_route_outcome_and_latency(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="backcoach.request"):
        answer = Echo(client).say_intent("AMAZON.HelpIntent")
    line = [r.getMessage() for r in caplog.records if r.name == "backcoach.request"][-1]
    request_id = answer.request["request"]["requestId"]
    assert f"request={request_id}" in line and "route=AMAZON.HelpIntent" in line
    assert "outcome=answered" in line and "status=200" in line and "ms=" in line


def test_refused_requests_are_logged_at_info(client, caplog):
    with caplog.at_level(logging.INFO, logger="backcoach.request"):
        client.post("/alexa", data="not json", content_type="application/json")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "backcoach.request"]
    assert "status=400" in line and "outcome=rejected: body is not valid JSON" in line


def test_a_defect_on_the_alexa_path_is_a_json_500_without_a_traceback(client, monkeypatch, caplog):
    from skill.edge import web

    def broken(*args):
        raise KeyError("a defect")

    monkeypatch.setattr(web, "_invoke", broken)
    with caplog.at_level(logging.INFO):
        answer = Echo(client).launch()
    assert answer.status == 500 and answer.json == {"error": "internal error"}
    assert "unexpected KeyError on /alexa" in caplog.text and "Traceback" not in caplog.text


@pytest.mark.parametrize("length", ["abc", "-1", "１２"])
def test_a_content_length_that_is_not_a_number_is_a_400(client, length):
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/alexa", method="POST", data=b"{}", content_type="application/json").get_environ()
    environ["CONTENT_LENGTH"] = length  # as a client sent it (the test client would correct it)
    body, status, _ = run_wsgi_app(client.application, environ, buffered=True)
    assert status.startswith("400") and json.loads(b"".join(body)) == {"error": "Content-Length is not a number"}


def test_the_other_paths_still_go_through_flask(client):
    assert client.get("/alexa/").status_code == 404 and client.get("/healthz").status_code == 200
