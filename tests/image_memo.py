"""Pictures resized and encoded once per test run, not once per test.

Nearly every story a test makes has the same picture (tests.factories.image_file),
and each save runs its renditions (core.images.make_renditions): six resizes
and nine WebP and JPEG encodings, 0.8 s of a browser test's 1.3 s of setup.
Within the suite's own process, Pillow's resize() and save() into memory are
kept by everything their output depends on (the pixels, mode, size, palette
and info, and the arguments), and the same call is answered with the same
result: the code under test runs as it does, and only the arithmetic of
pictures it has seen is not done again. Used by tests/conftest.py.
"""

import io

import xxhash
from PIL import Image

# Pillow's own, for what is not kept, and for tests/test_image_memo.py.
RESIZE, SAVE = Image.Image.resize, Image.Image.save
_resized, _encoded = {}, {}
# What the renditions use; anything else (frames appended, metadata given) runs.
_ENCODINGS = {"WEBP", "JPEG", "PNG"}
_PARAMETERS = {"quality", "method", "optimize", "progressive"}
_KEPT = 64  # results of each kind (a picture of 1200 by 800 is 2.9 MB), oldest out first


def _fingerprint(image):
    # XXH3's 128 bits: pictures of several megabytes are hashed once for each resize and
    # encoding, about twenty times a story, and SHA-256 took 2.8 ms for 5 MB, 30 ms of the
    # 49 ms a story with a picture took to save; XXH3 takes 0.08 ms. Pixels a test made are
    # not chosen to collide, and two pictures by chance share a hash one time in 2**128.
    palette = image.getpalette() if image.mode in ("P", "PA") else None
    return (xxhash.xxh3_128_digest(image.tobytes()), image.mode,
            image.size, repr(palette), repr(sorted(image.info.items(), key=str)))


def _keep(store, key, value):
    if len(store) >= _KEPT:
        store.pop(next(iter(store)))
    store[key] = value


def install():
    def kept_resize(self, size, resample=None, box=None, reducing_gap=None):
        key = (_fingerprint(self), tuple(size), resample, None if box is None else tuple(box),
               reducing_gap)
        if key not in _resized:
            _keep(_resized, key, RESIZE(self, size, resample, box, reducing_gap))
        return _resized[key].copy()

    def kept_save(self, fp, format=None, **params):
        if not (isinstance(fp, io.BytesIO) and fp.tell() == 0 and format in _ENCODINGS
                and set(params) <= _PARAMETERS):
            return SAVE(self, fp, format, **params)
        key = (_fingerprint(self), format, tuple(sorted(params.items())))
        if key not in _encoded:
            buffer = io.BytesIO()
            SAVE(self, buffer, format, **params)
            _keep(_encoded, key, buffer.getvalue())
        fp.write(_encoded[key])
        return None

    Image.Image.resize, Image.Image.save = kept_resize, kept_save
