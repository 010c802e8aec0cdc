from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0007_delete_correction'),
        ('comments', '0003_comment_submission_token'),
        ('standards', '0001_initial'),
    ]

    # BiasReport moved to standards with its table and indexes (issue 13): state only.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveIndex(
                model_name='biasreport',
                name='biasreport_queue_idx',
            ),
            migrations.RemoveIndex(
                model_name='biasreport',
                name='biasreport_article_idx',
            ),
            migrations.DeleteModel(
                name='BiasReport',
            ),
        ]),
    ]
