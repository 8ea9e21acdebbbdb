"""A text field stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256).

The key comes from ``settings.FIELD_ENCRYPTION_KEY`` (``RETAIN_FIELD_KEY`` or a key file in
the data directory), never from the repository. Encrypted values cannot be searched; a field
stored this way is one nobody needs to find a customer by.
"""

from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode() if token else ""


class EncryptedTextField(models.TextField):
    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
