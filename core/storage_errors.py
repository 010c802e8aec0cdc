"""A file the storage refuses (a media folder the server may not write, a full disk)
sends the admin's form back with the reason on its field, not a 500.

Before, the editor got the server error page and lost the whole edit: the
story's text, an author's biography. The file is written as the row saves,
inside the admin's transaction: NotStored leaves it, the transaction is
rolled back (nothing was saved), and the form is answered again as sent, with
the error on the file's field. The operator finds the cause in the log.
"""

import logging

log = logging.getLogger("evadaily.media")

NOT_STORED = ("The image could not be stored ({reason}); nothing was saved. Try again or "
              "tell the site's operator.")


class NotStored(OSError):
    """The storage refused a form's file (core.images.PublicImageFieldFile.save)."""

    def __init__(self, field_name, error):
        super().__init__(*error.args)  # said as the storage said it
        self.field_name = field_name
        self.error = error

    @property
    def reason(self):
        # The error's words without its path: the server's folders are not the editor's.
        args = self.error.args
        reason = (self.error.strerror or (str(args[0]) if len(args) == 1 else "")
                  or "the storage refused it")
        return reason[:1].lower() + reason[1:]


class StorageErrorsMixin:
    """For a ModelAdmin whose form saves files: a file not stored is an error on its field."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except NotStored as refused:
            # Raised out of the admin's transaction: it rolled back. The same
            # post once more, its form refused (get_form) and shown as typed.
            log.error("An uploaded file could not be stored.", exc_info=refused)
            request.not_stored = refused
            for uploads in request.FILES.lists():
                for upload in uploads[1]:
                    upload.seek(0)  # read once already: the form reads them again
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refused = getattr(request, "not_stored", None)
        if refused is None:
            return form

        class NotStoredForm(form):
            def clean(self):
                cleaned_data = super().clean()
                name = refused.field_name if refused.field_name in self.fields else None
                self.add_error(name, NOT_STORED.format(reason=refused.reason))
                return cleaned_data

        NotStoredForm.__name__ = form.__name__
        return NotStoredForm
