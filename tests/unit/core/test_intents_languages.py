"""Real replies, one table per language (with its regional ways of writing), read as the debtor meant
them: what must match, and what looks alike but must not ("I haven't paid yet", "don't stop")."""

from datetime import date

import pytest

from saas_app.core.intents import Intent, classify

TODAY = date(2026, 11, 23)  # a Monday
FRIDAY, NEXT_MONDAY = date(2026, 11, 27), date(2026, 11, 30)

OPT_OUT, PAID, NOT_RECEIVED = Intent.OPT_OUT, Intent.ALREADY_PAID, Intent.NOT_RECEIVED
NEED_TIME, PROMISE, OTHER = Intent.NEED_TIME, Intent.PROMISE, Intent.OTHER

Row = tuple[str, Intent, date | None]

ENGLISH: list[Row] = [
    ("STOP", OPT_OUT, None),
    ("Stop please", OPT_OUT, None),
    ("STOP!", OPT_OUT, None),
    ("STOP STOP", OPT_OUT, None),
    ("Please stop sending me these messages", OPT_OUT, None),
    ("I don't want to receive these messages", OPT_OUT, None),
    ("Don't stop", OTHER, None),
    ("Why did you stop sending the invoice?", OTHER, None),
    ("Please don't stop sending the reminders, they help me", OTHER, None),
    ("I'll stop by the office tomorrow to pay", PROMISE, date(2026, 11, 24)),
    ("I already paid last week", PAID, None),
    ("I've paid it, check your account", PAID, None),
    ("Paid on 20/11 by bank transfer", PAID, None),
    ("Payment sent this morning", PAID, None),
    ("I haven't paid yet", OTHER, None),
    ("I have not paid yet, sorry", OTHER, None),
    ("I didn't pay because I never got the invoice", NOT_RECEIVED, None),
    ("I never got the invoice", NOT_RECEIVED, None),
    ("I haven't received any invoice", NOT_RECEIVED, None),
    ("Where is the invoice?", NOT_RECEIVED, None),
    ("Can I pay in installments?", NEED_TIME, None),
    ("Can I pay in instalments?", NEED_TIME, None),
    ("Could we agree on a payment plan?", NEED_TIME, None),
    ("I can't pay this month", NEED_TIME, None),
    ("I'll pay on December 2", PROMISE, date(2026, 12, 2)),
    ("I will pay on the 30th", PROMISE, date(2026, 11, 30)),
    ("I'll pay next Friday", PROMISE, FRIDAY),
    ("I can pay by Friday", PROMISE, FRIDAY),
    ("I can't pay on Friday, I'll pay on Monday", PROMISE, NEXT_MONDAY),
    ("I'll pay as soon as I can", PROMISE, None),
    ("I won't be able to pay on Friday", OTHER, None),
    ("Not sure when I will pay", OTHER, None),
    ("This amount is wrong, I was charged twice", OTHER, None),  # a dispute: a person answers it
    ("Who is this?", OTHER, None),
]
PORTUGUESE: list[Row] = [
    ("PARAR", OPT_OUT, None),
    ("Parar, por favor", OPT_OUT, None),
    ("Não quero receber essas mensagens", OPT_OUT, None),
    ("Parem de enviar mensagens", OPT_OUT, None),
    ("Não parem de enviar, preciso dos lembretes", OTHER, None),
    ("Já paguei, segue o comprovante", PAID, None),
    ("Já foi pago, verifiquem por favor", PAID, None),
    ("Já fiz o pix ontem", PAID, None),
    ("Não paguei ainda", OTHER, None),
    ("Ainda não paguei", OTHER, None),
    ("Não já paguei", PAID, None),  # "não, já paguei" without its comma
    ("Ainda não paguei, vou pagar na sexta", PROMISE, FRIDAY),
    ("A fatura nunca chegou", NOT_RECEIVED, None),
    ("Enviem a fatura por favor", NOT_RECEIVED, None),
    ("Manda a segunda via do boleto", NOT_RECEIVED, None),
    ("Posso pagar em prestações?", NEED_TIME, None),
    ("É possível fracionar o pagamento?", NEED_TIME, None),
    ("Dá pra parcelar em 3x?", NEED_TIME, None),
    ("Não consigo pagar este mês", NEED_TIME, None),
    ("Vou pagar dia 30", PROMISE, date(2026, 11, 30)),
    ("Pago no dia 2 de dezembro", PROMISE, date(2026, 12, 2)),
    ("Pagarei a 2/12", PROMISE, date(2026, 12, 2)),
    ("Pago sexta-feira sem falta", PROMISE, FRIDAY),
    ("No dia 20 eu pago", PROMISE, date(2026, 12, 20)),
    ("Consigo pagar depois de amanhã", PROMISE, date(2026, 11, 25)),
    ("Não vou pagar", OTHER, None),
    ("Esse valor está errado, fui cobrado duas vezes", OTHER, None),
    ("Vocês abrem no sábado?", OTHER, None),
    ("Bom dia", OTHER, None),
]
SPANISH: list[Row] = [
    ("BAJA", OPT_OUT, None),
    ("Baja por favor", OPT_OUT, None),
    ("No más", OPT_OUT, None),
    ("Ya no me manden mensajes", OPT_OUT, None),
    ("Dejen de escribirme", OPT_OUT, None),
    ("No me den de baja, sigo pagando", OTHER, None),
    ("Ya está pagada, revisen por favor", PAID, None),
    ("Ya quedó pagado", PAID, None),
    ("Ahí va el comprobante, ya está pagado", PAID, None),
    ("No, ya pagué la semana pasada", PAID, None),
    ("Pagué el 20", PAID, None),
    ("Todavía no pagué", OTHER, None),
    ("Aún no está pagado", OTHER, None),
    ("Nunca recibí la factura", NOT_RECEIVED, None),
    ("Mándenme la factura por favor", NOT_RECEIVED, None),
    ("¿Me dan chance de pagar en parcialidades?", NEED_TIME, None),
    ("¿Puedo pagar en cuotas?", NEED_TIME, None),
    ("No puedo pagar este mes", NEED_TIME, None),
    ("Le pago el 2 de diciembre", PROMISE, date(2026, 12, 2)),
    ("Voy a pagar el 15/12", PROMISE, date(2026, 12, 15)),
    ("Pago el viernes", PROMISE, FRIDAY),
    ("Pago pasado mañana", PROMISE, date(2026, 11, 25)),
    ("No puedo pagar el viernes, pago el lunes", PROMISE, NEXT_MONDAY),
    ("No pagué el 20, pago el 30", PROMISE, date(2026, 11, 30)),
    ("No voy a pagar", OTHER, None),
    ("El importe no es correcto, me cobraron dos veces", OTHER, None),
    ("¿Quién habla?", OTHER, None),
]
ITALIAN: list[Row] = [
    ("BASTA", OPT_OUT, None),
    ("Stop, grazie", OPT_OUT, None),
    ("Non voglio ricevere altri messaggi", OPT_OUT, None),
    ("Smettete di scrivermi", OPT_OUT, None),
    ("Non smettete di scrivermi, il promemoria mi aiuta", OTHER, None),
    ("Ho già pagato con bonifico", PAID, None),
    ("Già pagato, controllate per favore", PAID, None),
    ("Ho fatto il bonifico ieri", PAID, None),
    ("E' già stato pagato", PAID, None),
    ("Non ho ancora pagato", OTHER, None),
    ("Non ho pagato", OTHER, None),
    ("Non è stato pagato", OTHER, None),
    ("La fattura non mi è arrivata", NOT_RECEIVED, None),
    ("Non l'ho mai ricevuta", NOT_RECEIVED, None),
    ("Mandatemi la fattura", NOT_RECEIVED, None),
    ("Posso pagare a rate?", NEED_TIME, None),
    ("È possibile una dilazione?", NEED_TIME, None),
    ("Posso pagare in 3 volte?", NEED_TIME, None),
    ("Pagherò il 5", PROMISE, date(2026, 12, 5)),
    ("Vi pago il 20 dicembre", PROMISE, date(2026, 12, 20)),
    ("Pago venerdì", PROMISE, FRIDAY),
    ("Pago dopodomani", PROMISE, date(2026, 11, 25)),
    ("Pago a fine mese", PROMISE, date(2026, 11, 30)),
    ("Non pagherò", OTHER, None),
    ("L'importo è sbagliato", OTHER, None),
    ("Chi è?", OTHER, None),
]
FRENCH: list[Row] = [
    ("ARRÊTER", OPT_OUT, None),
    ("Stop merci", OPT_OUT, None),
    ("Je ne veux plus recevoir de messages", OPT_OUT, None),
    ("Arrêtez de m'écrire", OPT_OUT, None),
    ("N'arrêtez pas de m'écrire, j'en ai besoin", OTHER, None),
    ("J'ai déjà payé hier", PAID, None),
    ("Déjà réglé, merci de vérifier", PAID, None),
    ("C'est réglé depuis lundi", PAID, None),
    ("Je n'ai pas encore payé", OTHER, None),
    ("Je n'ai pas payé", OTHER, None),
    ("Je n'ai jamais reçu la facture", NOT_RECEIVED, None),
    ("Envoyez-moi la facture svp", NOT_RECEIVED, None),
    ("Puis-je payer en plusieurs fois ?", NEED_TIME, None),
    ("Je peux payer en 3 fois ?", NEED_TIME, None),
    ("J'ai besoin d'un délai", NEED_TIME, None),
    ("Je paierai le 20 décembre", PROMISE, date(2026, 12, 20)),
    ("Je paierai le 1er décembre", PROMISE, date(2026, 12, 1)),
    ("Je vais payer vendredi prochain", PROMISE, FRIDAY),
    ("Je paie après-demain", PROMISE, date(2026, 11, 25)),
    ("Je paierai dans 3 jours", PROMISE, date(2026, 11, 26)),
    ("Je ne vais pas payer", OTHER, None),
    ("Le montant est faux", OTHER, None),
    ("C'est qui ?", OTHER, None),
]


def _read(text: str, intent: Intent, when: date | None) -> None:
    reading = classify(text, TODAY)
    assert (reading.intent, reading.promised_on) == (intent, when), text


@pytest.mark.parametrize(("text", "intent", "when"), ENGLISH)
def test_english(text: str, intent: Intent, when: date | None) -> None:
    _read(text, intent, when)


@pytest.mark.parametrize(("text", "intent", "when"), PORTUGUESE)
def test_portuguese_of_brazil_and_portugal(text: str, intent: Intent, when: date | None) -> None:
    _read(text, intent, when)


@pytest.mark.parametrize(("text", "intent", "when"), SPANISH)
def test_spanish_of_spain_and_mexico(text: str, intent: Intent, when: date | None) -> None:
    _read(text, intent, when)


@pytest.mark.parametrize(("text", "intent", "when"), ITALIAN)
def test_italian(text: str, intent: Intent, when: date | None) -> None:
    _read(text, intent, when)


@pytest.mark.parametrize(("text", "intent", "when"), FRENCH)
def test_french(text: str, intent: Intent, when: date | None) -> None:
    _read(text, intent, when)


@pytest.mark.parametrize(
    "text",
    [
        "I haven't paid yet",
        "I did not pay",
        "não paguei ainda",
        "Eu ainda não paguei",
        "todavía no pagué",
        "No está pagada",
        "non ho ancora pagato",
        "je n'ai pas encore payé",
    ],
)
def test_a_denied_payment_is_no_payment_claim(text: str) -> None:
    assert classify(text, TODAY).intent != PAID


@pytest.mark.parametrize(
    "text", ["Don't stop", "Do not stop sending", "Não pare", "No paren de enviar", "Non fermatevi", "Ne pas arrêter"]
)
def test_a_denied_stop_does_not_opt_out(text: str) -> None:
    assert classify(text, TODAY).intent != OPT_OUT
