import pytest
from cryptography.fernet import Fernet

from saas_app.auth.secrets import seal, unseal
from saas_app.settings import Settings


def test_a_sealed_secret_opens_only_with_a_configured_key_and_survives_rotation() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = seal("EAAG-access-token", [old])
    assert "EAAG" not in sealed
    assert unseal(sealed, [old]) == "EAAG-access-token"
    assert unseal(sealed, [new, old]) == "EAAG-access-token", "a new key first, the old one still opens"
    with pytest.raises(ValueError, match="no longer configured"):
        unseal(sealed, [new])
    assert seal("", [old]) == ""
    assert unseal("", [old]) == ""


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    env = {"COBRO_ENV": "production", "SECRET_KEY": "x" * 40}
    with pytest.raises(RuntimeError, match="COBRO_ENCRYPTION_KEY"):
        Settings.from_env(env)
    key = Fernet.generate_key().decode()
    assert Settings.from_env({**env, "COBRO_ENCRYPTION_KEY": f"{key}, {key}"}).encryption_keys == [key, key]
