"""Partnerships, their schools and their members; the first partnership is the large one."""

from __future__ import annotations

from ...auth.passwords import hash_password
from ...models import Membership, Partnership, School, User
from ...reference import LOCAL_AUTHORITIES
from .rows import Build, bulk, spread
from .words import FIRST, KINDS, LAST, PLACES

LARGE_NAME = "Forth Valley Benchmark Partnership"
BENCH_DOMAIN = "bench.example"
BENCH_PASSWORD = "benchmark-partnership-2026"


def add_people(build: Build, partnerships: int, schools: int, members: int) -> None:
    rng, ids, now, size = build.rng, build.ids, build.now, build.size
    # One hash for every bench account: hashing 10,000 would take minutes.
    password_hash = hash_password(BENCH_PASSWORD)
    partnership_rows, school_rows, user_rows, membership_rows = [], [], [], []
    school_counts = [size["schools"]] + spread(schools - size["schools"], partnerships - 1)
    member_counts = [size["members"]] + spread(members - size["members"], partnerships - 1)
    large_members = []
    for p in range(partnerships):
        pid = ids.take(Partnership)
        name = LARGE_NAME if p == 0 else f"{rng.choice(PLACES)} and {rng.choice(PLACES)} Partnership {p:02}"
        partnership_rows.append(
            {"id": pid, "name": name, "description": "Benchmark data.", "created_at": now}
        )
        authorities = rng.sample(LOCAL_AUTHORITIES, 2)
        school_ids = []
        for s in range(school_counts[p]):
            sid = ids.take(School)
            kind, sector = KINDS[s % len(KINDS)]
            school_rows.append(
                {
                    "id": sid,
                    "partnership_id": pid,
                    "name": f"{PLACES[s % len(PLACES)]}{s // len(PLACES) or ''} {kind}",
                    "sector": sector,
                    "local_authority": authorities[s % 2],
                    "created_at": now,
                }
            )
            school_ids.append(sid)
        for m in range(member_counts[p]):
            uid = ids.take(User)
            role = "lead" if m < 2 else "reviewer" if m % 25 == 0 else "teacher"
            user_rows.append(
                {
                    "id": uid,
                    "email": f"p{p}.m{m}@{BENCH_DOMAIN}",
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "password_hash": password_hash,
                    "is_admin": False,
                    "created_at": now,
                }
            )
            school = school_ids[m % len(school_ids)] if role == "teacher" else None
            membership_rows.append(
                {
                    "id": ids.take(Membership),
                    "partnership_id": pid,
                    "user_id": uid,
                    "role": role,
                    "school_id": school,
                    "created_at": now,
                }
            )
            if p == 0:
                large_members.append((uid, role, school))
        if p == 0:
            build.large_pid, build.large_schools = pid, school_ids
    bulk(Partnership, partnership_rows)
    bulk(School, school_rows)
    bulk(User, user_rows)
    bulk(Membership, membership_rows)
    build.counts.partnerships = len(partnership_rows)
    build.counts.schools = len(school_rows)
    build.counts.members = len(membership_rows)
    build.teachers = [(uid, school) for uid, role, school in large_members if role == "teacher"]
    build.leads = [uid for uid, role, _ in large_members if role == "lead"]
