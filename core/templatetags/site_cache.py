from django import template
from django.utils.safestring import mark_safe

from core.pagecache import cached_fragment, tag

register = template.Library()


class SiteCacheNode(template.Node):
    def __init__(self, nodelist, name, key, tags):
        self.nodelist = nodelist
        self.name = name
        self.key = key
        self.tags = tags

    def render(self, context):
        key = self.key.resolve(context)
        request = context.get("request")
        if key is None or request is None:
            return self.nodelist.render(context)
        tags = self.tags.resolve(context) if self.tags else ()

        def render():
            tag(request, *tags)
            return self.nodelist.render(context)

        # A namespace of its own, and the key's repr: a slug "5" and a pk 5
        # (or a view's fragment name) never share an entry.
        return mark_safe(cached_fragment(request, f"sitecache:{self.name}:{key!r}", render))


@register.tag
def sitecache(parser, token):
    """{% sitecache "name" key [tags] %}…{% endsitecache %}: the same for every reader.

    Kept until something it shows changes (core.pagecache.cached_fragment):
    tags lists what the block shows, beyond what it names as it renders. A
    key of None renders afresh, for content that must not be shared, such as
    a staff preview; so does a template rendered without a request.
    """
    bits = token.split_contents()
    if len(bits) not in (3, 4):
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes a name, a key and tags.")
    nodelist = parser.parse(("endsitecache",))
    parser.delete_first_token()
    tags = parser.compile_filter(bits[3]) if len(bits) == 4 else None
    return SiteCacheNode(nodelist, bits[1].strip("\"'"), parser.compile_filter(bits[2]), tags)
