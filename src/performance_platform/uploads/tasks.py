"""Background work for large uploads: the worker checks and stores them, and emails the
uploader when each step is done or has failed. Run by ``performance-platform worker``."""

import logging

from django.db import close_old_connections
from django.tasks import task

from performance_platform.accounts import mail
from performance_platform.accounts.models import User

from . import processing, quarterly
from .models import Upload

logger = logging.getLogger(__name__)


def _progress(upload_id: int):
    def report(done: int) -> None:
        # Outside any transaction, so the page sees it at once.
        Upload.objects.filter(pk=upload_id).update(progress_done=done)

    return report


def _tell(upload: Upload, subject: str, template: str) -> None:
    if upload.uploaded_by_email:
        mail.send(
            [upload.uploaded_by_email],
            subject,
            template,
            {
                "upload": upload,
                "url": mail.absolute_url(f"/manage/uploads/{upload.pk}"),
            },
        )


@task()
def check_upload(upload_id: int) -> dict:
    """Check a large upload and make its preview, then tell the uploader."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status != Upload.Status.CHECKING:
        return {"skipped": "the upload is gone or no longer waiting to be checked"}
    # A first estimate of the rows, for the progress bar: corrected when the check ends.
    Upload.objects.filter(pk=upload_id).update(progress_total=max(upload.size // 40, 1))
    try:
        upload = processing.check(upload, progress=_progress(upload_id))
    except Exception as exc:
        close_old_connections()
        logger.exception("checking upload %s failed", upload_id)
        _failed(upload_id, f"The file could not be checked ({type(exc).__name__}).")
        return {"upload": upload_id, "status": "failed"}
    if upload.status == Upload.Status.READY:
        _tell(upload, f"{upload.filename} is ready to confirm", "uploads/email/checked.txt")
    else:
        _tell(upload, f"{upload.filename} has errors", "uploads/email/invalid.txt")
    return {"upload": upload_id, "status": upload.status}


@task()
def store_upload(upload_id: int, user_id: int | None = None) -> dict:
    """Store a large upload that its uploader confirmed, then tell them."""
    return _store(Upload.objects.filter(pk=upload_id).first(), user_id, processing.store)


@task()
def store_quarterly(upload_id: int, user_id: int | None = None) -> dict:
    """Store a large quarterly collection that a platform admin confirmed, then tell them."""
    upload = Upload.objects.filter(pk=upload_id, kind=Upload.Kind.QUARTERLY).first()
    return _store(upload, user_id, quarterly.store)


def _store(upload: Upload | None, user_id: int | None, store) -> dict:
    """Store a confirmed upload with ``store`` (one data set's, or the quarterly one's),
    then tell the uploader how it went."""
    if upload is None or upload.status != Upload.Status.STORING:
        return {"skipped": "the upload is gone or not waiting to be stored"}
    upload_id = upload.pk
    user = User.objects.filter(pk=user_id).first() if user_id else None
    # The page moved it to "storing", so that it could not be confirmed twice.
    try:
        upload = store(upload, user=user, allow_status=Upload.Status.STORING)
    except Exception as exc:
        close_old_connections()
        logger.exception("storing upload %s failed", upload_id)
        _failed(
            upload_id,
            f"The records could not be stored ({type(exc).__name__}): nothing was stored.",
        )
        return {"upload": upload_id, "status": "failed"}
    if upload.status == Upload.Status.STORED:
        _tell(upload, f"{upload.filename} has been stored", "uploads/email/stored.txt")
    else:
        _tell(upload, f"{upload.filename} has errors", "uploads/email/invalid.txt")
    return {"upload": upload_id, "status": upload.status, "records": upload.stored_count}


def _failed(upload_id: int, message: str) -> None:
    Upload.objects.filter(pk=upload_id).update(status=Upload.Status.FAILED, message=message[:2000])
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is not None:
        _tell(upload, f"{upload.filename} could not be uploaded", "uploads/email/failed.txt")
