"""What a debtor reads when their opt-out is confirmed, in their language."""

from collections.abc import Sequence

from saas_app.core.languages import DEFAULT_FALLBACK, pick_language

OPT_OUT_CONFIRMATION = {
    "en": "Done: {company} will send you no more payment reminders on WhatsApp.",
    "it": "Fatto: {company} non ti invierà più promemoria di pagamento su WhatsApp.",
    "es": "Listo: {company} no te enviará más recordatorios de pago por WhatsApp.",
    "pt_BR": "Pronto: {company} não vai mais enviar lembretes de pagamento para você no WhatsApp.",
    "fr": "C'est noté : {company} ne vous enverra plus de rappels de paiement sur WhatsApp.",
}


def opt_out_confirmation(locale: str, company: str, fallback: Sequence[str] = DEFAULT_FALLBACK) -> tuple[str, str]:
    """(language, text) of the confirmation for a debtor writing `locale`."""
    language = pick_language(locale, set(OPT_OUT_CONFIRMATION), fallback) or "en"
    return language, OPT_OUT_CONFIRMATION[language].format(company=company)
