"""The run-failure sensor against stub servers on 127.0.0.1: a WeCom/DingTalk-style webhook and an SMTP server.
It names the run, the night, the failing step and the error's first line; it records a failure the run itself
could not record, once, and leaves alone one the failure hook already recorded."""

import email
import http.server
import json
import socketserver
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from email import policy

import dagster as dg
import duckdb
import pytest

from dagster_project import pipeline, stages
from dagster_project.alerts import SUBJECT, AlertChannel, AlertError, post_webhook
from dagster_project.definitions import build_defs
from dagster_project.defs.automation import night_run_config, run_failure_alert
from dagster_project.defs.registries import reference_data
from dagster_project.pipeline import TZ, WRITER_TAG
from dagster_project.settings import get_settings


class Webhook(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers["Content-Type"], json.loads(body)))
        answer = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


class Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA (dot-unstuffed), QUIT."""

    def handle(self) -> None:
        self.wfile.write(b"220 stub ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip()
            if command.upper() == "DATA":
                self.wfile.write(b"354 end with <CRLF>.<CRLF>\r\n")
                data = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(part[1:] if part.startswith(b"..") else part)
                self.server.received.append(email.message_from_bytes(b"".join(data), policy=policy.default))
                self.wfile.write(b"250 queued\r\n")
            elif command.upper() == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                if command.upper().startswith("RCPT"):
                    self.server.recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.wfile.write(b"250 ok\r\n")


def serve(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook() -> Iterator[http.server.HTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    server.received, server.answer = [], {"errcode": 0, "errmsg": "ok"}
    yield from serve(server)


@pytest.fixture
def smtp() -> Iterator[socketserver.TCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Smtp)
    server.received, server.recipients = [], []
    yield from serve(server)


def failure_context(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance,
                    channel: AlertChannel) -> dg.RunFailureSensorContext:
    failed = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    return dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert", dagster_event=failed, dagster_instance=instance,
        dagster_run=result.dagster_run, resources={"alert_channel": channel}).for_run_failure()


def run_log(run_id: str) -> list[dict]:
    lines = get_settings().run_log.read_text(encoding="utf-8").splitlines()
    return [entry for entry in map(json.loads, lines) if entry["run_id"] == run_id]


def test_a_failed_nightly_run_is_announced_by_webhook_and_recorded_once(run_env, monkeypatch, webhook):
    monkeypatch.setenv("NMG_USE_LANDING", "1")  # and no landing folder: landing_files fails after two cheap steps
    instance = dg.DagsterInstance.ephemeral()
    result = build_defs(get_settings()).resolve_job_def("nightly").execute_in_process(instance=instance,
                                                                                      raise_on_error=False)
    assert not result.success
    url = f"http://127.0.0.1:{webhook.server_address[1]}/cgi-bin/webhook/send?key=test"
    run_failure_alert(failure_context(result, instance, AlertChannel(webhook=url)))

    [(content_type, body)] = webhook.received
    assert content_type.startswith("application/json") and body["msgtype"] == "text"
    text = body["text"]["content"]
    assert text.startswith(SUBJECT) and result.run_id in text
    assert "失败步骤：landing_files" in text and "测算日期（as_of）：2026-11-27" in text
    error = next(line for line in text.splitlines() if line.startswith("错误："))
    assert "FileNotFoundError" in error and "landing" in error and "Traceback" not in error
    assert "docs/operations.md" in text and "Launchpad" in text
    statuses = [e["status"] for e in run_log(result.run_id)]
    assert statuses == ["started", statuses[1]] and statuses[1].startswith("failed at landing_files")  # the hook's
    with duckdb.connect(str(get_settings().build_db), read_only=True) as conn:
        status, params = conn.execute("SELECT status, parameters FROM audit.runs WHERE run_id = ?",
                                      [result.run_id]).fetchone()
    assert status == statuses[1] and json.loads(params)["as_of"] == "2026-11-27"


@dg.op
def boom() -> None:
    raise RuntimeError("登记库导出不可读\n第二行不在通知里")


@dg.job(tags=WRITER_TAG)
def tiny() -> None:
    boom()


def test_a_failure_nothing_recorded_is_recorded_by_the_sensor_and_mailed(tmp_path, monkeypatch, smtp):
    monkeypatch.setenv("NMG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NMG_AS_OF", raising=False)
    settings = get_settings()
    run_id = str(uuid.uuid4())
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as conn:  # as a run worker that died after its start would leave
        stages.record_run(conn, run_id, stages.STARTED)
    instance = dg.DagsterInstance.ephemeral()
    result = tiny.execute_in_process(instance=instance, run_id=run_id, raise_on_error=False)
    assert not result.success

    run_failure_alert(failure_context(result, instance, AlertChannel()))  # no channel: records, sends nothing
    [entry] = run_log(run_id)
    assert entry["status"] == "failed at boom: RuntimeError: 登记库导出不可读"
    assert entry["note"] == "recorded by the failure sensor"
    with duckdb.connect(str(settings.build_db), read_only=True) as conn:
        assert conn.execute("SELECT status FROM audit.runs WHERE run_id = ?", [run_id]).fetchone()[0] == \
            entry["status"]

    channel = AlertChannel(smtp_host="127.0.0.1", smtp_port=str(smtp.server_address[1]),
                           smtp_from="nightly@example.cn", smtp_to="ops@example.cn, finance@example.cn")
    run_failure_alert(failure_context(result, instance, channel))
    assert len(run_log(run_id)) == 1  # recorded once
    [mail] = smtp.received
    assert mail["Subject"] == SUBJECT and smtp.recipients == ["ops@example.cn", "finance@example.cn"]
    body = mail.get_content()
    assert f"运行编号：{run_id}" in body and "作业：tiny" in body and "失败步骤：boom" in body
    assert "错误：RuntimeError: 登记库导出不可读" in body and "第二行" not in body
    assert f"测算日期（as_of）：{datetime.now(TZ).date()}" in body  # no as_of given: the run's start date


def test_a_run_that_fails_before_its_first_step_is_recorded_and_announced(tmp_path, monkeypatch, webhook):
    monkeypatch.setenv("NMG_DATA_DIR", str(tmp_path / "data"))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([reference_data], resources=pipeline.resources(get_settings()), instance=instance,
                            run_config=night_run_config("2026-13-01"), raise_on_error=False)  # no such night
    assert not result.success
    url = f"http://127.0.0.1:{webhook.server_address[1]}/robot/send?access_token=test"
    run_failure_alert(failure_context(result, instance, AlertChannel(webhook=url)))

    [entry] = run_log(result.run_id)  # the run never took the data folder: the sensor's line is the only one
    assert entry["status"].startswith("failed at run start: 设置 NMG_AS_OF 的值 '2026-13-01' 无法读取")
    text = webhook.received[0][1]["text"]["content"]
    assert "失败步骤：运行启动（步骤开始之前）" in text and "错误：设置 NMG_AS_OF 的值 '2026-13-01' 无法读取" in text
    assert "测算日期（as_of）：运行配置无法读取" in text


def test_a_webhook_that_refuses_the_notice_is_an_error(webhook):
    webhook.answer = {"errcode": 310000, "errmsg": "keywords not in content"}  # DingTalk's security keyword
    with pytest.raises(AlertError, match="310000"):
        post_webhook(f"http://127.0.0.1:{webhook.server_address[1]}/robot/send", "通知")

