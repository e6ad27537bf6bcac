from django.db import migrations, models


class Migration(migrations.Migration):
    operations = [migrations.CreateModel(name="Product", fields=[("title", models.CharField())])]
