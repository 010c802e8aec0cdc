"""Newsroom roles (DESIGN.md section 7), applied by data migrations."""

ROLES = {
    "Editors": {
        "articles.section": ("add", "change", "delete", "view"),
        "articles.article": ("add", "change", "delete", "view"),
        "standards.correction": ("add", "change", "delete", "view"),
        "articles.relatedarticle": ("add", "change", "delete", "view"),
        "taggit.tag": ("add", "change", "delete", "view"),
        "taggit.taggeditem": ("add", "change", "delete", "view"),
        "authors.author": ("add", "change", "delete", "view"),
        # The about and standards pages: editors own the words, URLs fix the set.
        "pages.page": ("add", "change", "view"),
        # Editors read bias reports to act on them; moderators decide them.
        "standards.biasreport": ("view",),
    },
    "Moderators": {
        "articles.section": ("view",),
        "articles.article": ("view",),
        "standards.correction": ("view",),
        "taggit.tag": ("view",),
        "authors.author": ("view",),
        "comments.comment": ("view", "change"),
        "comments.commentreport": ("view",),
        "standards.biasreport": ("view", "change"),
        "accounts.reader": ("view", "change"),
        "comments.readerstanding": ("add", "view", "change"),
        "comments.wordrule": ("add", "change", "delete", "view"),
        "comments.moderationaction": ("view",),
    },
}


def sync_roles(apps, schema_editor=None, roles=ROLES):
    """Create the groups and give each exactly the permissions listed for it."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, models in roles.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = []
        for label, actions in models.items():
            app_label, model = label.split(".")
            try:
                apps.get_model(app_label, model)
            except LookupError:
                # Not created yet at this point of the migration history; the
                # migration that creates it syncs the roles again.
                continue
            for action in actions:
                permissions.append(Permission.objects.get(
                    content_type__app_label=app_label,
                    codename=f"{action}_{model}",
                ))
        group.permissions.set(permissions)
