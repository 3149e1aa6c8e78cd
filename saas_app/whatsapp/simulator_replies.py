"""What a simulated debtor writes back, in their own language, drawn from what real debtors write.

A reply is drawn per intent (a payment claim with or without a receipt, a promise with a date in
the local way of writing it, a request for instalments, "I never got the invoice", a dispute, an
opt-out typed or tapped, something off-topic), then its wording from the debtor's language and
region. Everything is drawn from the random generator given, so a seeded run is repeatable.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date

from saas_app.core.intents import Intent
from saas_app.core.phones import region_of

# Each intent a reply is drawn for, what Cobro should read in it, and how often real debtors send it.
# A dispute has no intent of its own in Cobro: it goes to a person, like anything unclear.
INTENTS: dict[str, tuple[Intent, int]] = {
    "paid": (Intent.ALREADY_PAID, 14),
    "paid_with_receipt": (Intent.ALREADY_PAID, 8),
    "promise": (Intent.PROMISE, 18),
    "instalments": (Intent.NEED_TIME, 10),
    "not_received": (Intent.NOT_RECEIVED, 8),
    "dispute": (Intent.OTHER, 6),
    "opt_out": (Intent.OPT_OUT, 5),
    "off_topic": (Intent.OTHER, 6),
    # Quick replies on the reminder, by position (core.library.REPLY_BUTTONS).
    "paid_button": (Intent.ALREADY_PAID, 12),
    "need_time_button": (Intent.NEED_TIME, 8),
    "opt_out_button": (Intent.OPT_OUT, 5),
}
BUTTON_OF = {"paid_button": 0, "need_time_button": 1, "opt_out_button": 2}
# What a debtor types instead when the message has no such button.
TYPED_INSTEAD = {"paid_button": "paid", "need_time_button": "instalments", "opt_out_button": "opt_out"}

# {numeric}: the day and month as the locale writes them in a chat ("20/12"); {day}: the day
# alone ("dia 20"); {long}: the day and month in words ("20 décembre", "December 20").
TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "paid": ("I already paid this last week", "Paid it yesterday, please check", "I have paid the full amount"),
        "paid_with_receipt": ("Here is the receipt, I already paid", "Payment made, receipt attached"),
        "promise": ("I will pay on {numeric}", "I can pay on {numeric}, is that ok?", "I'll pay on {long}"),
        "instalments": (
            "Can I pay in instalments?",
            "I need more time, can we split it?",
            "Can I pay in installments?",
        ),
        "not_received": ("I never received the invoice", "I never got the invoice", "Can you send the invoice?"),
        "dispute": ("This amount is wrong, I was charged twice", "I don't recognise this charge"),
        "opt_out": ("STOP", "Stop", "unsubscribe"),
        "off_topic": ("Who is this?", "Can you call me after 6pm?", "Hello, good morning"),
    },
    "es": {
        "paid": ("Ya pagué la semana pasada", "Ya está pagada, revisen por favor", "Ya realicé el pago"),
        "paid_with_receipt": ("Ya pagué, les mando el comprobante", "Adjunto el comprobante, ya está pagado"),
        "promise": ("Voy a pagar el {numeric}", "Pago el {day} sin falta", "Le pago el {long}"),
        "instalments": ("¿Puedo pagar en cuotas?", "Necesito más tiempo para pagar", "¿Me dan un plazo más?"),
        "not_received": ("No me llegó la factura", "No recibí ninguna factura", "Envíenme la factura por favor"),
        "dispute": ("El importe no es correcto, me cobraron dos veces", "No reconozco esta factura"),
        "opt_out": ("BAJA", "Baja", "No más"),
        "off_topic": ("¿Quién es?", "¿Me pueden llamar en la tarde?", "Hola, buenos días"),
    },
    "es_MX": {
        "paid": ("Ya pagué desde el viernes", "Ya quedó pagado", "Ya realicé el pago por transferencia"),
        "paid_with_receipt": ("Ya pagué, le mando el comprobante", "Ahí va el comprobante, ya está pagado"),
        "promise": ("Le pago el {numeric}", "Voy a pagar el {day}", "Pago el {day} en la quincena"),
        "instalments": (
            "¿Se puede pagar en cuotas?",
            "¿Me dan chance de pagar en parcialidades?",
            "Necesito más tiempo",
        ),
        "not_received": ("No me llegó la factura", "Nunca recibí la factura", "Mande la factura por favor"),
        "dispute": ("Ese monto no es, me están cobrando de más", "Esta factura no es mía"),
        "opt_out": ("BAJA", "Ya no me manden mensajes", "No más"),
        "off_topic": ("¿Quién habla?", "Buenas tardes", "¿Tienen sucursal en Monterrey?"),
    },
    "pt_BR": {
        "paid": ("Já paguei semana passada", "Já paguei, confere aí", "Já efetuei o pagamento"),
        "paid_with_receipt": ("Já paguei, segue o comprovante", "Segue o comprovante do pix, já foi pago"),
        "promise": ("Vou pagar dia {day}", "Pago dia {day} sem falta", "Consigo pagar no dia {numeric}"),
        "instalments": ("Dá pra parcelar?", "Posso parcelar em 3 vezes?", "Preciso de mais prazo"),
        "not_received": ("Não recebi a fatura", "Não chegou nenhum boleto", "Manda a fatura de novo por favor"),
        "dispute": ("Esse valor está errado, fui cobrado duas vezes", "Não reconheço essa cobrança"),
        "opt_out": ("PARAR", "Sair", "Não quero receber essas mensagens"),
        "off_topic": ("Quem é?", "Bom dia", "Vocês abrem no sábado?"),
    },
    "pt_PT": {
        "paid": ("Já paguei na semana passada", "Já foi pago, verifiquem por favor", "Já efetuei o pagamento"),
        "paid_with_receipt": ("Já paguei, envio o comprovativo", "Segue o comprovativo da transferência, já paguei"),
        "promise": ("Vou pagar no dia {day}", "Pagarei a {numeric}", "Pago no dia {day}"),
        "instalments": ("Posso pagar em prestações?", "Preciso de mais prazo", "É possível fracionar o pagamento?"),
        "not_received": ("Não recebi a fatura", "A fatura nunca chegou", "Enviem a fatura por favor"),
        "dispute": ("O valor está errado, cobraram duas vezes", "Não reconheço esta fatura"),
        "opt_out": ("PARAR", "Sair", "Não quero receber mensagens"),
        "off_topic": ("Quem fala?", "Bom dia", "Podem ligar-me mais tarde?"),
    },
    "it": {
        "paid": ("Ho già pagato la settimana scorsa", "Già pagato, controllate per favore", "Ho pagato ieri"),
        "paid_with_receipt": ("Ho già pagato, ecco la ricevuta", "Pagamento effettuato, allego la contabile"),
        "promise": ("Pagherò il {numeric}", "Pago il {day}", "Vi pago il {long}"),
        "instalments": ("Posso pagare a rate?", "Mi serve più tempo", "È possibile una dilazione?"),
        "not_received": ("Non ho ricevuto la fattura", "La fattura non mi è arrivata", "Mandatemi la fattura"),
        "dispute": ("L'importo è sbagliato, me l'avete addebitato due volte", "Non riconosco questa fattura"),
        "opt_out": ("BASTA", "Stop", "Non voglio ricevere altri messaggi"),
        "off_topic": ("Chi è?", "Buongiorno", "Potete richiamarmi nel pomeriggio?"),
    },
    "fr": {
        "paid": ("J'ai déjà payé la semaine dernière", "Déjà réglé, merci de vérifier", "J'ai payé hier"),
        "paid_with_receipt": ("J'ai déjà payé, voici le justificatif", "Paiement effectué, reçu en pièce jointe"),
        "promise": ("Je paierai le {long}", "Je vais payer le {numeric}", "Je paie le {day}"),
        "instalments": ("Puis-je payer en plusieurs fois ?", "Je peux échelonner ?", "J'ai besoin d'un délai"),
        "not_received": ("Je n'ai pas reçu la facture", "Jamais reçu de facture", "Envoyez la facture svp"),
        "dispute": ("Le montant est faux, j'ai été débité deux fois", "Je ne reconnais pas cette facture"),
        "opt_out": ("ARRÊTER", "STOP", "Je ne veux plus recevoir de messages"),
        "off_topic": ("C'est qui ?", "Bonjour", "Vous pouvez me rappeler demain matin ?"),
    },
}
# Where one language is written differently from one country to the next: the regions that write
# like each regional set, and the set for the others.
_REGIONAL: dict[str, tuple[dict[str, str], str]] = {
    "es": ({"MX": "es_MX", "US": "es_MX", "GT": "es_MX", "HN": "es_MX", "SV": "es_MX"}, "es"),
    "pt": ({"PT": "pt_PT", "AO": "pt_PT", "MZ": "pt_PT", "CV": "pt_PT"}, "pt_BR"),
}
_ASKED_REGION = {"pt_PT": "pt_PT", "pt_BR": "pt_BR", "es_MX": "es_MX", "es_ES": "es"}
# How far ahead a debtor promises to pay, in days.
PROMISE_WITHIN = (2, 10)


@dataclass(frozen=True)
class Reply:
    intent: str  # a key of INTENTS
    locale: str  # a key of TEXTS
    text: str  # what the debtor typed, the caption of their receipt, or the label they tapped
    kind: str = "text"  # text, button, image
    button: int | None = None  # the quick reply's position, for a button
    promised_on: date | None = None

    @property
    def expected(self) -> Intent:
        """What Cobro should read in it."""
        return INTENTS[self.intent][0]


def locale_for(language: str, phone: str) -> str:
    """The set the debtor writes from: their template's language, written the way their country does.

    A Portuguese number gets European Portuguese even when the template was Brazilian (Cobro falls
    back to the nearest variant it has; the debtor still writes as they always do).
    """
    code = language.replace("-", "_")
    base = code.split("_")[0].lower()
    if base not in _REGIONAL:
        return base if base in TEXTS else "en"
    regions, fallback = _REGIONAL[base]
    country = region_of("+" + phone.lstrip("+")) if phone else ""
    return regions.get(country) or _ASKED_REGION.get(code) or fallback


def draw(
    rng: random.Random, language: str, phone: str, today: date, buttons: tuple[str, ...] = (), intent: str = ""
) -> Reply:
    """One reply to a message in `language` (its template's code) sent to `phone`.

    `buttons` are the labels of the message's quick replies; without them the debtor types. With
    `intent` (a key of INTENTS) the debtor means that, and only the wording is drawn.
    """
    if not intent:
        choices = [name for name in INTENTS if name not in BUTTON_OF or BUTTON_OF[name] < len(buttons)]
        intent = rng.choices(choices, weights=[INTENTS[name][1] for name in choices])[0]
    elif intent in BUTTON_OF and BUTTON_OF[intent] >= len(buttons):
        intent = TYPED_INSTEAD[intent]
    locale = locale_for(language, phone)
    if intent in BUTTON_OF:
        index = BUTTON_OF[intent]
        return Reply(intent, locale, buttons[index], kind="button", button=index)
    wording = rng.choice(TEXTS[locale][intent])
    if intent != "promise":
        return Reply(intent, locale, wording, kind="image" if intent == "paid_with_receipt" else "text")
    promised = today + timedelta(days=rng.randint(*PROMISE_WITHIN))
    return Reply(intent, locale, wording.format(**_date_forms(promised, locale)), promised_on=promised)


def _date_forms(day: date, locale: str) -> dict[str, str]:
    """The ways a debtor of `locale` writes a day in a chat; English speakers in the US put the month first."""
    numeric = f"{day.day}/{day.month}" if locale != "en" else f"{day.day:02d}/{day.month:02d}"
    long = format_date(day, "MMMM d" if locale == "en" else "d MMMM", locale=_babel(locale))
    return {"numeric": numeric, "day": str(day.day), "long": long}


def _babel(locale: str) -> str:
    return {"es": "es_ES", "pt_BR": "pt_BR", "pt_PT": "pt_PT", "es_MX": "es_MX"}.get(locale, locale)
