# The app servers behind the edge cache; default.vcl includes this file.
# Edit it here, not in default.vcl, so that the cache rules stay as shipped;
# default.vcl's one part to edit is its purgers ACL (the app servers' addresses).

# One app server (gunicorn on this host, as `make run` and the Dockerfile serve it).
backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Several app servers: replace the backend above with one backend each, a probe
# and a round-robin director. The probe asks /healthz, which answers 503 while a
# server cannot reach its database, so the director stops sending readers there;
# when no server answers, default.vcl serves every page it keeps, however old.
# A backend without a probe always counts as healthy: give a single app server
# the probe too (`.probe = healthz;` in its backend) for that.
# /healthz is answered before the Host check and the HTTPS redirect
# (core.middleware.HealthCheckMiddleware): the probe may ask by the server's
# address, over plain HTTP, with any Host and no X-Forwarded-Proto, whatever
# ALLOWED_HOSTS and HTTPS say. default.vcl already imports directors.
#
# probe healthz {
#     .url = "/healthz";
#     .timeout = 2s;
#     .interval = 5s;
#     # Sick after 3 failures in the last 5 probes; healthy again after 3 successes.
#     .window = 5;
#     .threshold = 3;
# }
#
# backend app1 { .host = "10.0.0.11"; .port = "8000"; .probe = healthz; }
# backend app2 { .host = "10.0.0.12"; .port = "8000"; .probe = healthz; }
#
# sub vcl_init {
#     new app = directors.round_robin();
#     app.add_backend(app1);
#     app.add_backend(app2);
# }
#
# # Runs before default.vcl's vcl_recv (this file is included first).
# sub vcl_recv {
#     set req.backend_hint = app.backend();
# }
