import pytest

from saas_app.whatsapp.errors import Action, backoff_seconds, judge


@pytest.mark.parametrize(
    ("code", "status", "action"),
    [
        (130429, 400, Action.RETRY),
        (131056, 400, Action.RETRY_RECIPIENT),
        (131026, 400, Action.FAIL),
        (132000, 400, Action.FAIL),
        (132001, 404, Action.FAIL),
        (131047, 400, Action.FAIL),
        (190, 401, Action.PAUSE_ACCOUNT),
        (200, 403, Action.PAUSE_ACCOUNT),
        (131048, 400, Action.PAUSE_ACCOUNT),
        (132015, 400, Action.PAUSE_TEMPLATE),
        (1, 500, Action.RETRY),
        (None, 503, Action.RETRY),
        (None, 0, Action.RETRY),
        (None, 400, Action.FAIL),
    ],
)
def test_each_code_gets_the_action_meta_documents(code: int | None, status: int, action: Action) -> None:
    assert judge(code, status).action == action


def test_reasons_are_readable() -> None:
    assert judge(190, 401).reason == "the access token has expired or was revoked"
    assert judge(99999, 400, "Something odd").reason == "Something odd"


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    assert 0.5 <= backoff_seconds(0, Action.RETRY, 0.0) <= 1.0
    assert backoff_seconds(3, Action.RETRY, 1.0) == 8.0
    assert backoff_seconds(3, Action.RETRY_RECIPIENT, 1.0) == 64.0
    assert backoff_seconds(20, Action.RETRY, 1.0) == 300.0


def test_metas_reasons_reach_people_in_their_language() -> None:
    from saas_app.i18n import gettext
    from saas_app.whatsapp.errors import READABLE

    for language in ("it", "es", "pt", "fr"):
        untranslated = [reason for reason in READABLE.values() if gettext(language, reason) == reason]
        assert untranslated == [], language
    assert gettext("pt", READABLE[190]) == "o token de acesso expirou ou foi revogado"


def test_the_pair_rate_is_never_retried_before_its_six_seconds() -> None:
    assert backoff_seconds(0, Action.RETRY_RECIPIENT, 0.0) == 6.0
    assert backoff_seconds(1, Action.RETRY_RECIPIENT, 1.0) == 6.0
    assert backoff_seconds(2, Action.RETRY_RECIPIENT, 1.0) == 16.0
