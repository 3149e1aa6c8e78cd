"""The public landing page: what Cobro does and for whom."""

import reflex as rx

from saas_app import routes, styles
from saas_app.components.layout import public_page
from saas_app.i18n import N_
from saas_app.state.base import SessionState, t

FEATURES = [
    (
        "languages",
        N_("Every debtor in their language"),
        N_(
            "Reminders in Portuguese, Spanish, Italian, French or English, "
            "with amounts and dates written the local way."
        ),
    ),
    (
        "calendar-clock",
        N_("Cadences that respect people"),
        N_("Friendly before the due date, firmer after. Only inside each debtor's hours, never on repeat."),
    ),
    (
        "circle-stop",
        N_("Stops the moment they pay"),
        N_("A payment, a dispute or an opt-out ends the reminders before the next one goes out."),
    ),
    (
        "chart-no-axes-column",
        N_("See what works"),
        N_("Sent, delivered, read, replied and paid, per campaign, step and template."),
    ),
]


def landing() -> rx.Component:
    """The public home page: what Cobro does, the way to sign up, the features, and who it is for."""
    return public_page(
        rx.vstack(
            rx.heading(t("Get paid on WhatsApp, politely."), size="9", text_align="center", max_width="820px"),
            rx.text(
                t(
                    "Cobro reminds your customers of their invoices on WhatsApp, in their language, at the right "
                    "moment, and stops as soon as they pay."
                ),
                size="5",
                color=styles.MUTED,
                text_align="center",
                max_width="700px",
            ),
            rx.hstack(
                rx.link(rx.button(t("Create your account"), size="4", id="cta-signup"), href=routes.SIGNUP),
                rx.link(rx.button(t("Log in"), size="4", variant="outline"), href=routes.LOGIN),
                spacing="3",
            ),
            rx.grid(
                *[
                    rx.card(
                        rx.vstack(
                            rx.icon(icon, color=styles.BRAND, size=28),
                            rx.heading(t(title), size="4"),
                            rx.text(t(body), color=styles.MUTED),
                            spacing="2",
                        )
                    )
                    for icon, title, body in FEATURES
                ],
                columns=rx.breakpoints(initial="1", sm="2", lg="4"),
                spacing="4",
                width="100%",
                max_width="1100px",
                padding_top="2em",
            ),
            rx.text(
                t(
                    "For businesses reminding their own customers of their own invoices. "
                    "WhatsApp does not allow third-party debt collection."
                ),
                size="2",
                color=styles.SUBTLE,
                text_align="center",
                padding_top="2em",
            ),
            align="center",
            spacing="5",
            padding_top="3em",
        )
    )


def register(app: rx.App) -> None:
    """Adds the landing page, in the visitor's language and open to everyone."""
    app.add_page(landing, route=routes.LANDING, title="Cobro: get paid on WhatsApp", on_load=SessionState.load_public)
