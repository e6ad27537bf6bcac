INSTALLED_APPS = ["core", "accounts", "catalog", "shop"]
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
