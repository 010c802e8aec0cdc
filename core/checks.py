from django.contrib import admin
from django.core import checks

from .admin import DeclaredLookupsOnly


@checks.register(checks.Tags.admin)
def admins_refuse_undeclared_lookups(app_configs, **kwargs):
    """Every registered ModelAdmin must filter only through its declared filters."""
    return [
        checks.Error(
            f"{type(model_admin).__qualname__} for {model._meta.label} does not inherit "
            "core.admin.DeclaredLookupsOnly: its list would accept lookups on any field.",
            hint="Put DeclaredLookupsOnly first among the ModelAdmin's bases.",
            obj=type(model_admin),
            id="core.E001",
        )
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, DeclaredLookupsOnly)
    ]
