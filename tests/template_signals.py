"""The native template engine's renders reported to the test client, as Django's own are.

Django's test set-up makes each template its engine renders send
`template_rendered`, from which the test client fills `response.context` and
`response.templates`. django-rust-templates (TEMPLATE_ENGINE=native, the
default) renders without that instrumentation, so here each of its templates
sends the same signal with the same arguments: the page's own, and each one
it includes. Test-only, as Django's is. Used by tests/conftest.py.
"""

from django.test.signals import template_rendered

try:
    from django_rust_templates import Template
except ImportError:  # TEMPLATE_ENGINE=django only: Django instruments its own engine
    Template = None


def install():
    if Template is None or getattr(Template.render, "sends_template_rendered", False):
        return
    render = Template.render

    def instrumented_render(self, context):
        template_rendered.send(sender=self, template=self, context=context)
        return render(self, context)

    instrumented_render.sends_template_rendered = True
    Template.render = instrumented_render
