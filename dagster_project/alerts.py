"""Failed runs: recorded (audit.runs in the build database, the run log beside the warehouse) and announced.

The failure hook records the first failing step of a run from inside it. The run-failure sensor (defs/automation.py)
sees every failed run of the monitored jobs from outside: it records the failure when nothing inside the run could
(a run that failed before its first step, a run worker that died), and sends a notice in Chinese by mail (SMTP)
and/or a WeCom or DingTalk group robot webhook, configured by NMG_ALERT_* environment variables
(docs/operations.md, "Alerts"). With no channel configured it records and logs only.
"""

from __future__ import annotations

import contextlib
import json
import os
import smtplib
import ssl
import time
import urllib.request
from dataclasses import replace
from datetime import date, datetime
from email.message import EmailMessage

import dagster as dg
from pydantic import Field

from . import stages, writer
from .pipeline import TZ, WRITER_TAG, code_version, run_parameters, settings_of_run
from .settings import SettingError, Settings, get_settings
from .warehouse import connect_writer

SUBJECT = "【政策兑现测算】运行失败"
ALERT_ENV = {"webhook": "NMG_ALERT_WEBHOOK", "smtp_host": "NMG_ALERT_SMTP_HOST", "smtp_port": "NMG_ALERT_SMTP_PORT",
             "smtp_from": "NMG_ALERT_FROM", "smtp_to": "NMG_ALERT_TO", "smtp_starttls": "NMG_ALERT_SMTP_STARTTLS",
             "smtp_user": "NMG_ALERT_SMTP_USER", "smtp_password": "NMG_ALERT_SMTP_PASSWORD"}


class AlertError(RuntimeError):
    """A configured channel did not take the notice."""


class AlertChannel(dg.ConfigurableResource):
    """Where failure notices go: a WeCom or DingTalk group robot webhook, and/or SMTP mail. Each field comes from
    its NMG_ALERT_* variable (dg.EnvVar) when the code location loads with it set."""

    webhook: str | None = Field(default=None, description="WeCom or DingTalk robot webhook URL (NMG_ALERT_WEBHOOK)")
    smtp_host: str | None = Field(default=None, description="SMTP server (NMG_ALERT_SMTP_HOST)")
    smtp_port: str | None = Field(default=None, description="SMTP port (NMG_ALERT_SMTP_PORT; default 25, 465: TLS)")
    smtp_from: str | None = Field(default=None, description="Sender address (NMG_ALERT_FROM)")
    smtp_to: str | None = Field(default=None, description="Recipients, comma-separated (NMG_ALERT_TO)")
    smtp_starttls: str | None = Field(default=None, description="1: STARTTLS before login (NMG_ALERT_SMTP_STARTTLS)")
    smtp_user: str | None = Field(default=None, description="SMTP user (NMG_ALERT_SMTP_USER)")
    smtp_password: str | None = Field(default=None, description="SMTP password (NMG_ALERT_SMTP_PASSWORD)")

    def channels(self) -> list[str]:
        return [name for name, on in (("webhook", self.webhook), ("mail", self.smtp_host and self.smtp_to)) if on]

    def send(self, text: str) -> None:
        if self.webhook:
            post_webhook(self.webhook, text)
        if self.smtp_host and self.smtp_to:
            send_mail(self, text)


def alert_channel() -> AlertChannel:
    """The channel as the environment configures it, each variable set bound as dg.EnvVar (secrets stay out of
    the UI)."""
    return AlertChannel(**{name: dg.EnvVar(var) for name, var in ALERT_ENV.items() if os.environ.get(var)})


def post_webhook(url: str, text: str) -> None:
    """A text message to a WeCom or DingTalk group robot: both take {"msgtype": "text", "text": {"content": …}}
    and answer {"errcode": 0, …} when they took it."""
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=20) as response:
        answer = json.loads(response.read().decode() or "{}")
    if answer.get("errcode", 0) != 0:
        raise AlertError(f"告警 webhook 未接受通知：errcode {answer.get('errcode')}，{answer.get('errmsg')}")


def send_mail(channel: AlertChannel, text: str) -> None:
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = channel.smtp_from or f"nmg-fiscal@{channel.smtp_host}"
    message["To"] = ", ".join(a.strip() for a in (channel.smtp_to or "").split(",") if a.strip())
    message.set_content(text, cte="base64")  # 7-bit clean for any server
    port = int(channel.smtp_port or 25)
    smtp_class = smtplib.SMTP_SSL if port == 465 else smtplib.SMTP
    with smtp_class(channel.smtp_host, port, timeout=20) as smtp:
        if channel.smtp_starttls == "1":
            smtp.starttls(context=ssl.create_default_context())
        if channel.smtp_user:
            smtp.login(channel.smtp_user, channel.smtp_password or "")
        smtp.send_message(message)


def first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def failure_of(context: dg.RunFailureSensorContext) -> tuple[str, str]:
    """(failing step, the error's first line): the first failed step and the innermost cause of its error (the
    user's exception, not Dagster's wrapper); a run that failed before any step: ('run start', its error)."""
    for event in context.get_step_failure_events():
        return event.step_key, _error_line(event.event_specific_data.error, event.message)
    event = context.failure_event
    return "run start", _error_line(getattr(event.event_specific_data, "error", None), event.message)


def _error_line(error, fallback: str | None) -> str:
    while error is not None and error.cause is not None:
        error = error.cause
    line = first_line(error.message if error else fallback)
    return line.split(": ", 1)[-1] if line.startswith("dagster_project.") else line  # ours: the message says it


def night_of(context: dg.RunFailureSensorContext, settings: Settings) -> date:
    """The night the run computed: its run config (or NMG_AS_OF), else its start date in Asia/Shanghai."""
    if settings.as_of:
        return settings.as_of
    record = context.instance.get_run_record_by_id(context.dagster_run.run_id)
    started = record.start_time if record and record.start_time else time.time()
    return datetime.fromtimestamp(started, TZ).date()


def notice(run_id: str, job: str, night: str, step: str, error: str) -> str:
    """The notice, in Chinese: which run, which night, where it failed, what to do."""
    where = "运行启动（步骤开始之前）" if step == "run start" else step
    return (f"{SUBJECT}\n运行编号：{run_id}\n作业：{job}\n测算日期（as_of）：{night}\n失败步骤：{where}\n"
            f"错误：{error or '（无错误信息，见运行日志）'}\n"
            "已发布的仓库和看板页面保持上一次成功运行的内容。\n"
            f"处理：在 Dagster 界面打开该运行（Runs → {run_id}）查看完整日志；按 docs/operations.md 的“When a run "
            "fails”一节找到该步骤的处理办法并改正；然后在 Launchpad 以相同的 as_of 重新运行（docs/operations.md "
            "“Re-running a past night”），或等下一次定时运行。")


def was_recorded(settings: Settings, run_id: str) -> bool:
    """Whether the run log already holds a failure of the run (the hook, or a failed run start, wrote it)."""
    if not settings.run_log.exists():
        return False
    for line in settings.run_log.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if entry.get("run_id") == run_id and str(entry.get("status", "")).startswith("failed"):
                return True
    return False


def record_missing_failure(settings: Settings, run_id: str, status: str, writes_build: bool) -> list[str]:
    """Record a failure nothing inside the run recorded: a line in the run log and, for a job that writes the
    build database (`writes_build`; not the read-only city partitions), the run's row in audit.runs when that
    database exists and no other run holds the data folder (else the next run marks a `started` row
    `interrupted`). Returns where it was written."""
    if was_recorded(settings, run_id):
        return []
    writer.log_event(settings, run_id, status, note="recorded by the failure sensor")
    written = [str(settings.run_log)]
    if not writes_build or not settings.build_db.exists():
        return written
    try:  # never waits: a run holding the folder is busy with the build database
        fd = writer.acquire(replace(settings, lock_wait_seconds=0), f"failure-sensor:{run_id}", "failure-sensor")
    except writer.RunRefused:
        return written
    umask = os.umask(0o077)
    try:
        with connect_writer(str(settings.build_db), settings.duckdb_config) as conn:
            stages.record_run(conn, run_id, status)
        written.append(f"{settings.build_db} audit.runs")
    finally:
        os.umask(umask)
        writer.release(fd)
    return written


def on_run_failure(context: dg.RunFailureSensorContext, channel: AlertChannel) -> None:
    """What the run-failure sensor does for one failed run: record the failure if nothing did, then notify."""
    run = context.dagster_run
    try:
        settings = settings_of_run(run.run_config)
        night = str(night_of(context, settings))
    except SettingError:  # the run's own config is what failed (the error line names it)
        settings, night = get_settings(), "运行配置无法读取，见错误"
    step, error = failure_of(context)
    written = record_missing_failure(settings, run.run_id, f"failed at {step}: {error}"[:2000],
                                     writes_build=WRITER_TAG.keys() <= run.tags.keys())
    recorded = ", ".join(written) or "nothing (the run recorded it itself)"
    context.log.info(f"run {run.run_id} failed at {step}; recorded by the sensor in: {recorded}")
    if not channel.channels():
        context.log.info("未配置告警渠道（NMG_ALERT_WEBHOOK，或 NMG_ALERT_SMTP_HOST 与 NMG_ALERT_TO）："
                         "只记录失败，不发送通知。")
        return
    channel.send(notice(run.run_id, run.job_name, night, step, error))
    context.log.info(f"failure notice sent by {', '.join(channel.channels())}")


@dg.failure_hook(required_resource_keys={"duckdb"})
def record_failed_run(context: dg.HookContext) -> None:
    """A failed step (or a blocking check) is written to audit.runs in the build database, so the next published
    warehouse shows that this night's run failed and where; the published warehouse itself stays as it was."""
    reason = f"failed at {context.step_key}: {type(context.op_exception).__name__}: {context.op_exception}"[:2000]
    settings = context.resources.duckdb.night.settings
    try:  # fails at once, not after retries, when the disk is full or read-only (warehouse.connect_writer)
        with context.resources.duckdb.get_connection() as conn:
            try:
                version = conn.execute("SELECT catalogue_version FROM catalogue.version").fetchone()[0]
            except Exception:  # the catalogue itself may be what failed
                version = "unknown"
            stages.record_run(conn, context.run_id, reason, started_at=time.time(), cat_version=version,
                              params=run_parameters(settings), code_version=code_version())
    except Exception as exc:  # noqa: BLE001 - the step's own error is the one to report
        context.log.error(f"未能把失败写入构建数据库的 audit.runs：{exc}")
    try:
        writer.log_event(settings, context.run_id, reason)
    except OSError as exc:
        context.log.error(f"未能把失败写入运行日志 {settings.run_log}：{exc}")
