"""The page frames: public pages, the signed-in layout with its sidebar, sections and empty states."""

from collections.abc import Sequence
from typing import Any

import reflex as rx

from saas_app import i18n, routes, styles
from saas_app.components.badges import role_badge
from saas_app.state.base import SessionState, t

LOGOUT_FORM = "logout-form"


def logo() -> rx.Component:
    """Cobro's mark and name, leading back to the landing page."""
    return rx.link(
        rx.hstack(
            rx.icon("message-circle-check", color=styles.BRAND, size=26),
            rx.heading("Cobro", size="6", color=styles.BRAND),
            align="center",
            spacing="2",
        ),
        href=routes.LANDING,
        underline="none",
    )


def language_select() -> rx.Component:
    """The language picker; every text on the page follows the choice at once."""
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
    """A page for visitors: the logo, language, log in and sign up along the top, the content below."""
    return rx.box(
        rx.hstack(
            logo(),
            rx.spacer(),
            language_select(),
            rx.link(t("Log in"), href=routes.LOGIN),
            rx.link(rx.button(t("Start free")), href=routes.SIGNUP),
            align="center",
            spacing="4",
            padding="1em 2em",
            border_bottom=styles.BORDER,
        ),
        rx.box(*children, padding="2em", **props),
        min_height="100vh",
    )


def centered_card(*children: rx.Component) -> rx.Component:
    """A public page with one card in the middle, for short forms such as log in and sign up."""
    return public_page(
        rx.center(
            rx.card(
                rx.vstack(*children, spacing="4", width="100%"), size="4", width="100%", max_width=styles.FORM_WIDTH
            ),
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
        border_radius=styles.RADIUS,
        color=rx.cond(active, styles.BRAND, styles.TEXT),
        background=rx.cond(active, styles.SELECTED, "transparent"),
        width="100%",
    )


def org_switcher() -> rx.Component:
    """The organizations the user belongs to; picking one makes it the one every page shows."""
    return rx.select.root(
        rx.select.trigger(width="100%", id="org-switcher", aria_label="Organization"),
        rx.select.content(rx.foreach(SessionState.orgs, lambda o: rx.select.item(o["name"], value=o["id"]))),
        value=SessionState.org_id,
        on_change=SessionState.switch_organization,
    )


def logout_form() -> rx.Component:
    """The hidden form the Log out items submit: a POST, which a link or an image on another site cannot send."""
    return rx.el.form(id=LOGOUT_FORM, method="post", action=routes.LOGOUT, on_submit=None, hidden=True)


def logout_item(**props: Any) -> rx.Component:
    """A menu's Log out: the item is the submit button of `logout_form`, so it works without JavaScript."""
    return rx.menu.item(
        rx.el.button(
            t("Log out"),
            type="submit",
            form=LOGOUT_FORM,
            background="none",
            border="none",
            font="inherit",
            width="100%",
            cursor="pointer",
        ),
        as_child=True,
        **props,
    )


def logout_button() -> rx.Component:
    """Log out where there is no menu (onboarding): a form of its own with a link-like button."""
    return rx.el.form(
        rx.button(t("Log out"), type="submit", variant="ghost", size="2", id="logout"),
        method="post",
        action=routes.LOGOUT,
        on_submit=None,
    )


def user_menu() -> rx.Component:
    """The signed-in user's name, opening to their email and Log out."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(rx.icon("circle-user", size=18), SessionState.user_name, variant="ghost", id="user-menu"),
        ),
        rx.menu.content(
            rx.menu.item(SessionState.user_email, disabled=True),
            rx.menu.separator(),
            logout_item(id="logout"),
        ),
    )


def sidebar() -> rx.Component:
    """The signed-in pages' left column: logo, organization, the sections and the language, always in view."""
    return rx.vstack(
        logo(),
        org_switcher(),
        rx.vstack(*[_nav_link(*section) for section in routes.NAVIGATION], spacing="1", width="100%"),
        rx.spacer(),
        language_select(),
        spacing="5",
        padding="1.25em",
        width=styles.SIDEBAR_WIDTH,
        min_width=styles.SIDEBAR_WIDTH,
        height="100vh",
        position="sticky",
        top="0",
        border_right=styles.BORDER,
        background=styles.SURFACE,
    )


def mobile_bar() -> rx.Component:
    """On a phone the sidebar gives way to this bar: the logo and a menu of the same sections."""
    return rx.hstack(
        logo(),
        rx.spacer(),
        rx.menu.root(
            rx.menu.trigger(rx.button(rx.icon("menu", size=18), variant="soft", aria_label="Menu", id="mobile-menu")),
            rx.menu.content(
                *[
                    rx.menu.item(rx.hstack(rx.icon(icon, size=16), t(label), spacing="2"), on_click=rx.redirect(href))
                    for label, href, icon in routes.NAVIGATION
                ],
                rx.menu.separator(),
                rx.menu.sub(
                    rx.menu.sub_trigger(rx.hstack(rx.icon("languages", size=16), t("Language"), spacing="2")),
                    rx.menu.sub_content(
                        *[
                            rx.menu.item(i18n.language_name(code), on_click=SessionState.set_language(code))
                            for code in i18n.SUPPORTED
                        ]
                    ),
                ),
                logout_item(),
            ),
        ),
        align="center",
        width="100%",
        display=rx.breakpoints(initial="flex", md="none"),
    )


def _sending_paused_banner() -> rx.Component:
    return rx.cond(
        SessionState.sending_paused & (SessionState.router.url.path != routes.SETTINGS_WHATSAPP),
        rx.callout(
            rx.link(
                t("WhatsApp refused your account: sending is paused. Open the WhatsApp settings."),
                href=routes.SETTINGS_WHATSAPP,
            ),
            icon="octagon-pause",
            color_scheme="red",
            role="alert",
            id="sending-paused-banner",
            width="100%",
        ),
    )


def app_page(
    title: str, *children: rx.Component, intro: str | None = None, actions: Sequence[rx.Component] = ()
) -> rx.Component:
    """A signed-in page: sidebar, its title (and the one line saying what it is for), then the content.

    `actions` are the page's main buttons, top right beside the title (Import, say)."""
    heading: rx.Component = rx.heading(t(title), size="7")
    if intro is not None:
        heading = rx.vstack(heading, rx.text(t(intro), size="2", color=styles.MUTED), spacing="1")
    return rx.hstack(
        rx.box(sidebar(), display=rx.breakpoints(initial="none", md="block")),
        rx.vstack(
            mobile_bar(),
            rx.hstack(
                rx.box(heading, flex="1 1 16em", min_width="0"),  # the title keeps room; the group wraps first
                # One group: the buttons, the role and the user stay together, wrapping under the title as one.
                rx.hstack(
                    *actions, role_badge(SessionState.role, id="role-badge"), user_menu(), align="center", wrap="wrap"
                ),
                align="center",
                wrap="wrap",
                width="100%",
            ),
            _sending_paused_banner(),
            logout_form(),
            *children,
            spacing="5",
            padding=rx.breakpoints(initial="1em", md="2em"),
            width="100%",
            min_width="0",  # lets wide tables scroll inside the page instead of widening it
            max_width=styles.CONTENT_WIDTH,
        ),
        spacing="0",
        align="start",
        width="100%",
    )


def section_card(heading: rx.Component | str, intro: str | None, *body: rx.Component, **props: Any) -> rx.Component:
    """A card with a title and the one line saying what it is for, then its content."""
    title = rx.heading(t(heading), size="4") if isinstance(heading, str) else heading
    parts = [title]
    if intro is not None:
        parts.append(rx.text(t(intro), color=styles.MUTED, size="2"))
    return rx.card(rx.vstack(*parts, *body, spacing="3", width="100%"), width="100%", **props)


def muted(message: str, **props: Any) -> rx.Component:
    """A sentence of explanation in the secondary text colour."""
    return rx.text(t(message), color=styles.MUTED, **props)


def tab_links(tabs: Sequence[tuple[str, str]]) -> rx.Component:
    """Links between the pages of one area (Settings), the current one highlighted."""
    path = SessionState.router.url.path
    return rx.hstack(
        *[
            rx.link(
                t(label),
                href=href,
                weight="medium",
                padding="0.4em 0.9em",
                border_radius="6px",
                underline="none",
                background=rx.cond(path.rstrip("/") == href, styles.SELECTED, "transparent"),
            )
            for label, href in tabs
        ],
        spacing="2",
        wrap="wrap",
        border_bottom=styles.BORDER,
        padding_bottom="0.5em",
        width="100%",
    )


def empty_state(icon: str, title: str, body: str, *actions: rx.Component) -> rx.Component:
    """What a page shows while its list is empty: an icon, a title, what belongs here, and any actions."""
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=40, color=styles.FAINT),
            rx.heading(t(title), size="4"),
            rx.text(t(body), color=styles.MUTED, text_align="center", max_width="520px"),
            *actions,
            align="center",
            spacing="3",
            padding="2em",
        ),
        width="100%",
    )
