"""The page frames: public pages, and the signed-in layout with its sidebar."""

from typing import Any

import reflex as rx

from saas_app import i18n
from saas_app.i18n import N_
from saas_app.state.base import KeysetPages, SessionState, load_page, t

BRAND = "#0f766e"
SECTIONS = [
    (N_("Dashboard"), "/dashboard", "layout-dashboard"),
    (N_("Debtors"), "/debtors", "users"),
    (N_("Invoices"), "/invoices", "file-text"),
    (N_("Templates"), "/templates", "message-square-text"),
    (N_("Cadences"), "/cadences", "calendar-clock"),
    (N_("Campaigns"), "/campaigns", "send"),
    (N_("Inbox"), "/inbox", "inbox"),
    (N_("Settings"), "/settings", "settings"),
]


def logo() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("message-circle-check", color=BRAND, size=26),
            rx.heading("Cobro", size="6", color=BRAND),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
    )


def language_select() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(variant="ghost", aria_label="Language", id="language-select"),
        rx.select.content(
            *[rx.select.item(i18n.language_name(code), value=code) for code in i18n.SUPPORTED],
        ),
        value=SessionState.locale,
        on_change=SessionState.set_language,
        size="2",
    )


def public_page(*children: rx.Component, **props: Any) -> rx.Component:
    return rx.box(
        rx.hstack(
            logo(),
            rx.spacer(),
            language_select(),
            rx.link(t("Log in"), href="/login"),
            rx.link(rx.button(t("Start free")), href="/signup"),
            align="center",
            spacing="4",
            padding="1em 2em",
            border_bottom="1px solid var(--gray-4)",
        ),
        rx.box(*children, padding="2em", **props),
        min_height="100vh",
    )


def centered_card(*children: rx.Component) -> rx.Component:
    return public_page(
        rx.center(
            rx.card(rx.vstack(*children, spacing="4", width="100%"), size="4", width="100%", max_width="440px"),
            padding_top="3em",
        )
    )


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    active = SessionState.router.url.path.startswith(href)
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(t(label), size="3"), align="center", spacing="3"),
        href=href,
        underline="none",
        padding="0.5em 0.75em",
        border_radius="8px",
        color=rx.cond(active, BRAND, "var(--gray-12)"),
        background=rx.cond(active, "var(--teal-3)", "transparent"),
        width="100%",
    )


def org_switcher() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%", id="org-switcher", aria_label="Organization"),
        rx.select.content(rx.foreach(SessionState.orgs, lambda o: rx.select.item(o["name"], value=o["id"]))),
        value=SessionState.org_id,
        on_change=SessionState.switch_organization,
    )


def user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(rx.icon("circle-user", size=18), SessionState.user_name, variant="ghost", id="user-menu"),
        ),
        rx.menu.content(
            rx.menu.item(SessionState.user_email, disabled=True),
            rx.menu.separator(),
            rx.menu.item(t("Log out"), on_click=load_page("/auth/logout"), id="logout"),
        ),
    )


def sidebar() -> rx.Component:
    return rx.vstack(
        logo(),
        org_switcher(),
        rx.vstack(*[_nav_link(*section) for section in SECTIONS], spacing="1", width="100%"),
        rx.spacer(),
        language_select(),
        spacing="5",
        padding="1.25em",
        width="240px",
        min_width="240px",
        height="100vh",
        position="sticky",
        top="0",
        border_right="1px solid var(--gray-4)",
        background="var(--gray-1)",
    )


def app_page(title: str, *children: rx.Component) -> rx.Component:
    """A signed-in page: sidebar, header with the user menu, then the content."""
    return rx.hstack(
        sidebar(),
        rx.vstack(
            rx.hstack(
                rx.heading(t(title), size="7"),
                rx.spacer(),
                role_badge(SessionState.role, id="role-badge"),
                user_menu(),
                align="center",
                width="100%",
            ),
            rx.cond(
                SessionState.sending_paused & (SessionState.router.url.path != "/settings/whatsapp"),
                rx.callout(
                    rx.link(
                        t("WhatsApp refused your account: sending is paused. Open the WhatsApp settings."),
                        href="/settings/whatsapp",
                    ),
                    icon="octagon-pause",
                    color_scheme="red",
                    role="alert",
                    id="sending-paused-banner",
                    width="100%",
                ),
            ),
            *children,
            spacing="5",
            padding="2em",
            width="100%",
            max_width="1100px",
        ),
        spacing="0",
        align="start",
        width="100%",
    )


ROLE_LABELS = [
    ("owner", N_("Owner")),
    ("admin", N_("Admin")),
    ("collector", N_("Collector")),
    ("viewer", N_("Viewer")),
]


def role_label(role: Any) -> Any:
    """A role's name in the user's language."""
    return rx.match(role, *[(value, t(label)) for value, label in ROLE_LABELS], role)


def role_badge(role: Any, **props: Any) -> rx.Component:
    return rx.badge(role_label(role), variant="soft", **props)


def form_error(message: Any) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


def shown_once(visible: Any, message: str, value: Any, value_id: str, icon: str, color: str) -> rx.Component:
    """A secret or link the server shows a single time, with the words to say so."""
    return rx.cond(
        visible,
        rx.callout(
            rx.vstack(rx.text(t(message)), rx.code(value, id=value_id, word_break="break-all")),
            icon=icon,
            color_scheme=color,
        ),
    )


def field(label: str, name: str, type_: str = "text", **props: Any) -> rx.Component:
    return rx.vstack(
        rx.text(t(label), as_="label", size="2", weight="medium", html_for=name),
        rx.input(name=name, id=name, type=type_, width="100%", size="3", **props),
        spacing="1",
        width="100%",
    )


def empty_state(icon: str, title: str, body: str, *actions: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=40, color="var(--gray-9)"),
            rx.heading(t(title), size="4"),
            rx.text(t(body), color="var(--gray-11)", text_align="center", max_width="520px"),
            *actions,
            align="center",
            spacing="3",
            padding="2em",
        ),
        width="100%",
    )


def pager(state: type[KeysetPages]) -> rx.Component:
    """Previous and next for a keyset listing; hidden while everything fits on one page."""
    return rx.cond(
        (state.page > 1) | state.has_next,
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                t("Previous"),
                variant="soft",
                disabled=state.page <= 1,
                on_click=state.previous_page,
                id="page-previous",
            ),
            rx.text(state.page_label, size="2", color="var(--gray-11)", id="page-label"),
            rx.button(
                t("Next"),
                rx.icon("chevron-right", size=16),
                variant="soft",
                disabled=~state.has_next,
                on_click=state.next_page,
                id="page-next",
            ),
            align="center",
            justify="end",
            spacing="3",
            width="100%",
        ),
    )
