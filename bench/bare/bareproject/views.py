from django.http import HttpResponse

_SHELL = b"<!DOCTYPE html>\n<html lang=\"en\">\n<title>Ceiling</title>\n<p>%s</p>\n</html>\n"
# 30 KB (30,720 bytes) of HTML, the size the README's ceiling figures were measured at.
BODY = _SHELL % (b"x" * (30 * 1024 - len(_SHELL % b"")))


def page(request):
    return HttpResponse(BODY)
