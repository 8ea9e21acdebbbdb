"""Each response carries its numeric answers by question code (``Response.scores``), filled here
for the responses stored before: the analysis reads that one column instead of the answer rows."""

from django.db import migrations, models

BATCH = 2_000


def fill_scores(apps, schema_editor):
    Answer = apps.get_model("surveys", "Answer")
    Response = apps.get_model("surveys", "Response")
    rows = (Answer.objects.filter(number__isnull=False).order_by("response_id")
            .values_list("response_id", "question__code", "number").iterator(chunk_size=BATCH * 10))
    pending, current, scores = [], None, {}
    for response_id, code, number in rows:
        if response_id != current:
            if current is not None:
                pending.append(Response(pk=current, scores=scores))
            current, scores = response_id, {}
            if len(pending) >= BATCH:
                Response.objects.bulk_update(pending, ["scores"])
                pending = []
        scores[code] = number
    if current is not None:
        pending.append(Response(pk=current, scores=scores))
    Response.objects.bulk_update(pending, ["scores"])


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0002_reminder_link"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="scores",
            field=models.JSONField(blank=True, default=dict, verbose_name="scores"),
        ),
        migrations.RunPython(fill_scores, migrations.RunPython.noop),
    ]
