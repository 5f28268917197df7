"""The small world both single sign-on test files build: one partnership, a school, a lead and a
teacher, in the shape of the suite's `world`. Single sign-on needs no trios or reports."""

from workspace.extensions import db


def small_world(app) -> dict:
    from tests import factories
    from workspace.partnerships import services
    from workspace.reference import Role, Sector

    with app.app_context():
        partnership = services.create_partnership("Partnership Alpha")
        school = services.add_school(partnership, "Alpha Primary School", Sector.PRIMARY, "Falkirk")
        teacher = factories.member(partnership, "teacher.alpha@example.org", Role.TEACHER, school)
        lead = factories.member(partnership, "lead.alpha@example.org", Role.LEAD)
        db.session.commit()
        return {
            "a": {
                "partnership_id": partnership.id,
                "school_ids": [school.id],
                "teacher": teacher.email,
                "lead": lead.email,
            }
        }
