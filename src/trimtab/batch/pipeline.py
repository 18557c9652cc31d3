"""The scheduler process: the daily pipeline, run by APScheduler, one process per database.

Problem: `trimtab scheduler` runs for months unattended. It may be killed at any moment
(kill -9, a reboot, a deploy) and must then pick up exactly where it was — no stage run
twice, none lost — and a second copy started by mistake against the same database must
refuse to run rather than race the first.

Rule:
- All state is in the database (`pipeline_stages`, via `trimtab.services.pipeline`);
  the APScheduler job is re-derived from it, never persisted apart from it: one interval
  job, `tick`, every `tick_seconds` (coalesced, one instance at a time), so a restart
  loses nothing and a missed tick is simply the next one.
- Start: take the scheduler lease (refused while another scheduler's is live), register
  the sources' expected files from the mappings folder (`feeds expect`). A second job
  refreshes the lease every `HEARTBEAT`, in its own thread, so a stage running for an
  hour keeps it live (lost → stop at once). Each tick opens today's pipeline on a
  business day of the exchange calendar (or the `--day` given) and runs each due stage
  in plan order; each stage is claimed by compare-and-set before it runs.
- A stage left running by a killed scheduler is claimed again on the next start and
  finishes its work; every stage's work is idempotent (the inbox moves loaded files out,
  the nightly run resumes its unfinished run or finds it finished, creating orders
  skips those created, the files are rewritten the same, an execution report is stored
  once by ExecID).
- After each stage and on its clock the process checks run and the alerts due are sent
  (`Scheduler`); each stage's lines carry its `stage_id` (`trimtab.logs`).
- The stages' work (`StageWork`) is the services' (`trimtab.services.pipeline`,
  `.fills_import`, `.feed_loading`, ...) and the nightly run's (`batch.run`), wired here
  on the database and the local folders.

    >>> # serve(url, config, fix=("TRIMTAB", "OMS"))   # blocks; Ctrl-C or SIGTERM stops it
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trimtab.batch.run import run_nightly
from trimtab.bootstrap import (
    DATABASE_ERRORS,
    DATABASE_UNAVAILABLE,
    Database,
    LocalFeedFiles,
    open_database,
    order_writers,
)
from trimtab.domain.alerts import Alert, Severity, cause_key
from trimtab.domain.pipeline import Done, Failed, NotYet, Outcome, Transient
from trimtab.domain.principal import SCHEDULER
from trimtab.domain.problems import ProblemKind
from trimtab.logs import log_context
from trimtab.services.alert_delivery import AlertChannel, deliver_pending
from trimtab.services.alerts import raise_alert
from trimtab.services.monitoring import check_processes
from trimtab.services.nightly_run import Here, run_end
from trimtab.services.pipeline import (
    HEARTBEAT,
    PipelineConfig,
    StageRun,
    StageRunner,
    due,
    expected_arrivals,
    keep_scheduler_lease,
    release_scheduler_lease,
    run_stage,
    take_scheduler_lease,
    wait_for_files,
)

__all__ = ["Scheduler", "StageWork", "pipeline_uow", "serve"]

log = logging.getLogger("trimtab.scheduler")
WATCH_EVERY = dt.timedelta(minutes=5)  # process checks at least this often between stages
Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def pipeline_uow(db: Database) -> Callable[[], Any]:
    """The unit-of-work factory of the pipeline's services, on `db`."""
    return db.unit_of_work


@dataclass
class _InboxResult:
    """An executions file's import, as the inbox folder wants it (archive or rejected)."""

    loaded: bool
    body: dict[str, Any]

    def report(self) -> Mapping[str, Any]:
        return self.body


@dataclass
class StageWork:
    """Each stage's work on one database and the configured folders."""

    db: Database
    url: str
    config: PipelineConfig
    fix: tuple[str, str] = ("TRIMTAB", "OMS")
    clock: Clock = _utc_now
    new_uow: Callable[[], Any] = field(init=False)

    def __post_init__(self) -> None:
        self.new_uow = pipeline_uow(self.db)

    def runners(self) -> dict[str, StageRunner]:
        return {
            "files": self.files,
            "corporate_actions": self.corporate_actions,
            "synchronization": self.synchronization,
            "analysis": self.analysis,
            "export": self.export,
            "reports": self.reports,
            "fills": self.fills,
        }

    def _alert(self, alert: Alert, now: dt.datetime) -> None:
        raise_alert(self.new_uow, alert, principal=SCHEDULER, at=now)

    # -- files --------------------------------------------------------------------------

    def register_expected_files(self) -> None:
        from trimtab.services.feed_loading import FeedLoadingPorts, expect_from_mappings

        if self.config.mappings is None:
            return
        ports = FeedLoadingPorts(
            self.db.unit_of_work, LocalFeedFiles(), DATABASE_ERRORS, self.clock
        )
        _, problems = expect_from_mappings(ports, self.config.mappings, principal=SCHEDULER)
        for p in problems:
            log.error("mappings: %s", p)

    def files(self, run: StageRun) -> Outcome:
        from trimtab.services.feed_loading import FeedLoadingPorts, feed_loader

        ports = FeedLoadingPorts(
            self.db.unit_of_work, LocalFeedFiles(), DATABASE_ERRORS, self.clock
        )
        loader, problems = feed_loader(ports, mappings=self.config.mappings, principal=SCHEDULER)
        if loader is None:
            return Failed(f"the mappings cannot be read: {problems[0]}")
        if self.config.inbox is not None:
            self.config.inbox.mkdir(parents=True, exist_ok=True)
            for target, result in loader.process_inbox(self.config.inbox):
                if not result.loaded:
                    why = result.problems[0] if result.problems else result.outcome.value
                    self._alert(
                        Alert(
                            cause_key("file.rejected", target.name, run.day),
                            Severity.WARNING,
                            f"{target.name} was not loaded ({result.outcome.value}): {why}",
                            f"read {target}.report.json; have the source resend a good file",
                        ),
                        run.now,
                    )
        now = self.clock()
        arrivals = expected_arrivals(self.new_uow, day=run.day, now=now)
        return wait_for_files(self.new_uow, self.config, arrivals, day=run.day, now=now)

    # -- corporate actions, synchronization ------------------------------------------------

    def corporate_actions(self, run: StageRun) -> Outcome:
        from trimtab.services.corporate_action_processing import apply_corporate_actions

        applied = apply_corporate_actions(self.db.unit_of_work, principal=SCHEDULER, now=run.now)
        return Done(f"{len(applied)} corporate actions applied")

    def synchronization(self, run: StageRun) -> Outcome:
        from trimtab.services.synchronization import check_synchronization

        report = check_synchronization(
            self.db.unit_of_work, day=run.day, principal=SCHEDULER, now=run.now
        )
        return Done(f"{len(report.suspended)} accounts suspended, {len(report.released)} released")

    # -- the nightly analysis ----------------------------------------------------------------

    def _finished_run(self, day: dt.date) -> str | None:
        with self.db.unit_of_work() as uow:
            run = uow.runs.latest_finished_run()
        return run.id if run is not None and run.as_of == day else None

    def analysis(self, run: StageRun) -> Outcome:
        # Killed after the run finished but before the stage said so: the run is done;
        # starting it again would analyze every account a second time.
        if (finished := self._finished_run(run.day)) is not None:
            return Done(f"run {finished} finished")
        summary = run_nightly(
            self.url,
            as_of=run.day,
            principal=SCHEDULER,
            kind=self.config.executor,
            workers=self.config.workers,
            scheduler=self.config.scheduler,  # None: a LocalCluster (dask) or a process pool
            chunk_size=self.config.chunk_size,
        )
        if summary.problems:
            text = "; ".join(str(p) for p in summary.problems)
            if all(p.kind is ProblemKind.CONFLICT for p in summary.problems):
                return Transient(text)  # another run is in progress: wait for it
            return Failed(text)
        if not summary.finished:
            return Transient(f"run {summary.run_id} unfinished ({summary.missing} accounts left)")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items()))
        warnings: tuple[Alert, ...] = ()
        failed = summary.counts.get("failed", 0) or len(summary.failures)
        if failed:
            warnings = (
                Alert(
                    cause_key("run.failed-accounts", summary.run_id),
                    Severity.WARNING,
                    f"run {summary.run_id}: {failed} accounts failed their analysis",
                    f"`trimtab run status {summary.run_id}` lists them and why",
                ),
            )
        return Done(f"run {summary.run_id}: {counts}", warnings)

    # -- orders out -----------------------------------------------------------------------------

    def export(self, run: StageRun) -> Outcome:
        from trimtab.services.orders import block_orders, create_orders, run_orders

        if self.config.outbox is None:
            return Failed("no outbox folder configured ([pipeline] outbox)")
        run_id, added, problems = create_orders(
            self.db.unit_of_work, principal=SCHEDULER, now=run.now
        )
        if run_id is None:
            return Failed("; ".join(str(p) for p in problems))
        end = run_end(self.db.unit_of_work, run_id)
        if end is None or end.run.as_of != run.day:
            return Failed(f"the latest finished run is {run_id}, not a run of {run.day}")
        blocks = block_orders(run_orders(self.db.unit_of_work, run_id))
        writers = order_writers(fix_sender=self.fix[0], fix_target=self.fix[1])
        out = self.config.outbox / run.day.isoformat()
        paths: list[Path] = []
        for name in self.config.order_formats:
            if name not in writers:
                return Failed(f"order format {name!r}: known {', '.join(writers)}")
            paths += writers[name](blocks, out, run_id)
        return Done(
            f"run {run_id}: {len(blocks)} block orders ({added} new orders) in "
            + ", ".join(p.name for p in paths)
        )

    # -- the night's reports ----------------------------------------------------------------

    def reports(self, run: StageRun) -> Outcome:
        """The night's counterfactuals (taxes saved) and health checks, on the run of the
        day. Both are idempotent (a re-claimed stage computes only what is missing);
        nothing depends on this stage, so a failure here alerts and stops nothing else."""
        from trimtab.services.health_checks import record_health_checks
        from trimtab.services.taxes_saved import compute_counterfactuals, record_taxes_saved_to_date

        run_id = self._finished_run(run.day)
        if run_id is None:
            return Failed(f"no finished nightly run of {run.day} to report on")
        computed, problems = compute_counterfactuals(
            self.db.unit_of_work, run_id, principal=SCHEDULER, now=run.now
        )
        if problems:
            return Failed("counterfactuals: " + "; ".join(str(p) for p in problems))
        _, problems = record_taxes_saved_to_date(
            self.db.unit_of_work, principal=SCHEDULER, now=run.now
        )
        if problems:
            return Failed("taxes saved to date: " + "; ".join(str(p) for p in problems))
        checks, problems = record_health_checks(self.db.unit_of_work, run_id, principal=SCHEDULER)
        if problems:
            return Failed("health checks: " + "; ".join(str(p) for p in problems))
        return Done(f"run {run_id}: {computed} counterfactuals, {checks} health checks recorded")

    # -- fills back -----------------------------------------------------------------------------

    def _import_file(self, path: Path) -> _InboxResult:
        from trimtab.feeds.fix_executions import read_executions
        from trimtab.services.fills_import import import_fills

        now = self.clock()
        reports, problems = read_executions(path)
        if problems and not reports:
            self._alert(
                Alert(
                    cause_key("execution.file-rejected", path.name),
                    Severity.CRITICAL,
                    f"executions file {path.name} cannot be read: {problems[0]}",
                    "have the desk resend it; see the report beside it in rejected/",
                ),
                now,
            )
            return _InboxResult(False, {"file": path.name, "problems": [str(p) for p in problems]})
        result = import_fills(self.new_uow, path.name, reports, principal=SCHEDULER, now=now)
        return _InboxResult(
            True,
            {
                "file": path.name,
                "reports": result.reports,
                "new": result.new,
                "booked_blocks": list(result.booked_blocks),
                "booked_orders": result.booked_orders,
                "waiting": list(result.waiting),
                "unmatched": list(result.unmatched),
                "refused": list(result.refused),
                "problems": [str(p) for p in (*problems, *result.problems)],
            },
        )

    def fills(self, run: StageRun) -> Outcome:
        from trimtab.feeds.inbox import process_inbox
        from trimtab.services.fills_import import open_blocks

        folder = self.config.executions
        if folder is None:
            return Failed("no executions folder configured ([pipeline] executions)")
        folder.mkdir(parents=True, exist_ok=True)
        imported = process_inbox(folder, self._import_file)
        booked = sum(int(r.body.get("booked_orders", 0)) for _, r in imported)
        # The day's run ids are `<as-of>.<n>` (services.nightly_run.start_run).
        with self.new_uow() as uow:
            still = [b for b in open_blocks(uow).values() if b.run_id.startswith(f"{run.day}.")]
        if still:
            return NotYet(
                f"{len(still)} block orders of {run.day} not final yet ({booked} orders booked now)"
            )
        return Done(f"every block order of {run.day} final; {booked} orders booked now")


@dataclass
class Scheduler:
    """One tick of the pipeline at a time; all state in the database.

    After each stage it runs, and at least every `WATCH_EVERY` on its clock, the process
    checks run (`services.monitoring.check_processes`: what they find is raised, what
    they no longer find resolved); every tick then sends what is due on `channels`
    (`services.alert_delivery.deliver_pending`: new alerts, resolutions, retries). Both
    come after the stage's commit, and neither can stop the pipeline: a check or a
    channel that fails is logged and tried again on the next tick."""

    work: StageWork
    here: Here = field(default_factory=Here.this_process)
    day: dt.date | None = None  # a fixed day (catch-up, tests); None: today
    channels: Sequence[AlertChannel] = ()
    stopped: bool = False
    last_check: dt.datetime | None = field(default=None, init=False)

    @property
    def new_uow(self) -> Callable[[], Any]:
        return self.work.new_uow

    def start(self) -> list[str]:
        """Take the lease and register the expected files; the problems, if refused."""
        ok, problems = take_scheduler_lease(self.new_uow, here=self.here, now=self.work.clock())
        if not ok:
            return [p.message for p in problems]
        self.work.register_expected_files()
        return []

    def tick(self) -> list[str]:
        """Run every stage due now; the stages run. Stops the process if the lease is lost."""
        if self.stopped:
            return []
        config = self.work.config
        now = self.work.clock()
        day = self.day or config.today(now)
        ran: list[str] = []
        try:
            if not keep_scheduler_lease(self.new_uow, here=self.here, now=now):
                log.error("the scheduler lease was taken by another process; stopping")
                self.stopped = True
                return []
            if config.calendar.is_business_day(day):
                ran = self._run_due(day, now)
        except DATABASE_UNAVAILABLE as error:  # the next tick tries again
            log.warning("database unavailable: %s", error)
            return ran
        # On its clock too, business day or not: a file that came late, an alert a
        # person fixed by hand are resolved (and their notices sent) without a stage.
        last = self.last_check
        if last is None or self.work.clock() - last >= WATCH_EVERY:
            self._check(day)
        self._deliver()
        return ran

    def _run_due(self, day: dt.date, now: dt.datetime) -> list[str]:
        config = self.work.config
        ran: list[str] = []
        runners = self.work.runners()
        for stage in due(self.new_uow, config, day, now=now):
            # Every line the stage's work writes (the nightly run's too) names the stage.
            with log_context(stage_id=f"{day}:{stage}"):
                status = run_stage(
                    self.new_uow,
                    config,
                    day,
                    stage,
                    runners[stage],
                    here=self.here,
                    clock=self.work.clock,
                    transient=DATABASE_UNAVAILABLE,
                )
                if status is not None:
                    log.info("%s %s: %s %s", day, stage, status.state.value, status.reason)
                    ran.append(stage)
            if status is not None:
                self._check(day)
        return ran

    def _check(self, day: dt.date) -> None:
        config = self.work.config
        now = self.work.clock()
        try:
            report = check_processes(
                self.new_uow, day=day, now=now, here=self.here, calendar=config.calendar
            )
        except Exception:  # a defect in a check must not stop the firm's day
            log.exception("process checks of %s failed; trying again on the next tick", day)
            return
        self.last_check = now
        for episode in report.opened:
            log.warning("alert %s: %s", episode.cause, episode.alert.summary)
        for episode in report.resolved:
            log.info("resolved %s", episode.cause)

    def _deliver(self) -> None:
        try:
            report = deliver_pending(
                self.new_uow, self.channels, now=self.work.clock(), clock=self.work.clock
            )
        except Exception:  # e.g. the database went away: nothing is lost, only later
            log.exception("alert delivery failed; trying again on the next tick")
            return
        for error in report.errors:
            log.warning("alert delivery: %s (tried again later)", error)

    def beat(self) -> None:
        """Refresh the lease (a job of its own: a stage may run for an hour, the lease must
        stay live meanwhile); lost → stop."""
        try:
            if not keep_scheduler_lease(self.new_uow, here=self.here, now=self.work.clock()):
                log.error("the scheduler lease was taken by another process; stopping")
                self.stopped = True
        except DATABASE_UNAVAILABLE as error:
            log.warning("database unavailable: %s", error)

    def stop(self) -> None:
        self.stopped = True
        try:
            release_scheduler_lease(self.new_uow, here=self.here)
        except DATABASE_ERRORS as error:
            log.warning("could not release the lease: %s", error)


def serve(
    url: str,
    config: PipelineConfig,
    *,
    fix: tuple[str, str] = ("TRIMTAB", "OMS"),
    day: dt.date | None = None,
    channels: Sequence[AlertChannel] = (),
) -> list[str]:
    """Run the scheduler until stopped (Ctrl-C, SIGTERM, or the lease lost); the problems
    that kept it from starting, if any. Alerts go out on `channels` (the `[alerts]`
    table of the firm's file, docs/alerts.md)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    # APScheduler logs every tick at INFO; the stages' own lines say what happened.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    db = open_database(url, create=False)
    scheduler = Scheduler(StageWork(db, url, config, fix), day=day, channels=channels)
    try:
        refused = scheduler.start()
        if refused:
            return refused
        blocking = BlockingScheduler(timezone=config.tz)

        def tick() -> None:
            scheduler.tick()
            if scheduler.stopped:
                blocking.shutdown(wait=False)

        blocking.add_job(
            tick,
            "interval",
            seconds=config.tick_seconds,
            id="pipeline-tick",
            next_run_time=dt.datetime.now(config.tz),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

        def beat() -> None:
            scheduler.beat()
            if scheduler.stopped:
                blocking.shutdown(wait=False)

        blocking.add_job(
            beat,
            "interval",
            seconds=HEARTBEAT.total_seconds(),
            id="scheduler-heartbeat",
            max_instances=1,
            coalesce=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: blocking.shutdown(wait=False))
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            blocking.start()
        return []
    finally:
        scheduler.stop()
        db.close()
