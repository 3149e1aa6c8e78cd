from datetime import date

import pytest

from saas_app.core.intents import Intent, classify, promised_date

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("STOP", Intent.OPT_OUT),
        ("Parar", Intent.OPT_OUT),
        ("basta", Intent.OPT_OUT),
        ("ARRÊTER", Intent.OPT_OUT),
        ("Baja", Intent.OPT_OUT),
        ("Não quero receber mais mensagens", Intent.OPT_OUT),
        ("Arrêtez de m’écrire s'il vous plaît", Intent.OPT_OUT),
        ("I already paid last week", Intent.ALREADY_PAID),
        ("Já paguei ontem, segue o comprovante", Intent.ALREADY_PAID),
        ("Ho già pagato con bonifico", Intent.ALREADY_PAID),
        ("Ya realicé el pago", Intent.ALREADY_PAID),
        ("J'ai déjà payé hier", Intent.ALREADY_PAID),
        ("I never received the invoice", Intent.NOT_RECEIVED),
        ("Não recebi a fatura", Intent.NOT_RECEIVED),
        ("Non ho ricevuto nessuna fattura", Intent.NOT_RECEIVED),
        ("No me llegó la factura", Intent.NOT_RECEIVED),
        ("Je n'ai pas reçu la facture", Intent.NOT_RECEIVED),
        ("I need more time, can I pay in instalments?", Intent.NEED_TIME),
        ("Posso parcelar em 3 vezes?", Intent.NEED_TIME),
        ("Posso pagare a rate?", Intent.NEED_TIME),
        ("Necesito más tiempo", Intent.NEED_TIME),
        ("J'ai besoin d'un délai", Intent.NEED_TIME),
        ("Who is this?", Intent.OTHER),
        ("Obrigado", Intent.OTHER),
        ("", Intent.OTHER),
    ],
)
def test_replies_in_five_languages(text: str, intent: Intent) -> None:
    assert classify(text, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("I will pay tomorrow", date(2026, 11, 24)),
        ("Pago amanhã sem falta", date(2026, 11, 24)),
        ("Vou pagar dia 30", date(2026, 11, 30)),
        ("Pagherò il 5", date(2026, 12, 5)),
        ("Voy a pagar el 15/12", date(2026, 12, 15)),
        ("Je paierai le 02/01/2027", date(2027, 1, 2)),
        ("Je paie demain", date(2026, 11, 24)),
    ],
)
def test_a_promise_carries_its_date(text: str, when: date) -> None:
    reading = classify(text, TODAY)
    assert reading.intent == Intent.PROMISE
    assert reading.promised_on == when


def test_a_promise_without_a_date_is_still_a_promise() -> None:
    assert classify("I'll pay as soon as I can", TODAY).promised_on is None
    assert classify("I'll pay as soon as I can", TODAY).intent == Intent.PROMISE


def test_dates_in_the_past_roll_forward_and_impossible_ones_are_none() -> None:
    assert promised_date("10/01", TODAY) == date(2027, 1, 10)
    assert promised_date("31/02", TODAY) is None
    assert promised_date("dia 20", TODAY) == date(2026, 12, 20)


def test_quick_reply_buttons_mean_the_same_in_every_language() -> None:
    assert classify("Já paguei", TODAY, button_index=0).intent == Intent.ALREADY_PAID
    assert classify("Mi serve più tempo", TODAY, button_index=1).intent == Intent.NEED_TIME
    assert classify("Arrêter les messages", TODAY, button_index=2).intent == Intent.OPT_OUT
