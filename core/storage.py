from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, each file's URL worked out once per process.

    Every page links half a dozen static files, and for each {% static %}
    the storage parses the name, looks it up in the manifest and quotes it
    again. The manifest is read once, when the storage is made, so a name's
    URL cannot change while the process runs; in DEBUG, where names are not
    hashed and runserver serves files as they are edited, each call still
    asks the storage.
    """

    # Names come from templates and code, not from requests; the bound only
    # keeps a mistake from growing the process.
    max_urls = 1000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = super().url(name)
            if len(self._urls) < self.max_urls:
                self._urls[name] = url
            return url
