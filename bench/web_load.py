"""Benchmark: the web app under load — 50 people of every role at once, on PostgreSQL.

Workload (issue 14, "Speed"): the demo firm at `--accounts` N (default 100,000; the
full 2,517-day price history of `trimtab demo load`), its model book and routing
policy, one nightly run (so there is a review queue, proposals and analyses to read),
the demo users (`trimtab demo users`) plus `--advisors` advisor users, each linked to a
different advisor of the firm, and a few more users of every other role. `trimtab serve
--workers 2` (uvicorn) listens on 127.0.0.1; locust, headless, runs `--users` simulated
people of the roles in `bench/locustfile.py` (their morning: dashboards, account pages
of accounts in their scope, the JSON API's account and proposal reads, the review queue,
a customization preview), each waiting 1-4 s between requests as a person reading a
page does. Every request's time is the server's answer as the client saw it.

    .venv/bin/python -m bench.web_load --accounts 100000            # prints the table
    .venv/bin/python -m bench.web_load --accounts 10000 --users 50 --time 60s

The database is a PostgreSQL schema of TRIMTAB_TEST_POSTGRES_URL (default the local
`test` database) named after `--name` (default `web_<N>`): preparing it takes minutes
(the demo load ≈ 6 min and the nightly run ≈ 6 min at 100,000 accounts), so it is kept
and reused by the next run with the same name (upgraded to the newest schema first);
`--fresh` rebuilds it, `--drop` removes it and exits. Locust's own CSV files (every
route's percentiles, failures) are written under `--out` (default a temporary folder).

It prints a markdown table for bench/README.md: per route, the requests, failures,
p50 / p95 / p99 in milliseconds and the target it is held to, then the machine's load
average before and after (the machine is shared: a busy neighbour shows there).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bench.databases import POSTGRES

if TYPE_CHECKING:
    from trimtab.domain.principal import Principal

AS_OF = dt.date(2025, 6, 30)
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PLAN_ENV = "TRIMTAB_LOAD_PLAN"
# Each role's extra users beyond the demo users (advisors come from --advisors).
EXTRA_USERS = {
    "overlay": 3,
    "compliance": 2,
    "management": 2,
    "committee": 2,
    "data": 2,
    "admin": 1,
}
ACCOUNTS_PER_USER = 200  # the in-scope accounts a simulated person opens, sampled


@dataclass(frozen=True)
class Target:
    """The issue's target for a route: p95 at most `p95_ms`."""

    p95_ms: int

    def holds(self, p95: float) -> bool:
        return p95 <= self.p95_ms


PAGE = Target(200)
PREVIEW = Target(1000)
# The routes the issue holds to a target (locust request names, see bench/locustfile.py).
TARGETS = {
    "GET /dashboard/advisor": PAGE,
    "GET /dashboard/committee": PAGE,
    "GET /dashboard/overlay": PAGE,
    "GET /dashboard/compliance": PAGE,
    "GET /dashboard/management": PAGE,
    "GET /dashboard/data": PAGE,
    "GET /dashboard/admin": PAGE,
    "GET /accounts/{id}": PAGE,
    "GET /api/v1/accounts/{id}": PAGE,
    "GET /api/v1/accounts?limit=50": PAGE,
    "GET /api/v1/proposals/{id}": PAGE,
    "POST /accounts/{id}/customize/preview": PREVIEW,
}


# ------------------------------------------------------------------------ the database


def _admin_engine() -> Engine:
    return create_engine(POSTGRES, isolation_level="AUTOCOMMIT")


def schema_url(schema: str) -> str:
    url = make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _ready(schema: str) -> dict[str, object] | None:
    """The preparation's record when the schema was prepared to the end, else None."""
    engine = _admin_engine()
    try:
        with engine.connect() as c:
            found = c.scalar(text("SELECT to_regclass(:t)"), {"t": f'"{schema}".bench_web_ready'})
            if found is None:
                return None
            raw = c.scalar(text(f'SELECT spec FROM "{schema}".bench_web_ready'))
            return json.loads(raw) if raw else None
    finally:
        engine.dispose()


def drop_schema(schema: str) -> None:
    engine = _admin_engine()
    with engine.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _timed(label: str, started: float) -> None:
    print(f"<!-- {label}: {time.perf_counter() - started:,.0f} s -->", flush=True)


def prepare(schema: str, accounts: int, advisors: int) -> str:
    """The URL of a database holding the firm, its run and the users (built if needed)."""
    url = schema_url(schema)
    from trimtab.bootstrap import open_database

    spec = _ready(schema)
    if spec is not None:
        if spec.get("accounts") != accounts:
            raise SystemExit(
                f"{schema} holds {spec.get('accounts')} accounts, not {accounts}; "
                "use --fresh or another --name"
            )
        db = open_database(url)
        db.upgrade()  # a migration landed since it was built
        db.close()
        analyze(url)
        print(f"<!-- reusing {schema}: {json.dumps(spec)} -->", flush=True)
        return url
    drop_schema(schema)
    engine = _admin_engine()
    with engine.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()

    from trimtab.batch.run import run_nightly
    from trimtab.domain.principal import Principal
    from trimtab.services.demo_firm import DemoSpec
    from trimtab.services.demo_models import seed_model_book
    from trimtab.services.load_demo import load_demo_firm
    from trimtab.services.routing import install_demo_policy

    bench = Principal.cli("bench")
    db = open_database(url)
    db.upgrade()
    started = time.perf_counter()
    load_demo_firm(db.unit_of_work, DemoSpec(accounts, as_of=AS_OF), principal=bench)
    seed_model_book(db.unit_of_work, as_of=AS_OF, principal=bench, now=dt.datetime.now(dt.UTC))
    install_demo_policy(db.unit_of_work, principal=bench)
    _timed(f"demo load, {accounts:,} accounts", started)
    db.close()
    started = time.perf_counter()
    summary = run_nightly(url, as_of=AS_OF, principal=bench, workers=2)
    _timed(f"nightly run {summary.run_id}: {summary.counts}", started)
    keep_taxes_saved(url, bench)
    users = add_users(url, advisors, bench)
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE bench_web_ready (spec TEXT NOT NULL)"))
        record = {
            "accounts": accounts,
            "as_of": AS_OF.isoformat(),
            "users": users,
            "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        c.execute(text("INSERT INTO bench_web_ready VALUES (:s)"), {"s": json.dumps(record)})
    engine.dispose()
    analyze(url)
    return url


def keep_taxes_saved(url: str, bench: Principal) -> None:
    """The management dashboard's kept total, so its page shows the figure as a firm's
    does. Without the night's counterfactuals (9 minutes here) it counts none: the page's
    work is the same (one row read)."""
    from trimtab.bootstrap import open_database
    from trimtab.services.taxes_saved import record_taxes_saved_to_date

    started = time.perf_counter()
    db = open_database(url)
    _, problems = record_taxes_saved_to_date(db.unit_of_work, principal=bench)
    db.close()
    if problems:
        raise SystemExit("taxes saved to date: " + "; ".join(str(p) for p in problems))
    _timed("taxes saved to date kept", started)


def analyze(url: str) -> None:
    """Vacuum and refresh the planner's statistics, as autovacuum does on a firm's server.
    This server runs with autovacuum off: without it the planner would still believe the
    run's tables empty (9 outcome rows estimated for 9,894) and pick plans for that, and
    no index-only scan could skip the table (no visibility map)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        tables = c.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).all()
        c.execute(text("VACUUM ANALYZE " + ", ".join(f'"{t}"' for t in tables)))
    engine.dispose()


def password(login: str) -> str:
    return f"{login}-bench-password"


def add_users(url: str, advisors: int, bench: Principal) -> int:
    """The demo users, `advisors` advisor users (one per firm advisor, the busiest
    first) and EXTRA_USERS of each other role; their passwords are `password(login)`."""
    from trimtab.bootstrap import open_database
    from trimtab.domain.principal import Role
    from trimtab.services.demo_users import demo_users
    from trimtab.services.users import NewUser, add_user

    db = open_database(url)
    added, problems = demo_users(db.unit_of_work, principal=bench)
    if problems:
        raise SystemExit("; ".join(map(str, problems)))
    with db.unit_of_work() as uow:
        counts = uow.coverage.accounts_by_advisor()
    busiest = sorted(counts, key=lambda a: (-counts[a], a))
    new = [
        NewUser(f"bench-advisor-{k}", f"Bench advisor {k}", [Role.ADVISOR], advisor, None)
        for k, advisor in enumerate(busiest[:advisors], start=1)
    ]
    new += [
        NewUser(f"bench-{role}-{k}", f"Bench {role} {k}", [Role(role)], None, None)
        for role, n in EXTRA_USERS.items()
        for k in range(1, n + 1)
    ]
    for user in new:
        request = NewUser(user.login, user.name, user.roles, user.advisor_id, password(user.login))
        _, _, problems = add_user(db.unit_of_work, request, principal=bench)
        if problems:
            raise SystemExit("; ".join(map(str, problems)))
    db.close()
    return len(added) + len(new)


def plan(url: str) -> dict[str, Any]:
    """What the simulated people do it with: each user's login, password, role and a
    sample of the accounts in their scope (advisors: their own; everyone else: the
    firm's), and the accounts with a pending proposal in the latest run."""
    from trimtab.services.demo_users import DEMO_USERS

    engine = create_engine(url)
    with engine.connect() as c:
        users = c.execute(text("SELECT login, roles, advisor_id FROM users ORDER BY login")).all()
        firm = list(
            c.scalars(
                text("SELECT id FROM accounts WHERE status <> 'closed' ORDER BY md5(id) LIMIT :n"),
                {"n": ACCOUNTS_PER_USER * 5},
            )
        )
        run = c.scalar(
            text("SELECT id FROM runs WHERE state = 'finished' ORDER BY started_at DESC LIMIT 1")
        )
        pending = list(
            c.scalars(
                text(
                    "SELECT account_id FROM proposals WHERE run_id = :r AND state = 'pending' "
                    "ORDER BY md5(account_id) LIMIT :n"
                ),
                {"r": run, "n": ACCOUNTS_PER_USER * 5},
            )
        )
        people = []
        demo = {d.login: d.password for d in DEMO_USERS}
        for login, roles, advisor in users:
            role = sorted(json.loads(roles) if isinstance(roles, str) else roles)[0]
            if login not in demo and not login.startswith("bench-"):
                continue
            mine = firm
            if advisor is not None:
                mine = list(
                    c.scalars(
                        text(
                            "SELECT id FROM accounts WHERE advisor_id = :a AND status <> "
                            "'closed' ORDER BY md5(id) LIMIT :n"
                        ),
                        {"a": advisor, "n": ACCOUNTS_PER_USER},
                    )
                )
            people.append(
                {
                    "login": login,
                    "password": demo.get(login) or password(login),
                    "role": role,
                    "accounts": mine[:ACCOUNTS_PER_USER] if advisor else mine,
                }
            )
    engine.dispose()
    return {"people": people, "pending": pending}


# ------------------------------------------------------------------- server and locust


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 600) -> None:
    # A worker answers once it has read the model book (the app's warm-up: ≈ 10 s at
    # 100,000 accounts on a quiet machine, much longer on a busy one).
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"trimtab serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(base + "/sign-in", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"trimtab serve did not answer on {base} within {seconds:.0f} s")


ROLE_WEIGHTS = {
    "advisor": 20,
    "overlay": 10,
    "compliance": 5,
    "management": 4,
    "committee": 3,
    "data": 4,
    "admin": 4,
}  # the locustfile's mix, per 50 people


def sign_in_everyone(
    base: str, plan: dict[str, Any], users: int
) -> dict[str, list[dict[str, Any]]]:
    """One signed-in session per simulated person, made before the clock starts (a
    sign-in is an argon2 hash by design, once a morning, not what the people's pages
    cost): per role, as many sessions as locust may start people of it, each a user of
    that role in turn, with its cookie, its CSRF token and its accounts."""
    import requests

    total = sum(ROLE_WEIGHTS.values())
    by_role: dict[str, list[dict[str, Any]]] = {}
    for person in plan["people"]:
        by_role.setdefault(person["role"], []).append(person)
    sessions: dict[str, list[dict[str, Any]]] = {}
    for role, weight in ROLE_WEIGHTS.items():
        people = by_role[role]
        for k in range(-(-users * weight // total) + 1):
            person = people[k % len(people)]
            client = requests.Session()
            client.get(base + "/sign-in", timeout=60)
            answer = client.post(
                base + "/sign-in",
                data={
                    "login": person["login"],
                    "password": person["password"],
                    "next": "/",
                    "csrf_token": client.cookies.get("trimtab_csrf"),
                },
                allow_redirects=False,
                timeout=60,
            )
            if answer.status_code != 303:
                raise SystemExit(f"sign-in as {person['login']}: {answer.status_code}")
            page = client.get(f"{base}/dashboard/{role}", timeout=300)
            found = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
            sessions.setdefault(role, []).append(
                {
                    "login": person["login"],
                    "cookie": client.cookies.get("trimtab_session"),
                    "csrf": found.group(1) if found else "",
                    "accounts": person["accounts"],
                }
            )
    return sessions


def warm_up(base: str, sessions: dict[str, list[dict[str, Any]]], passes: int) -> None:
    """A few of each person's pages, unmeasured, so that both workers hold what a server
    up since the morning holds (each worker reads the model book itself before its first
    request; a finished run's firm-wide dashboard figures are read by the first
    dashboard that needs them)."""
    import requests

    advisor, overlay = sessions["advisor"][0], sessions["overlay"][0]
    for _ in range(passes):
        for role, people in sessions.items():
            who = people[0]
            paths = [f"/dashboard/{role}", f"/accounts/{who['accounts'][0]}"]
            if role == "advisor":
                paths.append(f"/accounts/{who['accounts'][0]}/customize")
            for path in paths:
                requests.get(base + path, cookies={"trimtab_session": who["cookie"]}, timeout=300)
        requests.post(
            f"{base}/accounts/{advisor['accounts'][0]}/customize/preview",
            data={"setting:tax_sensitivity": "high"},
            headers={"X-CSRF-Token": advisor["csrf"], "HX-Request": "true"},
            cookies={"trimtab_session": advisor["cookie"]},
            timeout=300,
        )
        requests.get(base + "/models", cookies={"trimtab_session": overlay["cookie"]}, timeout=300)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float


def read_stats(path: Path) -> list[Row]:
    rows = []
    with path.open() as f:
        for line in csv.DictReader(f):
            if line["Name"] == "Aggregated":
                continue

            def ms(key: str, line: dict[str, str] = line) -> float:
                return float(line[key]) if line[key] not in ("", "N/A") else float("nan")

            rows.append(
                Row(
                    line["Name"],  # the locustfile names requests "GET /route"
                    int(line["Request Count"]),
                    int(line["Failure Count"]),
                    ms("50%"),
                    ms("95%"),
                    ms("99%"),
                )
            )
    return rows


def table(rows: list[Row]) -> list[str]:
    out = [
        "| route | requests | failures | p50 ms | p95 ms | p99 ms | target p95 |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in sorted(rows, key=lambda r: (r.name not in TARGETS, r.name)):
        target = TARGETS.get(row.name)
        verdict = (
            "–"
            if target is None
            else f"≤ {target.p95_ms:,} ms {'✓' if target.holds(row.p95) else '✗'}"
        )
        out.append(
            f"| `{row.name}` | {row.requests:,} | {row.failures:,} | {row.p50:,.0f} | "
            f"{row.p95:,.0f} | {row.p99:,.0f} | {verdict} |"
        )
    return out


def run(args: argparse.Namespace) -> None:
    schema = f"bench_web_{args.name or args.accounts}"
    if args.drop:
        drop_schema(schema)
        print(f"dropped {schema}")
        return
    if args.fresh:
        drop_schema(schema)
    url = prepare(schema, args.accounts, args.advisors)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="trimtab-web-load-"))
    out.mkdir(parents=True, exist_ok=True)
    people = plan(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TRIMTAB_DATABASE_URL": url, PLAN_ENV: str(out / "plan.json")}
    with (out / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "trimtab"), "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(base, server)
            sessions = sign_in_everyone(base, people, args.users)
            (out / "plan.json").write_text(
                json.dumps({**people, "sessions": sessions, "skip": args.skip})
            )
            warm_up(base, sessions, passes=3)
            before = load_average()
            started = dt.datetime.now().astimezone()
            subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    str(ROOT / "bench/locustfile.py"),
                    "--headless",
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    str(args.spawn_rate),
                    "--run-time",
                    args.time,
                    "--host",
                    base,
                    "--csv",
                    str(out / "web"),
                    "--only-summary",
                    # The figures are the 50 people's steady state: the ramp-up (each
                    # person's sign-in, an argon2 hash by design) is left out, and the
                    # people finish the request in flight when the time is up.
                    "--reset-stats",
                    "--stop-timeout",
                    "30",
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                check=False,  # locust exits 1 when any request failed: the table shows it
                cwd=ROOT,
            )
            after = load_average()
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    rows = read_stats(out / "web_stats.csv")
    print()
    print(
        f"Web load: {args.accounts:,} accounts on PostgreSQL, {args.users} users "
        f"(spawn {args.spawn_rate}/s) for {args.time}, `trimtab serve --workers "
        f"{args.workers}`; {started:%Y-%m-%d %H:%M %Z}; {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average (1/5/15 min) before {before}, "
        f"after {after}; locust CSV in {out}" + (f"; left out: {args.skip}" if args.skip else "")
    )
    print()
    print("\n".join(table(rows)))
    if args.out is None and args.clean:
        shutil.rmtree(out)


ROUTE_REPEATS = 5  # timed requests per route (after one unmeasured request)


def route_times(url: str, repeats: int = ROUTE_REPEATS) -> list[tuple[str, float, float]]:
    """Each route's own service time, one request at a time in this process (no server,
    no queueing): the app on the bench database, a signed-in session per role, one
    unmeasured request per route (the model book's cache, the charts' memory), then
    `repeats` timed ones. Answers (route, median ms, median CPU ms of this process: the
    app's own work, which a busy neighbour slows less than the clock; the database's
    time is in the first figure only)."""
    import statistics

    from fastapi.testclient import TestClient

    from trimtab.bootstrap import open_database
    from trimtab.web import create_app
    from trimtab.web.security import csrf_token_for
    from trimtab.web.settings import WebSettings

    people = plan(url)
    first = {p["role"]: p for p in reversed(people["people"])}  # the demo user of each role
    db = open_database(url, create=False)
    app = create_app(db, settings=WebSettings())
    clients: dict[str, tuple[TestClient, str]] = {}
    for role, person in first.items():
        client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={
                "login": person["login"],
                "password": person["password"],
                "next": "/",
                "csrf_token": client.cookies.get("trimtab_csrf"),
            },
        )
        if answer.status_code != 303:
            raise SystemExit(f"sign-in as {person['login']}: {answer.status_code}")
        clients[role] = (client, csrf_token_for(client.cookies["trimtab_session"]))
    # A route with an account in its path reads another account each time (as people
    # do): a repeat of the same account would be answered from memories (charts).
    mine = first["advisor"]["accounts"][: repeats + 1]
    pending = people["pending"][: repeats + 1]
    firm = first["overlay"]["accounts"][: repeats + 1]

    def each(pattern: str, ids: list[str]) -> list[str]:
        return [pattern.format(id=i) for i in ids]

    routes: list[tuple[str, str, list[str], dict[str, str] | None]] = [
        (f"GET /dashboard/{role}", role, [f"/dashboard/{role}"], None) for role in ROLE_WEIGHTS
    ]
    routes += [
        ("GET /accounts/{id} (advisor)", "advisor", each("/accounts/{id}", mine), None),
        ("GET /accounts/{id} (overlay)", "overlay", each("/accounts/{id}", firm), None),
        ("GET /api/v1/accounts/{id}", "advisor", each("/api/v1/accounts/{id}", mine), None),
        ("GET /api/v1/accounts?limit=50", "advisor", ["/api/v1/accounts?limit=50"], None),
        ("GET /api/v1/proposals/{id}", "overlay", each("/api/v1/proposals/{id}", pending), None),
        ("GET /review", "overlay", ["/review?sort=value"], None),
        ("GET /review?sort=tax&page=3", "overlay", ["/review?sort=tax&page=3"], None),
        ("GET /review/{id}", "overlay", each("/review/{id}", pending), None),
        ("GET /api/v1/proposals", "overlay", ["/api/v1/proposals?sort=value"], None),
        ("GET /orders", "overlay", ["/orders"], None),
        ("GET /runs", "admin", ["/runs"], None),
        ("GET /models", "committee", ["/models"], None),
        ("GET /accounts/{id}/customize", "advisor", each("/accounts/{id}/customize", mine), None),
        (
            "POST /accounts/{id}/customize/preview",
            "advisor",
            each("/accounts/{id}/customize/preview", mine),
            {"setting:tax_sensitivity": "high"},
        ),
    ]
    out = []
    print("| route | median ms | fastest ms | app CPU ms (median) |\n|---|---:|---:|---:|")
    for name, role, paths, form in routes:
        client, csrf = clients[role]
        times, cpu = [], []
        for k in range(repeats + 1):
            path = paths[k % len(paths)]
            started, used = time.perf_counter(), time.process_time()
            if form is None:
                answer = client.get(path)
            else:
                answer = client.post(
                    path, data=form, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
                )
            elapsed = (time.perf_counter() - started) * 1000
            spent = (time.process_time() - used) * 1000
            if answer.status_code != 200:
                break
            if k:
                times.append(elapsed)
                cpu.append(spent)
        if answer.status_code != 200:  # a route that fails is named, the rest still timed
            print(f"| `{name}` | answered {answer.status_code} | | |", flush=True)
            continue
        out.append((name, statistics.median(times), statistics.median(cpu)))
        print(
            f"| `{name}` | {statistics.median(times):,.0f} | {min(times):,.0f} | "
            f"{statistics.median(cpu):,.0f} |",
            flush=True,
        )
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--name", help="the database's name (default: the account count)")
    parser.add_argument("--advisors", type=int, default=30, help="advisor users to add")
    parser.add_argument("--users", type=int, default=50, help="simulated people")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--time", default="60s", help="how long locust runs (60s, 5m)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--out", help="folder for locust's CSV files and the server log")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated request names the people leave out (e.g. the whole review "
        "queue: 'GET /review,GET /api/v1/proposals')",
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument("--drop", action="store_true", help="drop the database and exit")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--clean", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--routes",
        action="store_true",
        help="time each route in this process, one request at a time (no server, no locust)",
    )
    args = parser.parse_args()
    if args.prepare_only:
        prepare(f"bench_web_{args.name or args.accounts}", args.accounts, args.advisors)
        return
    if args.routes:
        schema = f"bench_web_{args.name or args.accounts}"
        url = prepare(schema, args.accounts, args.advisors)
        print(f"<!-- {schema}: in-process, load average before {load_average()} -->")
        route_times(url)
        print(f"<!-- load average after {load_average()} -->")
        return
    run(args)


if __name__ == "__main__":
    main()
