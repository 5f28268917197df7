"""The users of the national peak (benchmarks/locust_mix.py plays them): observers on tablets,
leads and teachers browsing, reviewers downloading. Imported before anything else in its process:
Locust patches the standard library for gevent."""

from __future__ import annotations

from locust import FastHttpUser, between, task  # isort: skip

import itertools
import os
import random
import re
import time
import urllib.parse
from datetime import date, timedelta

import gevent

PEAK = {"lessons": 40, "observers_per_lesson": 3, "browsers": 30, "reviewers": 5}
PEAK_USERS = PEAK["lessons"] * PEAK["observers_per_lesson"] + PEAK["browsers"] + PEAK["reviewers"]
LESSON_SECONDS = float(os.environ.get("BENCH_LOCUST_LESSON_SECONDS", "90"))

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
CSRF_HEADER = re.compile(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|X-CSRFToken": "([^"]+)"')
SINCE = re.compile(r'since=([^"&]+)')
HTMX = {"HX-Request": "true"}
OBSERVED = [
    "Explained the method to a partner, then checked it with the cubes.",
    "Waited for the others, then offered an answer with a reason.",
    "Changed approach after a mistake and said why.",
    "Asked a question that moved the group on.",
]

# What the users share: who they are (set per database before a run) and how far signing in has got.
CAST: dict = {}
SEATS = itertools.count()
BROWSER_SEATS = itertools.count()
REVIEWER_SEATS = itertools.count()
SIGNING_IN = {"pending": 0}
POLL_STATUSES: dict[
    int, int
] = {}  # 204 (nothing new) against 200 (the feed again): the `since` token at work


def first(match) -> str | None:
    return next((group for group in match.groups() if group), None) if match else None


class Member(FastHttpUser):
    """Signs in once, like a browser, and keeps its session cookie and the page's CSRF token."""

    abstract = True
    account = ""
    csrf = ""

    def sign_in(self) -> None:
        SIGNING_IN["pending"] += 1
        try:
            with self.client.get("/sign-in", name="sign in", catch_response=True) as page:
                token = first(CSRF_FIELD.search(page.text or ""))
                if not token:
                    page.failure("no CSRF token on the sign-in page")
                    return
            with self.client.post(
                "/sign-in",
                name="sign in",
                catch_response=True,
                data={"email": self.account, "password": CAST["password"], "csrf_token": token},
            ) as home:
                self.csrf = first(CSRF_HEADER.search(home.text or ""))
                if not self.csrf:
                    home.failure("signed in, but no X-CSRFToken on the page after")
        finally:
            SIGNING_IN["pending"] -= 1

    @property
    def base(self) -> str:
        return f"/p/{CAST['partnership']}"

    def post(self, path: str, name: str, data, expect: int, htmx: bool = True):
        headers = {"X-CSRFToken": self.csrf or "", **(HTMX if htmx else {})}
        if not isinstance(data, str):
            data = urllib.parse.urlencode(data, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.post(path, name=name, data=data, headers=headers, catch_response=True) as response:
            if response.status_code != expect:
                response.failure(f"expected {expect}, got {response.status_code}")
            return response


class Observer(Member):
    """One of a lesson's three observers, on a tablet: seats 0-2 share a lesson, 3-5 the next..."""

    weight = PEAK["lessons"] * PEAK["observers_per_lesson"]
    wait_time = between(5, 15)  # from the sheet to the trio's next lesson

    def on_start(self):
        seat = next(SEATS)
        group, place = divmod(seat, PEAK["observers_per_lesson"])
        lessons = CAST["lessons"]
        self.lesson = lessons[group % len(lessons)]
        self.account = self.lesson["observers"][place % len(self.lesson["observers"])]
        self.trio_lessons = [entry for entry in lessons if entry["trio"] == self.lesson["trio"]]
        self.round = 0
        # Lessons began at different moments: the group's first ends somewhere in the next lesson-length.
        self.first_length = LESSON_SECONDS * (0.25 + 0.75 * ((group * 0.618) % 1))
        self.rng = random.Random(seat)
        self.sign_in()

    @task
    def observe_a_lesson(self):
        lesson = self.trio_lessons[
            (self.trio_lessons.index(self.lesson) + self.round) % len(self.trio_lessons)
        ]
        length = self.first_length if self.round == 0 else LESSON_SECONDS
        self.round += 1
        path = f"{self.base}/trios/{lesson['trio']}/lessons/{lesson['lesson']}"
        page = self.client.get(path + "/observe", name="observation page")
        since = urllib.parse.unquote(first(SINCE.search(page.text or "")) or "")
        now = time.monotonic()
        ends, next_post = now + length, now + self.rng.uniform(10, 60)
        while time.monotonic() < ends:
            gevent.sleep(3)
            if time.monotonic() >= next_post:
                self.post(
                    path + "/observations",
                    "observation post",
                    {
                        "case_pupil_id": self.rng.choice(lesson["pupils"]),
                        "stage_id": self.rng.choice(lesson["stages"]),
                        "text": self.rng.choice(OBSERVED),
                        "leuven_score": self.rng.choice(["", "3", "4", "5"]),
                    },
                    201,
                )
                next_post = time.monotonic() + self.rng.uniform(30, 60)
            # The poll (every 3 s, and at once after a save: the page's 'observation-saved' event).
            with self.client.get(
                path + "/observations/feed?since=" + urllib.parse.quote(since),
                headers=HTMX,
                name="observation poll",
                catch_response=True,
            ) as feed:
                POLL_STATUSES[feed.status_code] = POLL_STATUSES.get(feed.status_code, 0) + 1
                if feed.status_code == 200:
                    since = urllib.parse.unquote(first(SINCE.search(feed.text or "")) or since)
                elif feed.status_code != 204:
                    feed.failure(f"poll answered {feed.status_code}")
        self.client.get(path + "/sheet", name="lesson-study sheet")


class Browser(Member):
    """A lead (any action) or a teacher (their own actions), clicking around every 5-15 s."""

    weight = PEAK["browsers"]
    wait_time = between(5, 15)

    def on_start(self):
        seat = next(BROWSER_SEATS)
        self.rng = random.Random(10_000 + seat)
        if seat % 3 == 0:  # a third are leads: the partnership has two, each signed in on several devices
            self.account = CAST["leads"][(seat // 3) % len(CAST["leads"])]
            self.actions = CAST["actions"]
        else:
            teacher = CAST["teachers"][seat % len(CAST["teachers"])]
            self.account, self.actions = teacher["email"], teacher["actions"]
        self.sign_in()

    @task(2)
    def dashboard(self):
        self.client.get(f"{self.base}/actions/", name="dashboard, full page")

    @task(3)
    def filter_dashboard(self):
        rng = self.rng
        query = [
            ("status", s)
            for s in rng.sample(["not_started", "in_progress", "on_hold", "complete"], rng.randint(1, 2))
        ]
        query += [("sort", rng.choice(["due", "-due", "updated"]))]
        if rng.random() < 0.5:
            query.append(("school", rng.choice(CAST["schools"])))
        if rng.random() < 0.3:
            query.append(("page", rng.randint(2, 4)))
        self.client.get(
            f"{self.base}/actions/?{urllib.parse.urlencode(query)}",
            headers=HTMX,
            name="dashboard, filtered (htmx fragment)",
        )

    @task(3)
    def action_page(self):
        action = self.rng.choice(self.actions)
        self.client.get(f"{self.base}/actions/{action}", name="action page")
        if self.rng.random() < 0.5:
            gevent.sleep(self.rng.uniform(5, 15))  # writing it
            self.post(
                f"{self.base}/actions/{action}/progress",
                "progress update (post)",
                {
                    "text": "Paired talk now in every P5 maths lesson; exit tickets collected.",
                    "evidence": "",
                    "status_to": "",
                },
                201,
            )

    @task(2)
    def trio_page(self):
        self.client.get(f"{self.base}/trios/{self.rng.choice(CAST['trios'])}", name="trio page")

    @task(2)
    def self_evaluation(self):
        choice = self.rng.random()
        if choice < 0.3:
            self.client.get(f"{self.base}/self-evaluation/", name="self-evaluation, overview")
        elif choice < 0.7:
            self.client.get(
                f"{self.base}/self-evaluation/schools/{self.rng.choice(CAST['schools'])}",
                name="self-evaluation, school",
            )
        else:
            self.client.get(
                f"{self.base}/self-evaluation/{self.rng.choice(CAST['evaluations'])}",
                name="self-evaluation, one",
            )

    @task(1)
    def reports_page(self):
        self.client.get(f"{self.base}/reports/", name="reports page")


class Reviewer(Member):
    """Reads what the partnership has done and takes the Word reports away."""

    weight = PEAK["reviewers"]
    wait_time = between(10, 30)

    def on_start(self):
        seat = next(REVIEWER_SEATS)
        self.rng = random.Random(20_000 + seat)
        self.account = CAST["reviewers"][seat % len(CAST["reviewers"])]
        self.sign_in()

    @task(2)
    def interim_report(self):
        self.client.get(f"{self.base}/reports/", name="reports page")
        today = date.today()
        form = [("period_from", (today - timedelta(days=182)).isoformat()), ("period_to", today.isoformat())]
        form += [("schools", school) for school in CAST["schools"]]
        self.download(f"{self.base}/reports/interim", "interim report (.docx)", form)

    @task(2)
    def trio_record(self):
        trio = self.rng.choice(CAST["trios"])
        self.client.get(f"{self.base}/trios/{trio}", name="trio page")
        self.download(f"{self.base}/reports/trios/{trio}", "trio record (.docx)", [])

    @task(3)
    def read_a_lesson(self):
        lesson = self.rng.choice(CAST["lessons"])
        self.client.get(
            f"{self.base}/trios/{lesson['trio']}/lessons/{lesson['lesson']}/sheet", name="lesson-study sheet"
        )

    def download(self, path: str, name: str, form: list) -> None:
        body = urllib.parse.urlencode([("csrf_token", self.csrf or "")] + form)
        with self.client.post(
            path,
            name=name,
            data=body,
            catch_response=True,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as response:
            if response.status_code != 200 or not (response.content or b"").startswith(b"PK"):
                response.failure(f"no .docx: {response.status_code}")


# The stages ------------------------------------------------------------------------------------------
