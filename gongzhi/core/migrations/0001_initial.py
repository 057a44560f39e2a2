from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="IdempotencyRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "scope",
                    models.CharField(help_text="user:<id> 或 API 密钥", max_length=64, verbose_name="调用方"),
                ),
                ("endpoint", models.CharField(help_text="方法和路径", max_length=200, verbose_name="接口")),
                ("key", models.CharField(max_length=128, verbose_name="幂等键")),
                ("fingerprint", models.CharField(max_length=64, verbose_name="请求摘要")),
                (
                    "status_code",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="响应状态码"),
                ),
                ("response_body", models.TextField(blank=True, verbose_name="响应内容")),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="创建时间"),
                ),
            ],
            options={
                "verbose_name": "幂等请求记录",
                "verbose_name_plural": "幂等请求记录",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scope", "endpoint", "key"),
                        name="core_idempotency_unique",
                        violation_error_message="该幂等键已使用。",
                    )
                ],
            },
        ),
    ]
