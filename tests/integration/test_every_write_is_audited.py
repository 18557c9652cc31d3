"""Every write service is on the registry, and each leaves exactly one audit entry.

The registry (`trimtab.services.audit.WRITE_SERVICES`, filled by `@write_service`) is the
list of every way trimtab changes what it stores. This file holds it to three promises,
on SQLite and PostgreSQL:

- every registered action has a scenario here (`SCENARIOS`): a small demo firm, the
  state the write needs, then one call as `WHO`. The call must add exactly one entry,
  with that action, `WHO`'s id and the one it acts for, and targets that include the
  id the scenario names (an account first where the write reaches accounts);
- every public function of a services module that takes a `principal` is registered,
  or is listed in `DELEGATES` with the registered writes it makes through others (an
  orchestrator, a factory); so a new write cannot skip the registry unnoticed;
- no write drops its principal (`del actor`, `del principal`).

A scenario's setup writes through the services too (loading the firm, running a night);
those entries come before the one the test counts, so they do not count. The states a
scenario starts from (`Given`: empty, the firm, the firm after a night) are built once
per test process and copied into each test's database (tests/integration/snapshots.py).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal as D
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import trimtab
import trimtab.services
from tests.integration.ops.alert_scenarios import ALERT_DELEGATES, ALERT_SCENARIOS
from tests.integration.pipeline.audit_scenarios import DELEGATES as PIPELINE_DELEGATES
from tests.integration.pipeline.audit_scenarios import PIPELINE_SCENARIOS
from tests.integration.reports.report_scenarios import REPORT_SCENARIOS
from tests.integration.snapshots import Snapshots, migrated
from tests.integration.user_scenarios import DELEGATES as USER_DELEGATES
from tests.integration.user_scenarios import USER_SCENARIOS
from tests.integration.wash_groups.audit_scenarios import WASH_GROUP_SCENARIOS
from trimtab.bootstrap import Database, open_database
from trimtab.domain import Firm
from trimtab.domain.bulk_changes import BulkChangeRequest
from trimtab.domain.file_transfers import ExpectedFile
from trimtab.domain.model_hub import ModelProvider, Subscription
from trimtab.domain.models import Model
from trimtab.domain.principal import Principal, Role, Scope
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_levels import Scope as SettingScope
from trimtab.feeds.readers import open_feed
from trimtab.services.audit import WRITE_SERVICES
from trimtab.services.change_settings import bulk_change, revert_change, set_setting
from trimtab.services.corporate_action_processing import apply_corporate_actions
from trimtab.services.data_quality import check_data_quality
from trimtab.services.demo_firm import DemoSpec
from trimtab.services.demo_models import PROVIDER_MODELS, firm_targets, seed_model_book
from trimtab.services.executions import fill_at_close
from trimtab.services.file_monitoring import expect_files
from trimtab.services.filters import save_filter
from trimtab.services.load_demo import load_batches, load_demo_firm
from trimtab.services.load_feed import load_feed
from trimtab.services.model_book import assign_target, record_definitions
from trimtab.services.model_hub import add_provider, subscribe, upload_model
from trimtab.services.nightly_run import (
    Chunk,
    Here,
    RunRequest,
    RunStart,
    analyze_chunk,
    finish_run,
    night_context,
    start_run,
    void_run,
)
from trimtab.services.orders import create_orders
from trimtab.services.ports import Batch
from trimtab.services.review import (
    approve,
    approve_matching,
    edit,
    open_proposal,
    reject,
    review_queue,
)
from trimtab.services.routing import DEMO_POLICY, install_demo_policy, set_policy
from trimtab.services.security_master import classify_security
from trimtab.services.synchronization import check_synchronization


def _service_modules() -> list[ModuleType]:
    """Every module under trimtab.services, imported: the registry is filled on import."""
    prefix = f"{trimtab.services.__name__}."
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(trimtab.services.__path__, prefix)
    ]


MODULES = _service_modules()

AS_OF = dt.date(2025, 6, 30)  # a Monday, the demo firm's last day of prices
NOW = dt.datetime(2025, 6, 30, 22, tzinfo=dt.UTC)
SPEC = DemoSpec(accounts=12, as_of=AS_OF, seed=3, days=60, households_per_chunk=10)
SETUP = Principal.cli("setup")  # who builds each scenario's state (entries not counted)
BO = Principal("user:bo", "Bo", frozenset({Role.OVERLAY}), Scope.firm())
WHO = Principal.cli("ana").acting_for(BO)  # the admin acting for an overlay manager
HERE = Here.this_process()

# Public functions taking a principal that are not write services themselves: each
# makes its writes through the registered services named (and so leaves their entries).
DELEGATES: dict[str, tuple[str, ...]] = {
    "trimtab.services.corporate_action_processing.apply_requested_actions": (
        "corporate_actions.apply",
    ),
    "trimtab.services.nightly_run.analyze_chunk": ("run.chunk",),
    "trimtab.services.feed_loading.feed_loader": ("feeds.load",),
    "trimtab.services.feed_loading.expect_from_mappings": ("feeds.expect",),
}


# -- the state scenarios start from ------------------------------------------------------


def _firm(db: Database, *, policy: bool = True) -> None:
    """The small demo firm with its model book and (unless told) its routing policy."""
    assert load_demo_firm(db.unit_of_work, SPEC, principal=SETUP).loaded
    seed_model_book(db.unit_of_work, as_of=AS_OF, principal=SETUP, now=NOW)
    if policy:
        install_demo_policy(db.unit_of_work, principal=SETUP, now=NOW)


def _routed_firm(url: str, db: Database) -> None:
    _firm(db)


def _unrouted_firm(url: str, db: Database) -> None:
    _firm(db, policy=False)


def _routed_night(url: str, db: Database) -> str:
    return _ran(db)


def _night_all_for_review(url: str, db: Database) -> str:
    return _ran(db, review_everyone=True)


@dataclass
class Given:
    """A test's own database, put in the state its scenario starts from, and a folder."""

    url: str
    folder: Path
    snapshots: Snapshots
    databases: list[Database] = field(default_factory=list)

    def empty(self) -> Database:
        return self._restored(migrated)[0]

    def firm(self, *, policy: bool = True) -> Database:
        """`_firm`: the small demo firm, with its routing policy unless told."""
        return self._restored(_routed_firm if policy else _unrouted_firm)[0]

    def ran(self, *, review_everyone: bool = False) -> tuple[Database, str]:
        """`_ran`: the firm after one finished night; the database and the run's id."""
        return self._restored(_night_all_for_review if review_everyone else _routed_night)

    def _restored(self, build: Callable[[str, Database], Any]) -> tuple[Database, Any]:
        answer = self.snapshots.restore(self.url, build)
        self.databases.append(open_database(self.url))
        return self.databases[-1], answer


def _account(db: Database) -> str:
    with db.unit_of_work() as uow:
        found = sorted(uow.model_book.account_allocations())
    return found[0]


def _load(db: Database, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    feed, problems = open_feed(path)
    assert feed is not None, problems
    assert load_feed(db.unit_of_work, feed, principal=SETUP, now=NOW).loaded


def _held_security(db: Database) -> str:
    with db.unit_of_work() as uow:
        return uow.lots.for_account(_account(db))[0].security


def _split_recorded(db: Database, folder: Path) -> str:
    """A 2-for-1 split of a security the first account holds, recorded by the feed."""
    ticker = _held_security(db)
    _load(
        db,
        folder / "corporate_actions.csv",
        f"action_id,kind,security,effective,ratio\nCA-1,split,{ticker},{AS_OF},2\n",
    )
    return "action:CA-1"


def _started(db: Database) -> RunStart:
    """A run started for AS_OF, none of its accounts analyzed yet."""
    start, problems = start_run(
        db.unit_of_work, RunRequest(AS_OF), principal=SETUP, here=HERE, today=AS_OF, now=NOW
    )
    assert start is not None, problems
    return start


def _analyze(db: Database, start: RunStart, principal: Principal) -> None:
    """Analyze and write every account of the run as one chunk."""
    ctx = night_context(db.unit_of_work, AS_OF, start.policy, start.filters)
    chunk = Chunk(start.run.id, AS_OF, 1, start.todo)
    analyze_chunk(db.unit_of_work, chunk, ctx, principal=principal)


def _ran(db: Database, *, review_everyone: bool = False) -> str:
    """The firm after one finished night; with `review_everyone`, every proposal waits
    for review. The run's id."""
    _firm(db, policy=not review_everyone)
    if review_everyone:
        save_filter(
            db.unit_of_work, principal=SETUP, name="everyone", expression='status = "open"',
            shared=True,
        )  # fmt: skip
        _, problems = set_policy(
            db.unit_of_work, "review everyone\n", principal=SETUP, reason="test", now=NOW
        )
        assert problems == []
    start = _started(db)
    _analyze(db, start, SETUP)
    end = finish_run(db.unit_of_work, start.run.id, principal=SETUP, here=HERE, seconds=1, now=NOW)
    assert end.finished
    return start.run.id


def _pending(db: Database) -> str:
    queue = review_queue(db.unit_of_work)
    assert queue, "the scenario needs a proposal waiting for review"
    return queue[0].account


# -- one scenario per action -------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    """The one call under test, and an id the entry's targets must include."""

    call: Callable[[], object]
    target: str


Scenario = Callable[[Given], Act]


def settings_set(given: Given) -> Act:
    db = given.firm()
    account = _account(db)
    return Act(
        lambda: set_setting(
            db.unit_of_work,
            principal=WHO,
            setting="drift_tolerance",
            scope=SettingScope(Level.ACCOUNT, account),
            value="tight",
            reason="client asked",
            now=NOW,
        ),
        account,
    )


def settings_bulk_change(given: Given) -> Act:
    db = given.firm()
    request = BulkChangeRequest("drift_tolerance", "tight", 'status = "open"', "tighter")
    return Act(
        lambda: bulk_change(db.unit_of_work, request, principal=WHO, apply=True, now=NOW),
        _account(db),
    )


def settings_revert(given: Given) -> Act:
    db = given.firm()
    account = _account(db)
    change, problems = set_setting(
        db.unit_of_work,
        principal=SETUP,
        setting="drift_tolerance",
        scope=SettingScope(Level.ACCOUNT, account),
        value="tight",
        reason="client asked",
        now=NOW,
    )
    assert change is not None, problems
    return Act(
        lambda: revert_change(db.unit_of_work, change.id, principal=WHO, reason="no, he did not"),
        account,
    )


def filters_save(given: Given) -> Act:
    db = given.firm()
    return Act(
        lambda: save_filter(
            db.unit_of_work, principal=WHO, name="big", expression="value > 1m", now=NOW
        ),
        "filter:big",
    )


def firm_load(given: Given) -> Act:
    db = given.empty()
    batch = Batch(firms=[Firm("F1", "First firm")])
    return Act(lambda: load_batches(db.unit_of_work, [batch], principal=WHO), "firm:F1")


def demo_load(given: Given) -> Act:
    db = given.empty()
    return Act(lambda: load_demo_firm(db.unit_of_work, SPEC, principal=WHO), "firm:DEMO")


def demo_seed_model_book(given: Given) -> Act:
    db = given.empty()
    assert load_demo_firm(db.unit_of_work, SPEC, principal=SETUP).loaded
    return Act(
        lambda: seed_model_book(db.unit_of_work, as_of=AS_OF, principal=WHO, now=NOW),
        f"target:{firm_targets()[0].id}",
    )


def models_record(given: Given) -> Act:
    db = given.firm()
    sleeve = PROVIDER_MODELS[0]
    reweighted = Model(
        sleeve.id,
        sleeve.name,
        {t: D("1") / len(sleeve.weights) for t in sleeve.weights},
        asset_class=sleeve.asset_class,
        provider=sleeve.provider,
    )
    return Act(
        lambda: record_definitions(
            db.unit_of_work, [reweighted], principal=WHO, reason="equal weights", now=NOW
        ),
        f"model:{sleeve.id}",
    )


def models_assign(given: Given) -> Act:
    db = given.firm()
    account = _account(db)
    return Act(
        lambda: assign_target(
            db.unit_of_work, account, firm_targets()[0].id, principal=WHO, as_of=AS_OF
        ),
        account,
    )


def hub_add_provider(given: Given) -> Act:
    db = given.empty()
    provider = ModelProvider("NEWP", "New Provider", D("12"))
    return Act(lambda: add_provider(db.unit_of_work, provider, principal=WHO), "provider:NEWP")


def hub_upload(given: Given) -> Act:
    db = given.firm()
    sleeve = PROVIDER_MODELS[0]
    lines = [(t, D("1") / len(sleeve.weights)) for t in sleeve.weights]
    return Act(
        lambda: upload_model(
            db.unit_of_work,
            sleeve.provider or "",
            sleeve.id,
            lines,
            principal=WHO,
            now=NOW,
            source="sleeve.csv",
        ),
        f"model:{sleeve.id}",
    )


def hub_subscribe(given: Given) -> Act:
    db = given.firm()
    sleeve = PROVIDER_MODELS[0]
    again = Subscription(sleeve.provider or "", sleeve.id, AS_OF)
    return Act(lambda: subscribe(db.unit_of_work, again, principal=WHO), f"model:{sleeve.id}")


def feeds_load(given: Given) -> Act:
    db = given.firm()
    account = _account(db)
    path = given.folder / "cash.csv"
    path.write_text(f"account,amount,as_of\n{account},1234.56,{AS_OF}\n", encoding="utf-8")
    feed, problems = open_feed(path)
    assert feed is not None, problems
    return Act(lambda: load_feed(db.unit_of_work, feed, principal=WHO, now=NOW), account)


def feeds_expect(given: Given) -> Act:
    db = given.empty()
    files = [ExpectedFile("northbank", "lots", dt.time(7))]
    return Act(
        lambda: expect_files(
            db.unit_of_work, "northbank", files, timezone="America/New_York", principal=WHO
        ),
        "source:northbank",
    )


def feeds_check_quality(given: Given) -> Act:
    db = given.firm()
    account = _account(db)
    # Negative cash is a data error the check must name.
    _load(db, given.folder / "cash.csv", f"account,amount,as_of\n{account},-50,{AS_OF}\n")
    return Act(lambda: check_data_quality(db.unit_of_work, day=AS_OF, principal=WHO), account)


def feeds_check_sync(given: Given) -> Act:
    db = given.firm()
    action = _split_recorded(db, given.folder)
    apply_corporate_actions(db.unit_of_work, principal=SETUP, now=NOW)
    return Act(
        lambda: check_synchronization(db.unit_of_work, day=AS_OF, principal=WHO, now=NOW),
        action,
    )


def corporate_actions_apply(given: Given) -> Act:
    db = given.firm()
    action = _split_recorded(db, given.folder)
    return Act(lambda: apply_corporate_actions(db.unit_of_work, principal=WHO, now=NOW), action)


def securities_classify(given: Given) -> Act:
    db = given.firm()
    account = _account(db)
    _load(
        db,
        given.folder / "lots.csv",
        "lot_id,account,security,quantity,cost_basis,acquired\n"
        f"NEW-1,{account},NEWCO,10,500,2025-05-01\n",
    )
    return Act(
        lambda: classify_security(
            db.unit_of_work, "NEWCO", asset_class="US_LARGE", principal=WHO, now=NOW
        ),
        account,  # released from its hold
    )


def routing_install_demo(given: Given) -> Act:
    db = given.firm(policy=False)
    return Act(lambda: install_demo_policy(db.unit_of_work, principal=WHO, now=NOW), "filter:held")


def routing_set(given: Given) -> Act:
    db = given.firm()
    text = DEMO_POLICY.replace("flag        should_have_traded\n", "")
    return Act(
        lambda: set_policy(db.unit_of_work, text, principal=WHO, reason="quieter", now=NOW),
        "routing:2",
    )


def run_start(given: Given) -> Act:
    db = given.firm()
    return Act(
        lambda: start_run(
            db.unit_of_work, RunRequest(AS_OF), principal=WHO, here=HERE, today=AS_OF, now=NOW
        ),
        f"run:{AS_OF}.1",
    )


def run_chunk(given: Given) -> Act:
    db = given.firm()
    start = _started(db)
    return Act(lambda: _analyze(db, start, WHO), start.todo[0])


def run_finish(given: Given) -> Act:
    db = given.firm()
    start = _started(db)
    _analyze(db, start, SETUP)
    return Act(
        lambda: finish_run(
            db.unit_of_work, start.run.id, principal=WHO, here=HERE, seconds=1, now=NOW
        ),
        f"run:{start.run.id}",
    )


def run_void(given: Given) -> Act:
    db, run_id = given.ran()
    return Act(
        lambda: void_run(
            db.unit_of_work, run_id, principal=WHO, reason="wrong prices", here=HERE, now=NOW
        ),
        f"run:{run_id}",
    )


def review_approve(given: Given) -> Act:
    db, _ = given.ran(review_everyone=True)
    account = _pending(db)
    return Act(
        lambda: approve(db.unit_of_work, account, principal=WHO, reason="fine", now=NOW), account
    )


def review_reject(given: Given) -> Act:
    db, _ = given.ran(review_everyone=True)
    account = _pending(db)
    return Act(
        lambda: reject(db.unit_of_work, account, principal=WHO, reason="call first", now=NOW),
        account,
    )


def review_bulk_approve(given: Given) -> Act:
    db, _ = given.ran(review_everyone=True)
    account = _pending(db)
    return Act(
        lambda: approve_matching(
            db.unit_of_work, f'id = "{account}"', principal=WHO, reason="fine", now=NOW
        ),
        account,
    )


def review_edit(given: Given) -> Act:
    db, _ = given.ran(review_everyone=True)
    account = _pending(db)
    detail, _ = open_proposal(db.unit_of_work, account)
    assert detail is not None
    trades = detail.proposal.trades
    assert trades, "the scenario needs a proposal with a trade to edit"
    # Keep the first trade as it is: an edit the hard rules accept.
    same = {(trades[0].side, trades[0].security): trades[0].quantity}
    return Act(
        lambda: edit(
            db.unit_of_work, account, quantities=same, principal=WHO, reason="ok", now=NOW
        ),
        account,
    )


def orders_create(given: Given) -> Act:
    db, run_id = given.ran()
    return Act(lambda: create_orders(db.unit_of_work, principal=WHO, now=NOW), f"run:{run_id}")


def orders_fill(given: Given) -> Act:
    db, _ = given.ran()
    run_id, added, problems = create_orders(db.unit_of_work, principal=SETUP, now=NOW)
    assert problems == []
    assert added
    return Act(lambda: fill_at_close(db.unit_of_work, principal=WHO, now=NOW), f"run:{run_id}")


SCENARIOS: dict[str, Scenario] = {
    "settings.set": settings_set,
    "settings.bulk_change": settings_bulk_change,
    "settings.revert": settings_revert,
    "filters.save": filters_save,
    "firm.load": firm_load,
    "demo.load": demo_load,
    "demo.seed_model_book": demo_seed_model_book,
    "models.record": models_record,
    "models.assign": models_assign,
    "hub.add_provider": hub_add_provider,
    "hub.upload": hub_upload,
    "hub.subscribe": hub_subscribe,
    "feeds.load": feeds_load,
    "feeds.expect": feeds_expect,
    "feeds.check_quality": feeds_check_quality,
    "feeds.check_sync": feeds_check_sync,
    "corporate_actions.apply": corporate_actions_apply,
    "securities.classify": securities_classify,
    "routing.install_demo": routing_install_demo,
    "routing.set": routing_set,
    "run.start": run_start,
    "run.chunk": run_chunk,
    "run.finish": run_finish,
    "run.void": run_void,
    "review.approve": review_approve,
    "review.reject": review_reject,
    "review.edit": review_edit,
    "review.bulk_approve": review_bulk_approve,
    "orders.create": orders_create,
    "orders.fill": orders_fill,
}


def _user_scenario(
    make: Callable[[Database, Principal], tuple[Callable[[], object], str]],
) -> Scenario:
    """A scenario of tests/integration/user_scenarios.py (users, teams, tokens, sessions)."""
    return lambda given: Act(*make(given.empty(), WHO))


SCENARIOS.update({action: _user_scenario(make) for action, make in USER_SCENARIOS.items()})
DELEGATES.update(USER_DELEGATES)
SCENARIOS.update({action: _user_scenario(make) for action, make in PIPELINE_SCENARIOS.items()})
DELEGATES.update(PIPELINE_DELEGATES)
SCENARIOS.update({action: _user_scenario(make) for action, make in ALERT_SCENARIOS.items()})
DELEGATES.update(ALERT_DELEGATES)
SCENARIOS.update({action: _user_scenario(make) for action, make in REPORT_SCENARIOS.items()})
SCENARIOS.update({a: _user_scenario(make) for a, make in WASH_GROUP_SCENARIOS.items()})


# -- the tests ---------------------------------------------------------------------------


def _qualified(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def test_every_registered_write_has_a_scenario() -> None:
    missing = {a: _qualified(f) for a, f in WRITE_SERVICES.items() if a not in SCENARIOS}
    assert not missing, f"write services without a scenario in SCENARIOS: {missing}"
    stale = sorted(set(SCENARIOS) - set(WRITE_SERVICES))
    assert not stale, f"scenarios for actions no service records: {stale}"


def test_every_public_function_taking_a_principal_is_a_registered_write() -> None:
    registered = {_qualified(f) for f in WRITE_SERVICES.values()}
    unregistered = sorted(
        _qualified(function)
        for module in MODULES
        if module.__name__ != "trimtab.services.audit"  # `record` itself, and the registry
        for name, function in vars(module).items()
        if inspect.isfunction(function)
        and function.__module__ == module.__name__
        and not name.startswith("_")
        and "principal" in inspect.signature(function).parameters
        and _qualified(function) not in registered
        and _qualified(function) not in DELEGATES
    )
    assert not unregistered, (
        f"take a principal but are not @write_service (nor DELEGATES): {unregistered}"
    )
    for name, actions in DELEGATES.items():
        assert set(actions) <= set(WRITE_SERVICES), f"{name} delegates to unknown {actions}"


@pytest.mark.parametrize("action", sorted(WRITE_SERVICES))
def test_each_write_service_takes_the_principal_by_keyword(action: str) -> None:
    parameter = inspect.signature(WRITE_SERVICES[action]).parameters.get("principal")
    assert parameter is not None, f"{action}: no `principal` parameter"
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, f"{action}: `principal` positional"


def test_no_write_drops_its_principal() -> None:
    source = Path(trimtab.__file__).parent
    dropped = [
        f"{path.relative_to(source)}:{number}"
        for path in sorted(source.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip() in ("del actor", "del principal") or line.strip().startswith("del actor ")
    ]
    assert dropped == []


@pytest.fixture
def given(database_url: str, tmp_path: Path, snapshots: Snapshots) -> Iterator[Given]:
    start = Given(database_url, tmp_path, snapshots)
    yield start
    for db in start.databases:
        db.close()


@pytest.mark.parametrize("action", sorted(WRITE_SERVICES))
def test_each_write_leaves_exactly_one_audit_entry(action: str, given: Given) -> None:
    scenario = SCENARIOS.get(action)
    if scenario is None:
        pytest.fail(f"{action} ({_qualified(WRITE_SERVICES[action])}) has no scenario")
    act = scenario(given)
    (database,) = given.databases  # a scenario starts from one state
    with database.unit_of_work() as uow:
        before = max((e.seq for e in uow.audit.in_order()), default=0)

    act.call()

    with database.unit_of_work() as uow:
        new = list(uow.audit.in_order(before))
    assert [e.action for e in new] == [action]
    (entry,) = new
    assert (entry.principal, entry.principal_name, entry.on_behalf_of) == ("cli:ana", "ana", BO.id)
    assert entry.targets, f"{action}: an entry must name what it changed"
    assert act.target in entry.targets, (act.target, entry.targets)
