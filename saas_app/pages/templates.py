"""Templates: every reminder in every language, grouped by stage (the list), and the editor with its
live WhatsApp preview."""

from typing import Any

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import status_badge
from saas_app.components.forms import form_error
from saas_app.components.layout import app_page, empty_state
from saas_app.i18n import N_
from saas_app.state.base import t
from saas_app.state.templates import ANY, GroupRow, LanguageChip, TemplateRow, TemplatesState

TONE_COLORS = {"friendly": "green", "neutral": "gray", "firm": "orange"}


def tone_badge(tone: Any, label: Any, **props: Any) -> rx.Component:
    """A template's tone, friendly to firm, each in its colour."""
    colour = rx.match(tone, *TONE_COLORS.items(), "gray")
    return rx.badge(label, color_scheme=colour, variant="outline", **props)


def language_chip(language: LanguageChip) -> rx.Component:
    """One language of a template, in the colour of Meta's verdict on it."""
    return rx.tooltip(
        status_badge(language["status"], language["code"], class_name="language-chip", data_status=language["status"]),
        content=language["name"] + " · " + language["status_label"],
    )


def _duplicate_button(row: TemplateRow) -> rx.Component:
    return rx.cond(
        TemplatesState.can_collect,
        rx.button(
            rx.icon("copy", size=14),
            t("Duplicate"),
            variant="soft",
            size="1",
            on_click=TemplatesState.duplicate(row["template_id"]),
            class_name="template-duplicate",
        ),
    )


def template_card(row: TemplateRow) -> rx.Component:
    """A template: name, tone, built-in mark, its languages, the cadences sending it, and Duplicate."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(
                    row["name"],
                    href=routes.TEMPLATES + "/" + row["template_id"],
                    weight="medium",
                    class_name="template-name",
                ),
                tone_badge(row["tone"], row["tone_label"], class_name="template-tone"),
                rx.cond(
                    row["built_in"],
                    rx.badge(
                        rx.icon("library", size=12),
                        t("Built-in"),
                        variant="soft",
                        color_scheme="gray",
                        class_name="template-built-in",
                    ),
                ),
                rx.spacer(),
                _duplicate_button(row),
                align="center",
                wrap="wrap",
                width="100%",
            ),
            rx.text(row["excerpt"], size="2", color=styles.MUTED, class_name="template-excerpt"),
            rx.hstack(
                rx.hstack(rx.foreach(row["languages"], language_chip), spacing="1", wrap="wrap"),
                rx.spacer(),
                rx.cond(
                    row["cadences"] != "",
                    rx.hstack(
                        rx.icon("calendar-clock", size=14, color=styles.MUTED),
                        rx.text(row["cadences"], size="1", color=styles.MUTED, class_name="template-cadences"),
                        spacing="1",
                        align="center",
                    ),
                    rx.text(t("In no cadence"), size="1", color=styles.FAINT, class_name="template-cadences"),
                ),
                align="center",
                wrap="wrap",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="template-row",
        data_template_id=row["template_id"],
    )


def template_group(group: GroupRow) -> rx.Component:
    """The templates of one stage, under its name."""
    return rx.vstack(
        rx.heading(group["label"], size="4", class_name="template-group"),
        rx.grid(
            rx.foreach(group["templates"], template_card),
            grid_template_columns="repeat(auto-fill, minmax(22rem, 1fr))",
            spacing="3",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def _filter_select(name: str, everything: str, choices: Any) -> rx.Component:
    """A filter's menu: "any" first, then its options; picking one applies it at once."""
    state = TemplatesState
    return rx.select.root(
        rx.select.trigger(aria_label=name, id=f"filter-{name}", min_width="10em"),
        rx.select.content(
            rx.select.item(t(everything), value=ANY),
            rx.foreach(choices, lambda c: rx.select.item(c["label"], value=c["value"])),
        ),
        value=getattr(state, name),
        on_change=lambda value: state.set_filter(name, value),
        size="2",
    )


def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(t(label), size="1", color=styles.MUTED), control, spacing="1")


def filter_bar() -> rx.Component:
    """Search and menus narrowing the list, applied on the server."""
    state = TemplatesState
    search = rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="search",
                default_value=state.search,
                placeholder=t("Name or words of the message"),
                id="filter-search",
                min_width="16em",
                flex="1",
            ),
            rx.button(t("Search"), type="submit", variant="soft", id="filter-apply"),
            width="100%",
        ),
        on_submit=state.apply_search,
        width="100%",
        key=state.typed_filters,
    )
    menus = rx.hstack(
        _labelled(N_("Stage"), _filter_select("group", N_("All stages"), state.group_choices)),
        _labelled(N_("Tone"), _filter_select("tone", N_("All tones"), state.tone_choices)),
        _labelled(N_("Language"), _filter_select("language", N_("All languages"), state.language_choices)),
        _labelled(N_("Status"), _filter_select("status", N_("All statuses"), state.status_choices)),
        rx.cond(
            state.filtering,
            rx.button(
                rx.icon("x", size=14),
                t("Clear filters"),
                variant="ghost",
                on_click=state.clear_filters,
                id="filter-clear",
                align_self="end",
            ),
        ),
        spacing="3",
        wrap="wrap",
        align="end",
    )
    return rx.vstack(search, menus, spacing="3", width="100%")


def templates_list() -> rx.Component:
    """The filters, then the groups; or, when the filters leave none, how to widen them."""
    state = TemplatesState
    return rx.vstack(
        filter_bar(),
        rx.cond(
            state.shown > 0,
            rx.vstack(rx.foreach(state.groups, template_group), spacing="5", width="100%", id="templates"),
            rx.card(
                rx.hstack(
                    rx.text(t("No template matches these filters."), color=styles.MUTED),
                    rx.button(t("Clear filters"), variant="soft", on_click=state.clear_filters),
                    align="center",
                    spacing="3",
                ),
                width="100%",
                id="templates-none",
            ),
        ),
        spacing="4",
        width="100%",
    )


def templates_page() -> rx.Component:
    """The organization's templates by stage and tone, with each language's standing at Meta."""
    state = TemplatesState
    return app_page(
        N_("Templates"),
        form_error(state.error),
        rx.cond(
            state.any_template,
            templates_list(),
            rx.cond(
                state.error == "",
                empty_state(
                    "message-square-text",
                    N_("No templates yet"),
                    N_(
                        "Reminder messages in every language your debtors speak, from a friendly heads-up to a "
                        "final notice."
                    ),
                ),
            ),
        ),
        intro=N_("Every message Cobro sends, in each language, with Meta's approval of each."),
    )


def register(app: rx.App) -> None:
    """Adds the templates list, which reads the organization's templates as it opens."""
    app.add_page(templates_page, route=routes.TEMPLATES, title="Templates · Cobro", on_load=TemplatesState.load)
