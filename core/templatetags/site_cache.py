from django import template
from django.utils.safestring import mark_safe

from core.pagecache import cached_fragment

register = template.Library()


class SiteCacheNode(template.Node):
    def __init__(self, nodelist, name, key):
        self.nodelist = nodelist
        self.name = name
        self.key = key

    def render(self, context):
        key = self.key.resolve(context)
        request = context.get("request")
        if key is None or request is None:
            return self.nodelist.render(context)
        # A namespace of its own, and the key's repr: a slug "5" and a pk 5
        # (or a view's fragment name) never share an entry.
        return mark_safe(cached_fragment(request, f"sitecache:{self.name}:{key!r}",
                                         lambda: self.nodelist.render(context)))


@register.tag
def sitecache(parser, token):
    """{% sitecache "name" key %}…{% endsitecache %}: the same for every reader.

    Rendered once per site version (core.pagecache.cached_fragment); a
    key of None renders afresh, for content that must not be shared, such as
    a staff preview; so does a template rendered without a request.
    """
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes a name and a key.")
    nodelist = parser.parse(("endsitecache",))
    parser.delete_first_token()
    return SiteCacheNode(nodelist, bits[1].strip("\"'"), parser.compile_filter(bits[2]))
