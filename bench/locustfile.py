"""The people of a wealth-management firm on a weekday morning, for locust (bench/web_load.py).

Each simulated person works in a session of a user of one role (the plan that
`bench.web_load` writes, named by TRIMTAB_LOAD_PLAN: sessions signed in beforehand, and
a sample of the accounts in each user's scope) as that role does, reading a page for
1-4 s between requests. The mix of 50 people: 20 advisors (their dashboard, their clients' account
pages, the API's account reads, the customization editor and its preview), 10 on the
overlay desk (dashboard, review queue, proposals by page and by API, account pages),
5 in compliance, 4 in management, 3 on the committee, 4 in data operations and 4
administrators (their dashboards and their own pages). Requests are named by route
(`GET /accounts/{id}`), so locust's statistics are per route, not per account.

    locust -f bench/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8000

A response other than 200 is a failure. Request names listed in the plan's `skip` are
left out (`bench.web_load --skip`).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["TRIMTAB_LOAD_PLAN"]).read_text())
# Each person takes the next signed-in session of their role (bench.web_load signs
# everyone in before the clock starts).
_NEXT: dict[str, Iterator[dict[str, Any]]] = {
    role: itertools.cycle(sessions) for role, sessions in PLAN["sessions"].items()
}
SKIP = frozenset(name for name in PLAN.get("skip", "").split(",") if name)
_CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')
# A preview an advisor might try: a different tax sensitivity (the engine runs twice).
PREVIEWS = (
    {"setting:tax_sensitivity": "high"},
    {"setting:tax_sensitivity": "none"},
    {"setting:drift_tolerance": "tight"},
    {"setting:loss_harvesting": "year_round"},
)


class Person(HttpUser):
    """A signed-in user of `role`; subclasses add the role's tasks."""

    abstract = True
    role = ""
    # 1-4 s reading a page: under uvicorn's 5 s keep-alive, so an idle connection is never
    # closed by the server just as the client reuses it (a browser would retry; locust
    # counts a failure).
    wait_time = between(1, 4)

    def on_start(self) -> None:
        me = next(_NEXT[self.role])
        self.login = me["login"]
        self.accounts: list[str] = me["accounts"]
        self.csrf: str = me["csrf"]
        self.client.cookies.set("trimtab_session", me["cookie"])

    def page(self, path: str, name: str) -> Any:
        if name in SKIP:
            return None
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} {path}")
            else:
                found = _CSRF.search(answer.text)
                if found:
                    self.csrf = found.group(1)
            return answer

    def account(self) -> str:
        return random.choice(self.accounts)

    def dashboard(self) -> None:
        self.page(f"/dashboard/{self.role}", f"GET /dashboard/{self.role}")

    def account_page(self) -> None:
        self.page(f"/accounts/{self.account()}", "GET /accounts/{id}")


class Advisor(Person):
    weight = 20
    role = "advisor"

    @task(3)
    def my_dashboard(self) -> None:
        self.dashboard()

    @task(5)
    def client_account(self) -> None:
        self.account_page()

    @task(2)
    def api_account(self) -> None:
        self.page(f"/api/v1/accounts/{self.account()}", "GET /api/v1/accounts/{id}")

    @task(1)
    def api_accounts(self) -> None:
        self.page("/api/v1/accounts?limit=50", "GET /api/v1/accounts?limit=50")

    @task(1)
    def customize(self) -> None:
        account = self.account()
        self.page(f"/accounts/{account}/customize", "GET /accounts/{id}/customize")
        with self.client.post(
            f"/accounts/{account}/customize/preview",
            data=random.choice(PREVIEWS),
            headers={"X-CSRF-Token": self.csrf, "HX-Request": "true"},
            name="POST /accounts/{id}/customize/preview",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200 or "Preview (nothing saved)" not in answer.text:
                answer.failure(f"{answer.status_code} preview of {account}")


class Overlay(Person):
    weight = 10
    role = "overlay"

    def on_start(self) -> None:
        super().on_start()
        self.pending: list[str] = PLAN["pending"] or self.accounts

    @task(3)
    def my_dashboard(self) -> None:
        self.dashboard()

    @task(2)
    def queue(self) -> None:
        self.page("/review?sort=value", "GET /review")

    @task(2)
    def proposal_page(self) -> None:
        self.page(f"/review/{random.choice(self.pending)}", "GET /review/{id}")

    @task(2)
    def api_proposal(self) -> None:
        account = random.choice(self.pending)
        self.page(f"/api/v1/proposals/{account}", "GET /api/v1/proposals/{id}")

    @task(1)
    def api_queue(self) -> None:
        self.page("/api/v1/proposals?sort=value", "GET /api/v1/proposals")

    @task(2)
    def client_account(self) -> None:
        self.account_page()


class Compliance(Person):
    weight = 5
    role = "compliance"

    @task(3)
    def my_dashboard(self) -> None:
        self.dashboard()

    @task(3)
    def client_account(self) -> None:
        self.account_page()

    @task(1)
    def drifted(self) -> None:
        self.page(
            "/api/v1/accounts?limit=50&filter=drift%20%3E%200.05", "GET /api/v1/accounts?filter="
        )


class Management(Person):
    weight = 4
    role = "management"

    @task(3)
    def my_dashboard(self) -> None:
        self.dashboard()

    @task(1)
    def client_account(self) -> None:
        self.account_page()


class Committee(Person):
    weight = 3
    role = "committee"

    @task(3)
    def my_dashboard(self) -> None:
        self.dashboard()

    @task(1)
    def models(self) -> None:
        self.page("/models", "GET /models")


class Data(Person):
    weight = 4
    role = "data"

    @task(3)
    def my_dashboard(self) -> None:
        self.dashboard()

    @task(1)
    def today(self) -> None:
        self.page("/data", "GET /data")


class Admin(Person):
    weight = 4
    role = "admin"

    @task(3)
    def my_dashboard(self) -> None:
        self.dashboard()

    @task(1)
    def runs(self) -> None:
        self.page("/runs", "GET /runs")
