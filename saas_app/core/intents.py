"""What a debtor's reply means, in the five languages: opt-out, already paid, invoice not received,
need more time, a promise to pay (with its date when one is given), or something for a person.

Pure and deliberately conservative: only clear wording counts, and anything unclear goes to a
person in the inbox. A claim said with a "not" before it ("não paguei ainda", "don't stop sending")
is not that claim. Quick-reply buttons of the library's reminders map by position, whatever their
language (core.library.REPLY_BUTTONS).

A dispute ("this amount is wrong") has no intent of its own: it reads as "other", so a person
answers it and the debtor's reminders pause, which is what a dispute needs.
"""

import calendar
import re
import unicodedata
from collections.abc import Iterable
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


# Folded text marks where a clause ends: a phrase never spans two clauses, and the "no" of one
# never negates the next ("No, ya pagué").
CLAUSE = ";"


def _fold(text: str) -> str:
    """Lower case, no accents, single spaces, ';' between clauses: 'ARRÊTER !' reads as 'arreter'."""
    marked = re.sub(r"[.,](?!\d)|[;:!?¡¿()\n]", f" {CLAUSE} ", text.replace("\u2019", "'"))
    plain = unicodedata.normalize("NFKD", marked).encode("ascii", "ignore").decode().lower()
    folded = " ".join(re.findall(r"[a-z0-9/.'-]+|;", plain))
    return re.sub(r";(?: ;)+", CLAUSE, folded).strip(f" {CLAUSE}")


# A message that is only one of these words (and perhaps a "please") asks to stop, in any of our
# languages. Within a sentence the word alone does not count: "don't stop" is no opt-out.
OPT_OUT_WORDS = frozenset(
    {
        "stop", "unsubscribe", "cancel", "quit", "end", "optout", "opt-out", "stop all", "stop it", "stop now",
        "stop messages",
        "parar", "pare", "sair", "cancelar", "descadastrar",
        "basta", "stop messaggi", "cancellami", "disiscrivimi",
        "alto", "baja", "darme de baja", "no mas",
        "arreter", "arret", "desabonner", "desinscrire",
    }
)  # fmt: skip
COURTESY = (
    "please", "pls", "plz", "thanks", "thank you", "por favor", "porfa", "pf", "obrigado", "obrigada",
    "gracias", "per favore", "grazie", "svp", "s'il vous plait", "s'il te plait", "merci",
)  # fmt: skip
OPT_OUT_PHRASES = (
    "stop messages", "stop sending", "stop messaging", "stop texting", "stop contacting", "stop writing",
    "don't message", "do not message", "don't text me", "don't contact me", "do not contact me",
    "don't want to receive", "do not want to receive", "no more messages", "remove me", "unsubscribe me",
    "take me off", "opt me out",
    "parar mensagens", "nao quero receber", "nao quero mais receber", "nao me mande", "nao me mandem",
    "nao me enviem", "pare de enviar", "parem de enviar", "pare de mandar", "parem de mandar",
    "me tire da lista", "me tirem da lista",
    "interrompi messaggi", "non voglio ricevere", "non voglio piu ricevere", "non scrivetemi",
    "smettete di scrivere", "smettete di scrivermi", "smettete di mandare", "non mandatemi", "cancellatemi",
    "no enviar mas mensajes", "no quiero recibir", "ya no quiero recibir", "no me escriban", "no me manden",
    "no me envien", "dejen de escribir", "dejen de escribirme", "dejen de mandar", "dejen de enviar",
    "denme de baja", "darme de baja",
    "arreter les messages", "ne plus recevoir", "ne veux plus recevoir", "veux plus recevoir",
    "ne m'ecrivez plus", "arretez de m'ecrire", "arretez de m'envoyer", "ne m'envoyez plus", "desabonnez-moi",
)  # fmt: skip
# Each phrase also matches its plural ("installments", "cuotas"), and is matched as whole words.
PATTERNS: dict[Intent, tuple[str, ...]] = {
    Intent.ALREADY_PAID: (
        "already paid", "i paid", "i have paid", "i've paid", "paid it", "paid this", "paid on", "paid yesterday",
        "paid last", "it's paid", "it is paid", "has been paid", "payment made", "payment sent", "payment done",
        "sent the payment", "made the payment",
        "ja paguei", "ja foi pago", "ja foi paga", "ja esta pago", "ja esta paga", "foi pago", "paguei",
        "ja efetuei o pagamento", "ja fiz o pagamento", "ja fiz o pix", "ja transferi", "pagamento efetuado",
        "pagamento feito", "ja quitei", "foi quitado", "foi quitada", "ja esta quitado", "ja esta quitada",
        "ho gia pagato", "gia pagato", "ho pagato", "pagamento effettuato", "gia saldato", "ho saldato",
        "e stato pagato", "stato pagato", "stata pagata", "gia pagata", "pagato ieri", "bonifico effettuato",
        "ho fatto il bonifico",
        "ya pague", "ya lo pague", "ya realice el pago", "ya hice el pago", "ya esta pagado", "ya esta pagada",
        "esta pagado", "esta pagada", "quedo pagado", "quedo pagada", "pague ayer", "pague hoy", "pague el",
        "le pague", "lo pague", "ya deposite", "ya transferi", "ya liquide", "ya esta liquidado", "ya esta liquidada",
        "pago realizado",
        "j'ai deja paye", "deja paye", "j'ai paye", "paiement effectue", "deja regle", "j'ai regle", "c'est paye",
        "c'est regle", "virement effectue", "j'ai fait le virement",
    ),
    Intent.NOT_RECEIVED: (
        "didn't receive", "did not receive", "never received", "not received", "haven't received",
        "have not received", "never got", "didn't get", "did not get", "haven't got", "haven't gotten", "no invoice",
        "send the invoice", "send me the invoice", "resend the invoice", "where is the invoice",
        "nao recebi", "nunca recebi", "nao chegou", "nunca chegou", "nao me chegou", "manda a fatura",
        "envie a fatura", "mande a fatura", "enviem a fatura", "mandem a fatura", "enviem-me a fatura",
        "manda o boleto", "mande o boleto", "envie o boleto", "segunda via",
        "non ho ricevuto", "non mi e arrivata", "non e arrivata", "mai ricevuto", "mai ricevuta", "mai arrivata",
        "mandatemi la fattura", "inviate la fattura", "inviatemi la fattura", "mi mandate la fattura",
        "no recibi", "nunca recibi", "no he recibido", "no me llego", "nunca me llego", "nunca llego",
        "envienme la factura", "mande la factura", "manden la factura", "mandenme la factura", "envien la factura",
        "pas recu", "jamais recu", "n'ai pas recu", "envoyez la facture", "envoyez-moi la facture",
        "renvoyez la facture", "jamais arrivee", "pas arrivee",
    ),
    Intent.NEED_TIME: (
        "need more time", "more time", "can't pay", "cannot pay", "can not pay", "unable to pay", "installment",
        "instalment", "payment plan", "extension", "split it", "split the payment", "split the amount", "in parts",
        "preciso de mais prazo", "mais prazo", "mais tempo", "nao consigo pagar", "nao posso pagar", "parcelar",
        "parcela", "parcelamento", "parcelado", "prestacao", "prestacoes", "fracionar", "fraccionar", "adiar",
        "prorrogar",
        "mi serve piu tempo", "piu tempo", "non riesco a pagare", "non posso pagare", "a rate", "rateizzare",
        "rateizzazione", "dilazione", "dilazionare",
        "necesito mas tiempo", "mas tiempo", "no puedo pagar", "cuota", "plazo", "parcialidad", "parcialidades",
        "en partes", "a meses", "en abonos", "prorroga",
        "besoin de plus de temps", "plus de temps", "je ne peux pas payer", "echelonner", "echelonnement", "delai",
        "plusieurs fois", "facilites de paiement", "etaler",
    ),
    Intent.PROMISE: (
        "i will pay", "i'll pay", "will pay", "going to pay", "gonna pay", "pay on", "pay tomorrow", "pay next",
        "vou pagar", "pago amanha", "pago dia", "pago no dia", "pagarei", "pago na", "consigo pagar no",
        "paghero", "pago domani", "pago il", "vi pago", "ti pago",
        "voy a pagar", "pagare", "pago manana", "pago el", "le pago", "les pago", "te pago",
        "je paierai", "je vais payer", "je paie demain", "je paie le", "paierai le", "je reglerai", "je vous paie",
    ),
}  # fmt: skip
# "in 3 times", as people write a request to pay in parts: "em 3 vezes", "en 3 fois", "3x".
_IN_PARTS = re.compile(r"(?<![a-z])(?:in|en|em)\s+\d{1,2}\s*(?:x|times|vezes|veces|volte|fois)(?![a-z])")
# Words that deny what follows them, and the "why" of a question, which asks about a claim rather
# than makes it ("why did you stop sending the invoice?"). A Spanish "no" denies only the next word
# or two: further back it is more often the Portuguese "no" ("no dia 20 vou pagar") or an interjection.
NEGATIONS = frozenset(
    {
        "not", "never", "cannot", "dont", "didnt", "doesnt", "havent", "hasnt", "cant", "wont", "isnt", "wasnt",
        "nao", "nunca", "nem", "non", "ne", "pas", "jamais", "jamas", "ni", "tampoco", "why", "pourquoi",
    }
)  # fmt: skip
# A claim that starts with "already" answers, whatever comes before it: "não já paguei" is "no, I
# already paid" typed without its comma, since nobody denies having already paid.
ALREADY = frozenset({"already", "ja", "ya", "gia", "deja"})
NEGATION_REACH = 4
# Quick replies arrive as their button text; the library puts them in this order everywhere.
BUTTON_INTENTS = (Intent.ALREADY_PAID, Intent.NEED_TIME, Intent.OPT_OUT)


def _negates(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't") or word.startswith("n'")


def _negated(before: list[str]) -> bool:
    """A "not" among the few words before a phrase, in its clause: "não paguei", "can't pay on Friday"."""
    nearest_first = before[::-1][:NEGATION_REACH]
    for distance, word in enumerate(nearest_first, start=1):
        if word == CLAUSE:
            return False
        if word == "no":  # but the Portuguese "no dia" is "on the day"
            if distance == 1 or (distance == 2 and nearest_first[0] != "dia"):
                return True
        elif _negates(word):
            return True
    return False


Phrases = tuple[tuple[re.Pattern[str], bool], ...]


def _compile(phrases: Iterable[str]) -> Phrases:
    """Each phrase as a whole-word pattern, and whether no "not" before it can deny it: it says "not"
    itself ("nao recebi"), or "already" ("ja paguei")."""
    return tuple(
        (re.compile(rf"(?<![a-z]){re.escape(phrase)}s?(?![a-z])"), _stands(phrase.split()[0])) for phrase in phrases
    )


def _stands(first_word: str) -> bool:
    return _negates(first_word) or first_word in ALREADY


_OPT_OUT = _compile(OPT_OUT_PHRASES)
_PATTERNS = {intent: _compile(phrases) for intent, phrases in PATTERNS.items()}
_COURTESY = re.compile(rf"(?<![a-z'])(?:{'|'.join(re.escape(p) for p in COURTESY)})(?![a-z'])")


def _has(text: str, phrases: Phrases) -> bool:
    return any(pattern.search(text) for pattern, _ in phrases)


def _said(text: str, phrases: Phrases) -> bool:
    """Whether one of the phrases is in the text and not denied by the words before it."""
    return any(
        stands or not _negated(text[: found.start()].split())
        for pattern, stands in phrases
        for found in pattern.finditer(text)
    )


# Month names and the abbreviations people type, folded, in the five languages. Abbreviations that
# are also common words ("out", "ago", "set") are left out: "2 days ago" is not the 2nd of August.
MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "january jan janeiro enero ene gennaio gen janvier janv",
            "february feb fevereiro fev febrero febbraio fevrier fevr",
            "march mar marco marzo mars",
            "april apr abril abr aprile avril avr",
            "may maio mayo maggio mai",
            "june jun junho junio giugno juin",
            "july jul julho julio luglio lug juillet juil",
            "august aug agosto aout",
            "september sep sept setembro septiembre setiembre settembre sett septembre",
            "october oct outubro octubre ottobre ott octobre",
            "november nov novembro noviembre novembre",
            "december dec dezembro dez diciembre dic dicembre decembre",
        ),
        start=1,
    )
    for name in names.split()
}
WEEKDAYS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "monday segunda-feira lunes lunedi lundi",
            "tuesday terca-feira martes martedi mardi",
            "wednesday quarta-feira miercoles mercoledi mercredi",
            "thursday quinta-feira jueves giovedi jeudi",
            "friday sexta-feira viernes venerdi vendredi",
            "saturday sabado sabato samedi",
            "sunday domingo domenica dimanche",
        )
    )
    for name in names.split()
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th|er|re|o|a)?"
_ISO = re.compile(r"(?<![0-9])(\d{4})-(\d{1,2})-(\d{1,2})(?![0-9])")
_NUMERIC = re.compile(r"(?<![0-9/.-])(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?(?![0-9])")
# "2 December", "2nd of December", "2 de diciembre de 2026", "le 1er décembre"
_DAY_MONTH = re.compile(
    rf"(?<![0-9/.])(\d{{1,2}}){_ORDINAL}\s+(?:de\s+|of\s+)?({_MONTH})(?![a-z])(?:\s+(?:de\s+)?(\d{{4}}))?"
)
# "December 2", "December the 2nd", "December 2, 2026"
_MONTH_DAY = re.compile(rf"(?<![a-z])({_MONTH})\s+(?:the\s+)?(\d{{1,2}}){_ORDINAL}(?![0-9/])(?:\s+;?\s*(\d{{4}}))?")
_DAY_ONLY = re.compile(
    rf"(?<![a-z])(?:(?:on|by)(?:\s+the)?|the(?=\s+\d{{1,2}}(?:st|nd|rd|th))|dia|il|el|le)\s+(\d{{1,2}}){_ORDINAL}"
    rf"(?![0-9/.-]|[a-z]|\s+(?:de\s+|of\s+)?(?:{_MONTH})(?![a-z]))"  # "le 20 novembre" is no 20th of any month
)
_WEEKDAY = re.compile(rf"(?<![a-z])({'|'.join(WEEKDAYS)})(?![a-z-])")
# Portuguese names its weekdays by number; alone, "segunda" may be "the second" ("segunda via").
_SHORT_WEEKDAY = re.compile(
    r"(?<![a-z])(?:na|nesta|esta|proxima|ate(?: a)?)\s+(segunda|terca|quarta|quinta|sexta)(?![a-z])"
)
_IN_DAYS = re.compile(r"(?<![a-z])(?:in|em|en|tra|fra|dans)\s+(\d{1,2})\s+(?:days|dias|giorni|jours)(?![a-z])")
TODAY = ("today", "hoje", "hoy", "oggi", "aujourd'hui")
TOMORROW = ("tomorrow", "amanha", "domani", "manana", "demain")
AFTER_TOMORROW = ("day after tomorrow", "depois de amanha", "pasado manana", "dopodomani", "apres-demain")
MONTH_END = (
    "end of the month", "end of month", "fim do mes", "final do mes", "fin de mes", "fin del mes", "fine mese",
    "fine del mese", "fin du mois", "fin de mois",
)  # fmt: skip
_TODAY, _TOMORROW, _AFTER_TOMORROW, _MONTH_END = map(_compile, (TODAY, TOMORROW, AFTER_TOMORROW, MONTH_END))
# A day just gone, written without its year, is a slip rather than a promise a year ahead.
SLIP = timedelta(days=31)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(written: str | None) -> int | None:
    if written is None:
        return None
    return int(written) + (2000 if len(written) == 2 else 0)


def _next(month: int, day: int, today: date, year: int | None) -> date | None:
    """The day in `year`; without one, this year's, else next year's (in December, "5/1" is January next)."""
    if year is not None:
        return _day(year, month, day)
    this_year = _day(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    if this_year is not None and today - this_year <= SLIP:
        return None
    return _day(today.year + 1, month, day)


def _written_date(folded: str, today: date) -> date | None:
    """A day written out: "2026-12-20", "20/12", "12/20" (month first when it can only be), "20 de
    diciembre", "December 20th", "le 20", "dia 20" (the next 20th)."""
    for found in _ISO.finditer(folded):
        if (when := _day(int(found[1]), int(found[2]), int(found[3]))) is not None:
            return when
    for found in _NUMERIC.finditer(folded):
        first, second, year = int(found[1]), int(found[2]), _year(found[3])
        when = _next(second, first, today, year) if second <= 12 else _next(first, second, today, year)
        if when is not None:
            return when
    for found in _DAY_MONTH.finditer(folded):
        if (when := _next(MONTHS[found[2]], int(found[1]), today, _year(found[3]))) is not None:
            return when
    for found in _MONTH_DAY.finditer(folded):
        if (when := _next(MONTHS[found[1]], int(found[2]), today, _year(found[3]))) is not None:
            return when
    for found in _DAY_ONLY.finditer(folded):
        day, month, year = int(found[1]), today.month, today.year
        for _ in range(2):  # this month's, else next month's
            if (upcoming := _day(year, month, day)) is not None and upcoming >= today:
                return upcoming
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None


def _relative_date(folded: str, today: date) -> date | None:
    """ "After tomorrow", "tomorrow", "next Friday" / "sexta-feira" (the coming one), "in 3 days", "at
    the end of the month", "today"."""
    if _has(folded, _AFTER_TOMORROW):
        return today + timedelta(days=2)
    if _has(folded, _TOMORROW):
        return today + timedelta(days=1)
    weekday = _WEEKDAY.search(folded)
    if weekday is not None or (weekday := _SHORT_WEEKDAY.search(folded)) is not None:
        number = WEEKDAYS[weekday[1] if weekday[1] in WEEKDAYS else f"{weekday[1]}-feira"]
        return today + timedelta(days=(number - today.weekday() - 1) % 7 + 1)
    if (within := _IN_DAYS.search(folded)) is not None:
        return today + timedelta(days=int(within[1]))
    if _has(folded, _MONTH_END):
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if _has(folded, _TODAY):
        return today
    return None


def promised_date(folded: str, today: date) -> date | None:
    """The day a folded reply names: a written date first, else a relative one ('amanhã', 'vendredi')."""
    return _written_date(folded, today) or _relative_date(folded, today)


# A verb of paying, in any tense but the past ("paid", "pagato", "pagado", "paguei", "pagué" claim a payment).
_PAYS = re.compile(r"(?<![a-z])(?:pay(?!ed)|pag(?!ad|at|uei|ue(?![a-z]))|pai(?!d))")


def _pays(clause: str) -> bool:
    return any(not _negated(clause[: found.start()].split()) for found in _PAYS.finditer(clause))


def _promised_on(folded: str, today: date) -> date | None:
    """The date of a promise: in the clause that promises it ("I can't pay on Friday ; I'll pay on
    Monday" is Monday), else anywhere in a reply that promises ("I'll pay ; on the 20th")."""
    clauses = folded.split(f" {CLAUSE} ")
    for clause in clauses if len(clauses) == 1 else [*clauses, folded]:
        when = promised_date(clause, today)
        if when is not None and (_said(clause, _PATTERNS[Intent.PROMISE]) or _pays(clause)):
            return when
    return None


def _opts_out(folded: str) -> bool:
    words = [token for token in _COURTESY.sub(" ", folded).split() if token != CLAUSE]
    bare = " ".join(dict.fromkeys(words))  # "STOP STOP" is "stop"
    return bare in OPT_OUT_WORDS or _said(folded, _OPT_OUT)


def classify(text: str, today: date, button_index: int | None = None) -> Reading:
    """The reply's intent; a promise carries its date when the debtor wrote one."""
    if button_index is not None and 0 <= button_index < len(BUTTON_INTENTS):
        return Reading(BUTTON_INTENTS[button_index])
    folded = _fold(text)
    if not folded:
        return Reading(Intent.OTHER)
    if _opts_out(folded):
        return Reading(Intent.OPT_OUT)
    if _said(folded, _PATTERNS[Intent.ALREADY_PAID]):
        return Reading(Intent.ALREADY_PAID)
    if _has(folded, _PATTERNS[Intent.NOT_RECEIVED]):
        return Reading(Intent.NOT_RECEIVED)
    when = _promised_on(folded, today)
    if when is not None:
        return Reading(Intent.PROMISE, when)
    if _has(folded, _PATTERNS[Intent.NEED_TIME]) or _IN_PARTS.search(folded):  # "can I pay in instalments" asks
        return Reading(Intent.NEED_TIME)
    if _said(folded, _PATTERNS[Intent.PROMISE]):
        return Reading(Intent.PROMISE)
    return Reading(Intent.OTHER)
