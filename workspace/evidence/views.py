"""Evidence files: reading them (only through these access-checked routes), attaching them to a
record, and removing them."""

from __future__ import annotations

from flask import Response, abort, flash, request, url_for
from flask_login import current_user

from ..access import (
    Permission,
    can_remove_evidence,
    evidence_file_in,
    partnership_route,
    require_evidence_removal,
)
from ..activity import services as activity
from ..auth.forms import ConfirmForm
from ..extensions import db
from ..forms_common import form_errors_from
from ..htmx import is_htmx, redirect_to, render
from ..services_errors import ServiceError
from . import bp, checking, owners, services, storage
from .forms import EvidenceFileForm
from .uploads import takes_uploads

LESSON = "/trios/<int:trio_id>/lessons/<int:lesson_id>"


# Reading --------------------------------------------------------------------------------------------


def _send(evidence, key: str, content_type: str) -> Response:
    """The bytes with headers that keep them what they are: images shown, everything else
    downloaded; never sniffed into something a browser would run; never kept in a cache."""
    # Plain text is stored as UTF-8 (checking.py), and said to be.
    mimetype = f"{content_type}; charset=utf-8" if content_type == checking.TEXT_TYPE else content_type
    try:
        content = storage.store().get(key)
    except FileNotFoundError:
        # A row whose blob has gone (a restore without its uploads folder): nothing to show.
        abort(404)
    response = Response(content, content_type=mimetype)
    disposition = "inline" if content_type.startswith("image/") else "attachment"
    response.headers.set("Content-Disposition", disposition, filename=evidence.download_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Nothing in a file may run as a page of the workspace, even if it were opened as one.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/files/<int:file_id>")
@partnership_route()
def show(access, file_id):
    """The file: the cleaned image, or the document as it was uploaded. Another partnership's
    file is a 404, as its record would be."""
    evidence = evidence_file_in(access, file_id)
    return _send(evidence, evidence.storage_key, evidence.content_type)


@bp.get("/files/<int:file_id>/thumbnail")
@partnership_route()
def thumbnail(access, file_id):
    evidence = evidence_file_in(access, file_id)
    if evidence.thumbnail_key is None:
        abort(404)
    return _send(evidence, evidence.thumbnail_key, "image/jpeg")


# Attaching ------------------------------------------------------------------------------------------


def _context(access, owner: owners.Owner, form, attach_url: str, **extra) -> dict:
    return dict(
        owner=owner,
        files=services.files_for(owner.record_type, [owner.record.id]).get(owner.record.id, []),
        form=form,
        attach_url=attach_url,
        can_remove=lambda evidence: can_remove_evidence(access, evidence),
        capture=owner.record_type == "observation",
        **extra,
    )


def _attach_page(access, owner, form, status=200, **extra):
    return render(
        "evidence/attach.html",
        "evidence/_attach.html",
        status,
        **_context(access, owner, form, request.path, **extra),
    )


def _blank_form() -> EvidenceFileForm:
    from uuid import uuid4

    return EvidenceFileForm(formdata=None, client_id=str(uuid4()))


def _attach(access, owner: owners.Owner):
    """Shared by every record's upload route (the contract is in attach_to_observation)."""
    if not owner.may_attach:
        abort(403)
    form = EvidenceFileForm()
    status = 422
    if form.validate():
        upload = services.Upload(
            form.file.data.read(services.max_bytes() + 1),
            form.file.data.filename or "",
            form.caption.data or "",
            form.client_id.data or None,
        )
        try:
            evidence, created = services.attach(owner.record_type, owner.record, current_user, upload)
        except checking.Refused as refused:
            db.session.rollback()
            form.file.errors = [refused.message]
            status = refused.status
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(error, form)
        else:
            if created:
                activity.record(
                    access.partnership_id,
                    current_user,
                    "added",
                    owner.activity_type,
                    owner.activity_id,
                    f"attached the file “{evidence.caption}” to {services.OWNER_NAMES[owner.record_type]}",
                    owner.back_url,
                )
            db.session.commit()
            if not is_htmx():
                flash("The file has been attached." if created else "That file was attached already.")
                response = redirect_to(owner.back_url)
            else:
                body, status = _attach_page(access, owner, _blank_form(), 201 if created else 200, saved=True)
                response = Response(body, status=status)
            response.headers["X-Evidence-File-Id"] = str(evidence.id)
            return response
    return _attach_page(access, owner, form, status)


def _form_or_page(access, owner):
    if request.method == "GET":
        return _attach_page(access, owner, _blank_form())
    return _attach(access, owner)


@bp.route(LESSON + "/observations/<int:observation_id>/files", methods=["GET", "POST"])
@takes_uploads
@partnership_route()
def attach_to_observation(access, trio_id, lesson_id, observation_id):
    """A photo (or document) for a saved observation: the upload's contract, which the tablet's
    outbox can keep to.

    URL: /p/<partnership_id>/trios/<trio_id>/lessons/<lesson_id>/observations/<observation_id>/files
    GET shows the observation's files and the form (full page; the fragment for htmx).
    POST, multipart/form-data, one file a request:
      file       the file: JPEG, PNG, HEIC, PDF, .docx, .xlsx, .pptx or plain text, its type read
                 from its bytes; at most UPLOAD_MAX_MB (the request may be 1 MB more)
      caption    a few words, read out as the image's alt text (at most 300 characters, no pupil
                 identifiers)
      client_id  optional: a UUID the page or the outbox makes for this upload; sending the same
                 upload again with it stores nothing more
      csrf_token the form's token (or the X-CSRFToken header)
    Answers, with X-Evidence-File-Id (the stored file's id) on every success:
      201  stored (htmx: the files fragment, #evidence-attach, with a fresh form)
      200  this client_id was already stored for this observation: the same file, nothing stored
      303  to the observation page (#observation-<id>), for a plain (not htmx) form, new or not
      422  the form with its messages: no file, no caption, a type not welcome, an image of too
           many pixels, or a client_id already used for another record
      413  over the size limit (the file, or the whole request)
      403  a member who may not change the trio (a reviewer; everyone in an archived partnership)
      404  the observation is not in this lesson of this trio of this partnership
      signed out: a redirect to sign in (htmx: 401 with HX-Redirect)
    A stored photo moves the lesson's feed version on: every tablet's poll shows its thumbnail."""
    if request.method == "POST" and not _contributes(access):
        abort(403)
    return _form_or_page(access, owners.observation(access, trio_id, lesson_id, observation_id))


@bp.route(LESSON + "/voice/<int:note_id>/files", methods=["GET", "POST"])
@takes_uploads
@partnership_route()
def attach_to_pupil_voice(access, trio_id, lesson_id, note_id):
    if request.method == "POST" and not _contributes(access):
        abort(403)
    return _form_or_page(access, owners.pupil_voice(access, trio_id, lesson_id, note_id))


@bp.route("/actions/<int:action_id>/progress/<int:update_id>/files", methods=["GET", "POST"])
@takes_uploads
@partnership_route()
def attach_to_progress(access, action_id, update_id):
    if request.method == "POST" and not _contributes(access):
        abort(403)
    return _form_or_page(access, owners.progress_update(access, action_id, update_id))


@bp.route("/self-evaluation/<int:evaluation_id>/files", methods=["GET", "POST"])
@takes_uploads
@partnership_route()
def attach_to_self_evaluation(access, evaluation_id):
    if request.method == "POST" and not _contributes(access):
        abort(403)
    return _form_or_page(access, owners.self_evaluation(access, evaluation_id))


def _contributes(access) -> bool:
    return access.allows(Permission.CONTRIBUTE)


# Removing -------------------------------------------------------------------------------------------


@bp.route("/files/<int:file_id>/remove", methods=["GET", "POST"])
@partnership_route()
def remove(access, file_id):
    """A lead removes any file, the uploader their own: the row at once, the blobs once no row
    refers to them (services.release)."""
    evidence = evidence_file_in(access, file_id)
    require_evidence_removal(access, evidence)
    owner = owners.of_file(access, evidence)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        caption = evidence.caption
        services.remove(evidence)
        activity.record(
            access.partnership_id,
            current_user,
            "deleted",
            owner.activity_type,
            owner.activity_id,
            f"removed the file “{caption}” from {services.OWNER_NAMES[owner.record_type]}",
            owner.back_url,
        )
        db.session.commit()
        flash("The file has been removed.")
        return redirect_to(owner.back_url)
    return render(
        "evidence/remove.html",
        "evidence/_remove.html",
        evidence=evidence,
        owner=owner,
        form=form,
        action_url=url_for("evidence.remove", partnership_id=access.partnership_id, file_id=evidence.id),
    )
