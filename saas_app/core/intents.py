"""What a debtor's reply means, in the five languages: opt-out, already paid, invoice not received,
need more time, a promise to pay (with its date when one is given), or something for a person.

Pure and deliberately conservative: only clear wording counts, and anything unclear goes to a
person in the inbox. Quick-reply buttons of the library's reminders map by position, whatever
their language (core.library.REPLY_BUTTONS).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Intent(StrEnum):
    OPT_OUT = "opt_out"
    ALREADY_PAID = "already_paid"
    NOT_RECEIVED = "not_received"
    NEED_TIME = "need_time"
    PROMISE = "promise"
    OTHER = "other"


@dataclass(frozen=True)
class Reading:
    intent: Intent
    promised_on: date | None = None


def _fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'ARRÊTER' and 'arreter' read the same."""
    plain = unicodedata.normalize("NFKD", text.replace("\u2019", "'")).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9/.'-]+", plain))


# A message that is only one of these words asks to stop, in any of our languages.
OPT_OUT_WORDS = frozenset(
    {
        "stop", "unsubscribe", "cancel", "quit", "end", "optout", "opt-out",
        "parar", "pare", "sair", "cancelar", "descadastrar",
        "basta", "stop messaggi", "cancellami", "disiscrivimi",
        "alto", "baja", "darme de baja", "no mas",
        "arreter", "arret", "desabonner", "desinscrire",
    }
)  # fmt: skip
OPT_OUT_PHRASES = (
    "stop messages", "stop sending", "don't message", "do not message", "remove me", "unsubscribe me",
    "parar mensagens", "nao quero receber", "nao me mande", "pare de enviar", "parem de enviar",
    "interrompi messaggi", "non voglio ricevere", "non scrivetemi", "smettete di scrivere",
    "no enviar mas mensajes", "no quiero recibir", "no me escriban", "dejen de escribir",
    "arreter les messages", "ne plus recevoir", "ne m'ecrivez plus", "arretez de m'ecrire",
)  # fmt: skip
PATTERNS: dict[Intent, tuple[str, ...]] = {
    Intent.ALREADY_PAID: (
        "already paid", "i paid", "i have paid", "paid it", "payment made", "sent the payment",
        "ja paguei", "ja foi pago", "ja efetuei o pagamento", "paguei",
        "ho gia pagato", "gia pagato", "ho pagato", "pagamento effettuato",
        "ya pague", "ya realice el pago", "ya esta pagad", "pague ayer",
        "j'ai deja paye", "deja paye", "j'ai paye", "paiement effectue", "deja regle",
    ),
    Intent.NOT_RECEIVED: (
        "didn't receive", "did not receive", "never received", "not received", "no invoice", "send the invoice",
        "nao recebi", "nao chegou", "manda a fatura", "envie a fatura", "mande a fatura",
        "non ho ricevuto", "non mi e arrivata", "mandatemi la fattura", "inviate la fattura",
        "no recibi", "no me llego", "envienme la factura", "mande la factura",
        "pas recu", "jamais recu", "envoyez la facture", "n'ai pas recu",
    ),
    Intent.NEED_TIME: (
        "need more time", "more time", "can't pay", "cannot pay", "installment", "instalment", "extension",
        "preciso de mais prazo", "mais prazo", "nao consigo pagar", "parcelar", "parcela",
        "mi serve piu tempo", "piu tempo", "non riesco a pagare", "a rate", "dilazione",
        "necesito mas tiempo", "mas tiempo", "no puedo pagar", "cuotas", "plazo",
        "besoin de plus de temps", "plus de temps", "je ne peux pas payer", "echelonner", "delai",
    ),
    Intent.PROMISE: (
        "i will pay", "i'll pay", "will pay", "pay on", "pay tomorrow", "pay next",
        "vou pagar", "pago amanha", "pago dia", "pagarei", "pago na",
        "paghero", "pago domani", "pago il", "paghero il",
        "voy a pagar", "pagare", "pago manana", "pago el",
        "je paierai", "je vais payer", "je paie demain", "paierai le",
    ),
}  # fmt: skip
# Quick replies arrive as their button text; the library puts them in this order everywhere.
BUTTON_INTENTS = (Intent.ALREADY_PAID, Intent.NEED_TIME, Intent.OPT_OUT)
TOMORROW = ("tomorrow", "amanha", "domani", "manana", "demain")
_DAY_MONTH = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b")
_DAY_ONLY = re.compile(r"\b(?:on|dia|il|el|le)\s+(\d{1,2})\b")


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", text) for phrase in phrases)


def promised_date(folded: str, today: date) -> date | None:
    """'amanhã' / 'demain' -> tomorrow; '30/11', '30/11/2026' -> that day; 'dia 30' -> the next 30th."""
    if _has(folded, TOMORROW):
        return today + timedelta(days=1)
    found = _DAY_MONTH.search(folded)
    if found:
        day, month, year = int(found.group(1)), int(found.group(2)), found.group(3)
        full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
        try:
            when = date(full_year, month, day)
        except ValueError:
            return None
        return when if year is not None or when >= today else date(full_year + 1, month, day)
    found = _DAY_ONLY.search(folded)
    if found:
        day = int(found.group(1))
        month, year = today.month, today.year
        for _ in range(2):  # this month's, else next month's
            try:
                if (upcoming := date(year, month, day)) >= today:
                    return upcoming
            except ValueError:
                pass  # no such day this month (the 31st in November)
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None


def classify(text: str, today: date, button_index: int | None = None) -> Reading:
    """The reply's intent; a promise carries its date when the debtor wrote one."""
    if button_index is not None and 0 <= button_index < len(BUTTON_INTENTS):
        return Reading(BUTTON_INTENTS[button_index])
    folded = _fold(text)
    if not folded:
        return Reading(Intent.OTHER)
    if folded in OPT_OUT_WORDS or _has(folded, OPT_OUT_PHRASES):
        return Reading(Intent.OPT_OUT)
    for intent in (Intent.ALREADY_PAID, Intent.NOT_RECEIVED):
        if _has(folded, PATTERNS[intent]):
            return Reading(intent)
    when = promised_date(folded, today)
    promises = _has(folded, PATTERNS[Intent.PROMISE])
    if when is not None and (promises or re.search(r"(?<![a-z])(pay|pag|pai)", folded)):
        return Reading(Intent.PROMISE, when)
    if _has(folded, PATTERNS[Intent.NEED_TIME]):  # "can I pay in instalments" asks; it does not promise
        return Reading(Intent.NEED_TIME)
    if promises:
        return Reading(Intent.PROMISE)
    return Reading(Intent.OTHER)
