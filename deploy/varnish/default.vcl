# EVA DAILY's edge cache: Varnish 7.1 with xkey from varnish-modules
# (Debian: apt-get install varnish varnish-modules).
#
# The contract with the site:
# - a public page answers `Cache-Control: public, max-age=<=60, s-maxage=N,
#   stale-while-revalidate=30`, gives this cache its own lifetime in
#   `Surrogate-Control: max-age=M` (M <= N: it ends at the next scheduled
#   story, which readers must not learn) and names what it shows in
#   `xkey: story-12 section-3 site`; a picture under /media/ answers
#   `public, max-age=86400` and `xkey: media-<hash of its name>` (a story's
#   picture its story's tag too, and none while the story is not public);
#   every other answer is `private, no-cache` (or no-store);
# - a public page reads no query parameter but those named below (vcl_recv);
# - when something readers can see changes, the site (core/edge.py) sends
#   `PURGE /` with `xkey-purge: <tags>` to every URL in EDGE_PURGE_URLS.
#
# Install: put this file and backends.vcl in /etc/varnish/ (a folder of the
# vcl_path parameter), list the app servers in backends.vcl, and run e.g.
#   varnishd -a :6081 -f /etc/varnish/default.vcl -s malloc,1g
# The app servers then run with EDGE_PURGE_URLS=http://<this cache>:6081/,
# BEHIND_PROXY=True and TRUSTED_PROXIES=<this cache's address>: Varnish adds
# the reader's address to X-Forwarded-For, and rate limits count by it.

vcl 4.1;

import directors;
import std;
import xkey;

# The app servers and how requests are spread over them.
include "backends.vcl";

# Who may purge. Add the address (or network, "10.0.0.0"/24;) of every app
# server: the site purges from wherever it runs. Anyone who may purge can empty
# the cache and send every reader to the app servers at once.
# A TLS terminator on this host must speak the PROXY protocol to Varnish
# (-a :6086,PROXY): otherwise every reader arrives from 127.0.0.1 and may purge.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    # Set by vcl_hit, vcl_miss and vcl_synth alone, for the restarts they ask for.
    if (req.restarts == 0) {
        unset req.http.eva-fresh;
        unset req.http.eva-missed;
        unset req.http.eva-error;
    }

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "No xkey-purge header"));
        }
        # A hard purge: the objects are gone, not kept for grace. A story taken
        # down must never be served again, not even stale while one fetch
        # refreshes it.
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
    }

    # A request in absolute form (GET https://host/accounts/login/): Varnish
    # takes the scheme and host off an http:// address alone, and the app
    # servers read the path of any scheme's, so the rules below would not see
    # /accounts/ there, and each way of writing a public page's address would
    # be one more copy. The host named there becomes the Host header, as
    # Varnish does for http://.
    if (req.url ~ "^[A-Za-z][A-Za-z0-9+.-]*://") {
        set req.http.eva-host = regsub(req.url, "^[^:]+://([^/?#]*@)?([^/?#]*).*$", "\2");
        if (req.http.eva-host != "") {
            set req.http.host = req.http.eva-host;
        }
        unset req.http.eva-host;
        set req.url = regsub(req.url, "^[^:]+://[^/?#]*", "");
        if (req.url !~ "^/") {
            set req.url = "/" + req.url;
        }
    }

    # A host name is the same in any case and with a final dot (example.com.):
    # one copy of a page however a reader's client writes it. vcl_hash (below)
    # keys on the Host header without its port; the site's page cache keys on
    # the same form (core/pagecache.py).
    if (req.http.host) {
        set req.http.host = std.tolower(regsub(req.http.host, "\.(:[0-9]+)?$", "\1"));
    }

    # Only reading is cached: posting a comment, signing in or reporting bias
    # always reaches the site, and is never answered from a stored page. It
    # passes with its cookies, before they are dropped below: a form post
    # needs its csrftoken.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # A path with an ASCII character in %-escapes (/%61ccounts/login/,
    # /admin%2Flogin/, in either case) is one no link of the site's writes, and
    # the app servers read it decoded: it may be any page, the personal ones
    # below included, which the rules below would take for a public one (its
    # csrftoken dropped, the site setting a new one that voids the reader's
    # open forms). It reaches the site as sent, with its cookies, never stored.
    # Escapes of other scripts' letters (a tag's slug, /tags/caf%C3%A9/)
    # cannot spell those paths and are stored as before.
    if (regsub(req.url, "\?.*$", "") ~ "%[0-7][0-9A-Fa-f]") {
        return (pass);
    }
    # Those escapes in capitals: %c3%a9 is é to the site as %C3%A9 is, and each
    # way of writing every escape in a path was one more copy (a tag of ten
    # Cyrillic letters has thousands), and anyone could push real pages out of
    # the cache. (The query string is left as it came: see below.)
    if (req.url ~ "^[^?]*%") {
        set req.http.eva-path = regsub(req.url, "\?.*$", "");
        set req.http.eva-path = regsuball(req.http.eva-path, "(?<=%|%[0-9A-Fa-f])a", "A");
        set req.http.eva-path = regsuball(req.http.eva-path, "(?<=%|%[0-9A-Fa-f])b", "B");
        set req.http.eva-path = regsuball(req.http.eva-path, "(?<=%|%[0-9A-Fa-f])c", "C");
        set req.http.eva-path = regsuball(req.http.eva-path, "(?<=%|%[0-9A-Fa-f])d", "D");
        set req.http.eva-path = regsuball(req.http.eva-path, "(?<=%|%[0-9A-Fa-f])e", "E");
        set req.http.eva-path = regsuball(req.http.eva-path, "(?<=%|%[0-9A-Fa-f])f", "F");
        set req.url = req.http.eva-path + regsub(req.url, "^[^?]*", "");
        unset req.http.eva-path;
    }

    # The newsroom and readers' accounts are personal whatever they answer:
    # no mistake in their headers may ever put them in the shared cache.
    # (GET http://host/admin/ is /admin/ here: Varnish, or for https:// and
    # any other scheme, the rule at the top, turned it into that.)
    if (req.url ~ "^/(admin|accounts)(/|\?|$)") {
        return (pass);
    }

    # Forms an anonymous reader fills in, on pages the site never caches: the
    # newsletter's and the Report Bias dialog's (which the story page fetches).
    # They pass with their cookies, as /accounts does: without its csrftoken
    # the site would set a new one, and every other form the reader has open
    # (signing in, in another tab) would then be refused. A comments page
    # shows its form to signed-in readers only, who pass anyway (below).
    if (req.url ~ "^/newsletter(/|\?|$)" || req.url ~ "^/articles/[^/?]+/report-bias(/|\?|$)") {
        return (pass);
    }

    # A search is the reader's own words, never stored (the site caches no
    # search either): passed, so that what the site answers reaches the reader
    # as written, its "search is busy" 503 too, with the words kept in the box,
    # rather than this cache's own 503 page.
    if (req.url ~ "^/search(/|\?|$)") {
        return (pass);
    }

    # A page reads at most these query parameters: `page` on the lists, `page`
    # and `partial` on a story's comments, `p` on a section's sitemap; nothing
    # else (the site's public_page(params=..., flags=...) in the apps'
    # urls.py; tests/core/test_edge_qa5_query.py checks this list against
    # them). Anything else a link carries (utm_*, fbclid and the other tracking
    # parameters of social sites and newsletters, ?ref=, a cache-buster)
    # changes nothing on the page. Kept in the URL, each would be one more
    # copy here and one more trip to the app servers, and anyone could push
    # the pages readers ask for out of this cache with ?ref=1, 2, 3... So the
    # others are taken off before the page is looked up, as the site's own
    # page cache keys on the parameters a view reads (core/pagecache.py); what
    # is left is written as the site reads it (the last of a repeated one, a
    # number without leading zeros, `partial` on as =1 or else not there) and
    # put in one order, so that ?partial=1&page=2 and ?page=02&partial=1 share
    # a copy. The paths passed above (search, forms, accounts, the admin) keep
    # their query strings as they came.
    if (req.url ~ "\?") {
        set req.http.eva-path = regsub(req.url, "\?.*$", "");
        # Every parameter after a "&": &page=2&utm_source=x.
        set req.http.eva-query = regsub(req.url, "^[^?]*\?", "&");
        # A name in %-escapes (pa%67e=2) is a parameter the site reads as
        # `page`: such a request reaches the site as sent, never stored.
        if (req.http.eva-query ~ "&[^&=]*%") {
            unset req.http.eva-path;
            unset req.http.eva-query;
            return (pass);
        }
        if (req.http.eva-path ~ "^/(articles|corrections)/?$"
                || req.http.eva-path ~ "^/(sections|tags|authors)/[^/]+/?$") {
            set req.http.eva-query = regsuball(req.http.eva-query,
                "&(?!page(=|&|$))[^&]*", "");
        } else if (req.http.eva-path ~ "^/articles/[^/]+/comments/?$") {
            set req.http.eva-query = regsuball(req.http.eva-query,
                "&(?!(page|partial)(=|&|$))[^&]*", "");
        } else if (req.http.eva-path ~ "^/sitemap-[^/]+\.xml$") {
            set req.http.eva-query = regsuball(req.http.eva-query,
                "&(?!p(=|&|$))[^&]*", "");
        } else {
            set req.http.eva-query = "";
        }
        # A value in %-escapes (page=%32) likewise: the site reads it as 2.
        if (req.http.eva-query ~ "%") {
            unset req.http.eva-path;
            unset req.http.eva-query;
            return (pass);
        }
        # The last of a repeated parameter, as the site reads it.
        set req.http.eva-query = regsuball(req.http.eva-query,
            "&([^&=]*)[^&]*(?=.*&\1(=|&|$))", "");
        set req.http.eva-query = regsuball(req.http.eva-query,
            "&(page|p)=0+([0-9]+)(?=&|$)", "&\1=\2");
        set req.http.eva-query = regsuball(req.http.eva-query,
            "&partial(?!=1(&|$))[^&]*", "");
        if (req.http.eva-query ~ "^&.") {
            set req.url = std.querysort(req.http.eva-path
                + regsub(req.http.eva-query, "^&", "?"));
        } else {
            set req.url = req.http.eva-path;
        }
        unset req.http.eva-path;
        unset req.http.eva-query;
    }

    # Signed-in readers and staff (sessionid) and anyone with a notice waiting
    # (messages) see pages made for them: they are never served a stored page,
    # and what they get is never stored. The site's own page cache
    # (core/pagecache.py) draws the same line. Cookies sent on several header
    # lines are read as one.
    std.collect(req.http.Cookie, "; ");
    if (req.http.Cookie ~ "(^|;)\s*(sessionid|messages)=") {
        return (pass);
    }
    # Credentials, like a session, make the answer personal.
    if (req.http.Authorization) {
        return (pass);
    }

    # A page past its lifetime is served for at most 30 seconds more while one
    # fetch refreshes it (vcl_backend_response keeps pages far longer), or less
    # when the page says so (vcl_hit: not past midnight). When
    # the health probes find no app server answering (backends.vcl: /healthz
    # fails while the database is away), there is nothing to refresh from:
    # readers get whatever page is still kept, however old, rather than an
    # error. A backend without a probe always counts as healthy.
    # So is a page whose fetch the site answered with an error (eva-error,
    # vcl_synth): its last good copy, for as long as it is kept (6 hours).
    if (req.http.eva-error) {
        # As long as a page is kept (beresp.grace): a restart keeps the grace
        # set before it, which may be none (eva-fresh).
        set req.grace = 6h;
    } else if (std.healthy(req.backend_hint)) {
        set req.grace = 30s;
        if (req.http.eva-fresh) {
            set req.grace = 0s;
        }
    }
    unset req.http.eva-fresh;

    # Any other cookie (csrftoken, a consent choice) changes nothing on a
    # public page: drop it, so that every anonymous reader shares one copy and
    # the site never renders a shared page from one reader's cookie. Such a
    # page holds no form (pages with one passed above); an answer that sets a
    # cookie anyway is not stored (below).
    # The built-in vcl_recv runs next (it checks the Host header) and looks the
    # page up; it would pass any request that still carried a cookie.
    unset req.http.Cookie;
}

# A page past its lifetime is served stale no longer than its own
# stale-while-revalidate, when it gives less than the 30 seconds of vcl_recv:
# the site's ends at midnight in its TIME_ZONE, when the masthead's date
# changes (core.pagecache._public_headers), so that no reader gets yesterday's
# front page after it. Such a request is looked up again without grace: it
# waits for the page fetched anew, as on a miss. While no app server answers
# (vcl_recv), the page is still served, however old.
sub vcl_hit {
    if (obj.ttl < 0s && obj.http.eva-stale && req.restarts == 0
            && obj.ttl + std.duration(obj.http.eva-stale + "s", 0s) <= 0s
            && std.healthy(req.backend_hint)) {
        set req.http.eva-fresh = "1";
        return (restart);
    }
}

# A page looked up and not found fresh goes to the site. Should the site answer
# with an error, vcl_synth looks it up again for a stale copy (eva-missed); if
# even that finds none, the reader gets this cache's 503 page, and the site is
# not asked twice. A page taken down was purged, hard: no copy is left to find.
sub vcl_miss {
    if (req.http.eva-error) {
        return (synth(503));
    }
    set req.http.eva-missed = "1";
}

# The flags above are this cache's own: the site never gets them.
sub vcl_backend_fetch {
    unset bereq.http.eva-missed;
    unset bereq.http.eva-error;
}

# The page's key: its URL and its host name without the port. Any port reaches
# the same site, whose pages never show it (links use SITE_URL; the site's own
# page cache keys without it). Keyed with it, as the built-in vcl_hash does,
# Host: example.org:1, :2, :3... were one more copy here and one more request
# to the app servers each, and anyone could push the pages readers ask for out
# of this cache, as with ?ref=1, 2, 3 (vcl_recv). The Host header itself
# reaches the site as sent: a form's Origin check compares the port.
sub vcl_hash {
    hash_data(req.url);
    if (req.http.host) {
        hash_data(regsub(req.http.host, ":[0-9]*$", ""));
    } else {
        hash_data(server.ip);
    }
    return (lookup);
}

sub vcl_backend_response {
    # While the site's database is away it answers 503 (core.views), and a
    # fault answers 500. Storing anything then, even a hit-for-miss, would
    # drop the copy this cache keeps of the page, which is what readers get
    # once the probes find no app server answering (vcl_recv). So any 5xx is
    # dropped instead: a refresh of a stale page leaves the stale copy
    # served, and a reader who was fetching gets the page's last good copy
    # if one is kept, past its grace too (vcl_synth), or else this cache's
    # own 503 page. A passed request (a post, the admin) gets the site's
    # own answer, which says whether what was sent was saved.
    # A refresh answered with the site's own previous copy (X-Page-Cache:
    # stale, while one of its workers renders the page anew, or while its
    # database is away) is dropped too: this cache's copy is as new, and the
    # next reader's refresh finds the page rendered.
    if (bereq.is_bgfetch
            && (beresp.status >= 500 || beresp.http.X-Page-Cache == "stale")) {
        return (abandon);
    }
    if (beresp.status >= 500 && !bereq.uncacheable) {
        return (abandon);
    }
    # So is a page's fetch answered with the site's previous copy while this
    # cache keeps a copy of its own, past its grace: a fetch that ends drops
    # that copy (Varnish replaces it), hit-for-miss or not, and it is what
    # readers get should the site fail next. They get it now (vcl_synth looks
    # the page up again), and its refresh brings the page rendered anew.
    # Varnish asked with that copy's validators (the site's pages all have an
    # ETag), and takes readers' own off the fetch of a page it stores.
    if (beresp.http.X-Page-Cache == "stale" && !bereq.uncacheable
            && (bereq.http.If-None-Match || bereq.http.If-Modified-Since)) {
        return (abandon);
    }

    # Passed requests are never stored; nothing to decide.
    if (bereq.uncacheable) {
        return (deliver);
    }

    # This cache's lifetime, when the site gives it one: it ends at the next
    # scheduled story, when a request must reach the site to publish it. The
    # site keeps that time out of Cache-Control, which readers see (they would
    # learn that an embargoed story exists, and its second); vcl_deliver takes
    # Surrogate-Control off. Without it, the TTL is Varnish's own (s-maxage).
    if (beresp.http.Surrogate-Control ~ "(?i)(^|,)\s*max-age=[0-9]+\s*(,|$)") {
        set beresp.ttl = std.duration(regsub(beresp.http.Surrogate-Control,
            "(?i)^(.*,)?\s*max-age=([0-9]+).*$", "\2") + "s", 0s);
    }

    # Store only what the site marks shareable. A response that sets a cookie
    # or says private/no-cache/no-store is one reader's. A response with no
    # Cache-Control at all is not stored either: Varnish would otherwise keep
    # it for default_ttl, e.g. the HTTPS redirect that Django's
    # SecurityMiddleware sends before the page cache can mark it.
    if (!beresp.http.Cache-Control
            || beresp.http.Cache-Control ~ "(?i)(private|no-cache|no-store)"
            || beresp.http.Set-Cookie
            || beresp.http.Vary == "*"
            || beresp.ttl <= 0s) {
        # "Hit-for-miss" for 2 minutes: requests for this URL go straight to
        # the site, side by side, instead of queueing behind one fetch.
        set beresp.ttl = 120s;
        # For a second only when the site's page cache answered (X-Page-Cache):
        # a public page, kept by no one for now (its previous copy, while a
        # worker renders it anew; rendered while something it shows changed;
        # no lifetime while the next scheduled story is unknown). A hit-for-
        # miss hides the copy this cache keeps of the page: for 2 minutes,
        # no reader got it while a refresh ran, nor while the site then failed
        # (vcl_synth), and every one of them went to the site.
        if (beresp.http.X-Page-Cache) {
            set beresp.ttl = 1s;
        }
        set beresp.uncacheable = true;
        return (deliver);
    }

    # The TTL comes from Surrogate-Control (above), or else from s-maxage
    # (Varnish reads it before max-age). Once it has run out, a popular page
    # is still served for 30 seconds while a single fetch refreshes it,
    # instead of every reader waiting on the site at once
    # (req.grace, vcl_recv; the contract's stale-while-revalidate=30). The page
    # is kept for 6 hours past its lifetime, to be served only while no app
    # server answers (vcl_recv). core/edge.py's EDGE_GRACE is this figure: it
    # retries a purge this cache missed until no page from before could be
    # served. Purges are hard, so grace never brings back a page that was
    # purged.
    set beresp.grace = 6h;
    # What the page allows while an app server answers (vcl_hit).
    unset beresp.http.eva-stale;
    if (beresp.http.Cache-Control
            ~ "(?i)(^|,)\s*stale-while-revalidate\s*=\s*[0-9]+\s*(,|$)") {
        set beresp.http.eva-stale = regsub(beresp.http.Cache-Control,
            "(?i)^(.*,)?\s*stale-while-revalidate\s*=\s*([0-9]+).*$", "\2");
    }

    # Skip the built-in vcl_backend_response: the rules above replace it.
    return (deliver);
}

sub vcl_deliver {
    # The tags are for this cache alone: they would tell readers what the
    # newsroom links together, and make every answer longer. So is its
    # lifetime: it ends when the next scheduled story goes public.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Surrogate-Control;
    unset resp.http.eva-stale;
    call eva_unnamed;

    # s-maxage was this cache's lifetime when Surrogate-Control gave none; a
    # CDN or proxy in front would keep the page that long too, and no purge
    # reaches it. Readers, and caches in front, keep max-age alone (at most
    # 60 seconds for a page), and may show it stale-while-revalidate seconds
    # more while they ask again, as a browser asking the site itself may.
    if (resp.http.Cache-Control ~ "(?i)(^|,)\s*s-maxage") {
        set resp.http.Cache-Control = regsub(regsuball(resp.http.Cache-Control,
            "(?i)(^|,)\s*s-maxage\s*=[^,]*", ""), "^\s*,\s*", "");
        if (resp.http.Cache-Control !~ "[^\s,]") {
            unset resp.http.Cache-Control;
        }
    }

    # For debugging: whether this answer came from the cache. A request that
    # passed (signed in, POST, /admin/) is always a MISS.
    if (obj.hits > 0) {
        set resp.http.X-Edge-Cache = "HIT";
    } else {
        set resp.http.X-Edge-Cache = "MISS";
    }
}

sub vcl_backend_error {
    # No app server could be reached (all sick, refused, timed out): a stale
    # copy being refreshed stays as it is, and a reader who was fetching gets
    # the 503 page below rather than the built-in "Guru Meditation".
    return (abandon);
}

# Readers learn nothing of the software that answers them: the app servers'
# Server: gunicorn (which they also leave out themselves, core/gunicorn_worker.py),
# this cache's Server: Varnish, X-Varnish (its request numbers) and Via
# (its name and version). A name and version only help someone who looks for a
# known flaw in them.
sub eva_unnamed {
    unset resp.http.Server;
    unset resp.http.X-Varnish;
    unset resp.http.Via;
    unset resp.http.X-Powered-By;
}

sub vcl_synth {
    call eva_unnamed;

    # The site answered a page's fetch with an error, or could not be reached
    # (vcl_backend_response, vcl_backend_error): the page's last good copy is
    # looked for, once, before the 503 page below. A news site keeps its
    # pages up when one of them fails. Never for a passed request (a post is
    # not sent twice): only a lookup that missed set eva-missed.
    if (resp.status == 503 && req.http.eva-missed && !req.http.eva-error) {
        set req.http.eva-error = "1";
        return (restart);
    }
    # The purge's answer in plain text ("Invalidated 3 objects") for the
    # site's logs, rather than the built-in HTML error page.
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }

    # No app server answered and no copy of the page is kept: the site's own
    # "back in a moment" (templates/503.html), self-contained, since the
    # site's stylesheet may be out of reach too. Its one style block is
    # allowed by its hash (tests/test_edge_vcl.py checks it).
    if (resp.status == 503) {
        if (req.method == "POST") {
            set req.http.eva-advice = "What you sent was not saved: please send it again in a minute.";
        } else {
            set req.http.eva-advice = "Please try again in a minute.";
        }
        set resp.http.Content-Type = "text/html; charset=utf-8";
        set resp.http.Cache-Control = "no-store";
        set resp.http.Retry-After = "30";
        set resp.http.Content-Security-Policy = "default-src 'none'; style-src 'sha256-oIA10iL0deYsVSBgvsW08H3thX1pTz9ylB+p4e0wBU0='; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        set resp.http.X-Content-Type-Options = "nosniff";
        set resp.http.Referrer-Policy = "strict-origin-when-cross-origin";
        set resp.body = {"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Back in a moment · EVA DAILY</title>
<style>body{max-width:36rem;margin:0 auto;padding:1.5rem 1.25rem;font:1.125rem/1.6 system-ui,sans-serif}a{color:inherit}h1{font-size:1.75rem;line-height:1.25;margin:2rem 0 1rem}.name{margin:0;padding-bottom:.75rem;border-bottom:2px solid;font-weight:800;letter-spacing:.08em}.name a{text-decoration:none}</style>
</head>
<body>
<header><p class="name"><a href="/">EVA DAILY</a></p></header>
<main>
<h1>We are back in a moment</h1>
<p>Our servers are not answering just now. "} + req.http.eva-advice + {"</p>
<p><a href="/">Go to the front page</a></p>
</main>
</body>
</html>
"};
        return (deliver);
    }

    # Any other refusal of this cache's own (a request without a Host header,
    # 400) in plain words, rather than the built-in page that names Varnish.
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.http.Cache-Control = "no-store";
    set resp.http.X-Content-Type-Options = "nosniff";
    set resp.body = resp.reason + {"
"};
    return (deliver);
}
