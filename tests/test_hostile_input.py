"""Property-based: random, huge, malformed and hostile form input to every state-changing route
(taken from the URL map), as the partnership's lead. Never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_access import argument_values, build, scoped_rules

FIELDS = [
    "name",
    "focus",
    "status",
    "members",
    "title",
    "description",
    "school_id",
    "owner_id",
    "due_date",
    "text",
    "evidence",
    "status_to",
    "role",
    "email",
    "sector",
    "local_authority",
    "lesson_date",
    "class_stage",
    "subject",
    "teacher_id",
    "case_pupil_id",
    "stage_id",
    "leuven_score",
    "tags",
    "question",
    "own_question",
    "response",
    "version",
    "fingerprints",
    "stage_rows",
    "pupil_rows",
    "stage-0-title",
    "stage-0-id",
    "pupil-0-label",
    "pupil-0-id",
    "prediction-1-1",
    "progress-1",
    "discussion_teaching",
    "discussion_learned",
    "next_step",
    "links",
    "links_add",
    "links_remove",
    "links_q",
    "links_search",
    "evaluated_on",
    "level",
    "how_well",
    "how_know",
    "what_now",
    "element_id",
    "period_from",
    "period_to",
    "schools",
    "on",
    "retention_days",
    "trio_id",
    "label",
    "confirm_name",
    "archive",
    "highlight",
    "back",
    "m1-role",
    "m1-school_id",
]
HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "'; DROP TABLE action; --",
        "1 OR 1=1",
        "\x00\x07\x0b\x1b",
        "²",
        "99999999999999999999999",
        "-1",
        "0",
        "1",
        "2026-02-30",
        "2026-11-22",
        "",
        "x" * 1_000_000,
        '{"a": [1, 2]}',
        "%s%s%n",
        "../../etc/passwd",
        "in_progress",
        "teacher",
        "building",
    ]
)
VALUES = st.one_of(HOSTILE, st.text(max_size=60), st.integers(min_value=-10, max_value=10**20).map(str))
FORMS = st.dictionaries(
    keys=st.sampled_from(FIELDS), values=st.one_of(VALUES, st.lists(VALUES, max_size=3)), max_size=10
)


def post_rules():
    from workspace import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [(rule.endpoint, rule) for rule, method in scoped_rules(app) if method == "POST"]


@pytest.mark.parametrize(
    "endpoint, rule", post_rules(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_hostile_form_input_is_never_a_server_error(make_client, world, endpoint, rule):
    client = make_client()
    client.sign_in(world["a"]["lead"])
    url = build(rule, argument_values(world, "a"))

    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(form=FORMS)
    def post(form):
        for htmx in (False, True):
            response = client.post(url, data=form, htmx=htmx)
            assert response.status_code < 500, (endpoint, form, response.status_code)

    post()


@pytest.mark.parametrize(
    "path, signed_in",
    [
        ("/sign-in", False),
        ("/account/password", True),
        ("/invite/not-a-real-token", False),
        ("/admin/partnerships/new", True),
    ],
)
def test_hostile_input_to_account_pages_is_never_a_server_error(make_client, world, path, signed_in):
    client = make_client()
    if signed_in:
        client.sign_in(world["a"]["lead"])

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        form=st.dictionaries(
            keys=st.sampled_from(
                [
                    "email",
                    "password",
                    "name",
                    "next",
                    "current_password",
                    "new_password",
                    "confirm_password",
                    "lead_email",
                    "description",
                ]
            ),
            values=VALUES,
            max_size=6,
        )
    )
    def post(form):
        response = client.post(path, data=form)
        assert response.status_code < 500, (path, form, response.status_code)

    post()
