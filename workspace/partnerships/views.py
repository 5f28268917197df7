"""A partnership's home, schools and members. Thin: parse, check access, call a service, render."""

from datetime import timedelta

from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user

from ..access import Permission, invite_in, membership_in, partnership_route, school_in
from ..activity import services as activity
from ..auth.forms import ConfirmForm
from ..extensions import db
from ..htmx import is_htmx, redirect_to, render
from ..mail.invitations import invitation_emailed
from ..mail.outbox import bounced_among
from ..saving import saving
from . import bp, services
from .forms import InviteForm, RoleForm, SchoolForm


@bp.get("/")
@partnership_route()
def overview(access):
    summary = services.partnership_summary(access.partnership)
    return render_template("partnerships/overview.html", summary=summary)


# Schools -------------------------------------------------------------------------------------


def _schools_page(access, form, status=200, **extra):
    return render(
        "partnerships/schools.html",
        "partnerships/_schools.html",
        status,
        schools=services.list_schools(access.partnership),
        form=form,
        **extra,
    )


@bp.get("/schools")
@partnership_route()
def schools(access):
    return _schools_page(access, SchoolForm(formdata=None))


@bp.post("/schools")
@partnership_route(Permission.MANAGE)
def add_school(access):
    form = SchoolForm()
    if form.validate():
        with saving(form) as saved:
            school = services.add_school(
                access.partnership, form.name.data, form.sector.data, form.local_authority.data
            )
            activity.record(
                access.partnership_id,
                current_user,
                "created",
                "school",
                school.id,
                f"added the school {school.name}",
                url_for("partnerships.schools", partnership_id=access.partnership_id),
            )
        if saved.ok:
            message = f"{school.name} has been added."
            if is_htmx():  # in place: the list with the new school, and an empty form
                return _schools_page(access, SchoolForm(formdata=None), 201, added=message)
            flash(message)
            return redirect_to(url_for("partnerships.schools", partnership_id=access.partnership_id))
    return _schools_page(access, form, 422)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@partnership_route(Permission.MANAGE)
def edit_school(access, school_id):
    school = school_in(access, school_id)
    form = SchoolForm(obj=school)
    if request.method == "POST":
        if form.validate():
            with saving(form) as saved:
                services.update_school(school, form.name.data, form.sector.data, form.local_authority.data)
                activity.record(
                    access.partnership_id,
                    current_user,
                    "changed",
                    "school",
                    school.id,
                    f"changed the school {school.name}",
                    url_for("partnerships.schools", partnership_id=access.partnership_id),
                )
            if saved.ok:
                flash(f"{school.name} has been updated.")
                return redirect_to(url_for("partnerships.schools", partnership_id=access.partnership_id))
        db.session.rollback()
        return render(
            "partnerships/school_edit.html", "partnerships/_school_edit.html", 422, school=school, form=form
        )
    return render("partnerships/school_edit.html", "partnerships/_school_edit.html", school=school, form=form)


@bp.route("/schools/<int:school_id>/remove", methods=["GET", "POST"])
@partnership_route(Permission.MANAGE)
def remove_school(access, school_id):
    school = school_in(access, school_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        name = school.name
        with saving(form) as saved:
            services.remove_school(school)
            activity.record(
                access.partnership_id, current_user, "deleted", "school", None, f"removed the school {name}"
            )
        if saved.ok:
            flash(f"{name} has been removed.")
            return redirect_to(url_for("partnerships.schools", partnership_id=access.partnership_id))
    status = 422 if request.method == "POST" else 200
    return render(
        "partnerships/school_remove.html",
        "partnerships/_school_remove.html",
        status,
        school=school,
        form=form,
        dependents=services.school_dependents(school),
    )


# Members ---------------------------------------------------------------------------------------


def _role_forms(access, members):
    schools = services.list_schools(access.partnership)
    return {
        m.id: RoleForm(schools, formdata=None, prefix=f"m{m.id}", role=m.role, school_id=m.school_id)
        for m in members
    }


@bp.get("/members")
@partnership_route()
def members(access):
    members = services.list_members(access.partnership)
    invites = services.open_invites(access.partnership) if access.can_manage else []
    return render(
        "partnerships/members.html",
        "partnerships/_members.html",
        members=members,
        role_forms=_role_forms(access, members) if access.can_manage else {},
        invites=invites,
        bounced=bounced_among([m.user.email for m in members] + [i.email for i in invites])
        if access.can_manage
        else set(),
    )


@bp.post("/members/<int:membership_id>/role")
@partnership_route(Permission.MANAGE)
def change_role(access, membership_id):
    membership = membership_in(access, membership_id)
    schools = services.list_schools(access.partnership)
    form = RoleForm(schools, prefix=f"m{membership.id}")
    if form.validate():
        with saving(form) as saved:
            services.change_role(membership, form.role.data, form.school_id.data)
            activity.record(
                access.partnership_id,
                current_user,
                "changed",
                "member",
                membership.id,
                f"made {membership.user.name} {membership.role_label.lower()}"
                + (f" at {membership.school.name}" if membership.school_id and membership.school else ""),
                url_for("partnerships.members", partnership_id=access.partnership_id),
            )
        if saved.ok:
            if not is_htmx():
                flash(f"{membership.user.name} is now: {membership.role_label}.")
                return redirect_to(url_for("partnerships.members", partnership_id=access.partnership_id))
            # Show what was stored (a reviewer's school is cleared), not what was sent.
            saved_form = RoleForm(
                schools,
                formdata=None,
                prefix=f"m{membership.id}",
                role=membership.role,
                school_id=membership.school_id,
            )
            return render(
                "partnerships/member_role.html",
                "partnerships/_member_row.html",
                member=membership,
                form=saved_form,
                saved=True,
            )
    return render(
        "partnerships/member_role.html",
        "partnerships/_member_row.html",
        422,
        member=membership,
        form=form,
        saved=False,
    )


@bp.route("/members/<int:membership_id>/remove", methods=["GET", "POST"])
@partnership_route(Permission.MANAGE)
def remove_member(access, membership_id):
    membership = membership_in(access, membership_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        name = membership.user.name
        with saving(form) as saved:
            services.remove_member(membership)
            activity.record(
                access.partnership_id,
                current_user,
                "deleted",
                "member",
                None,
                f"removed {name} from the partnership",
            )
        if saved.ok:
            flash(f"{name} has been removed from the partnership.")
            return redirect_to(url_for("partnerships.members", partnership_id=access.partnership_id))
    status = 422 if request.method == "POST" else 200
    return render(
        "partnerships/member_remove.html",
        "partnerships/_member_remove.html",
        status,
        member=membership,
        form=form,
    )


# Invites ---------------------------------------------------------------------------------------


@bp.route("/invites/new", methods=["GET", "POST"])
@partnership_route(Permission.MANAGE)
def invite(access):
    form = InviteForm(services.list_schools(access.partnership))
    if request.method == "POST":
        if form.validate():
            with saving(form) as saved:
                created, token = services.create_invite(
                    access.partnership,
                    form.email.data,
                    form.role.data,
                    form.school_id.data,
                    invited_by=current_user,
                    valid_for=timedelta(days=current_app.config["INVITE_VALID_DAYS"]),
                )
                activity.record(
                    access.partnership_id,
                    current_user,
                    "invited",
                    "invite",
                    created.id,
                    f"invited {created.email} as {created.role_label.lower()}",
                    url_for("partnerships.members", partnership_id=access.partnership_id),
                )
            if saved.ok:
                link = url_for("auth.accept_invite", token=token, _external=True)
                return render(
                    "partnerships/invite_created.html",
                    "partnerships/_invite_created.html",
                    201,
                    invite=created,
                    link=link,
                    emailed=invitation_emailed(created),
                )
        return render("partnerships/invite.html", "partnerships/_invite_form.html", 422, form=form)
    return render("partnerships/invite.html", "partnerships/_invite_form.html", form=form)


@bp.post("/invites/<int:invite_id>/revoke")
@partnership_route(Permission.MANAGE)
def revoke_invite(access, invite_id):
    invite = invite_in(access, invite_id)
    form = ConfirmForm()
    if form.validate():
        with saving() as saved:
            services.revoke_invite(invite)
            activity.record(
                access.partnership_id,
                current_user,
                "deleted",
                "invite",
                invite.id,
                f"withdrew the invitation for {invite.email}",
            )
        if saved.ok:
            flash(f"The invitation for {invite.email} has been withdrawn.")
    return redirect_to(url_for("partnerships.members", partnership_id=access.partnership_id))
