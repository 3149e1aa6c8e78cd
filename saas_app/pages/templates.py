"""Templates: every reminder in every language, grouped by stage (the list), and the editor with its
live WhatsApp preview."""

from typing import Any

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import status_badge, status_color
from saas_app.components.editors import also_open_by, stale_save
from saas_app.components.filters import filter_bar, filter_menu, filter_search, no_match
from saas_app.components.forms import field_error, form_error
from saas_app.components.layout import app_page, empty_state
from saas_app.components.whatsapp import chat_backdrop, whatsapp_bubble
from saas_app.core.templates import PLACEHOLDERS
from saas_app.i18n import N_
from saas_app.state.base import t
from saas_app.state.templates import GroupRow, LanguageChip, TemplateEditorState, TemplateRow, TemplatesState

TONE_COLORS = {"friendly": "green", "neutral": "gray", "firm": "orange"}


def tone_badge(tone: Any, label: Any, **props: Any) -> rx.Component:
    """A template's tone, friendly to firm, each in its colour."""
    colour = rx.match(tone, *TONE_COLORS.items(), "gray")
    return rx.badge(label, color_scheme=colour, variant="outline", **props)


def meta_status(status: Any) -> Any:
    """Our stored review status (`approved`) as Meta spells it (`APPROVED`), which the badge colours know:
    green approved, amber pending, red rejected or disabled, orange paused, gray draft."""
    return status.upper()


def language_chip(language: LanguageChip) -> rx.Component:
    """One language of a template, in the colour of Meta's verdict on it."""
    return rx.tooltip(
        status_badge(
            meta_status(language["status"]),
            language["code"],
            class_name="language-chip",
            data_status=language["status"],
        ),
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


def template_filters() -> rx.Component:
    """Search and menus narrowing the list, applied on the server."""
    state = TemplatesState
    return filter_bar(
        state,
        filter_menu(state, "group", N_("Stage"), N_("All stages"), state.group_choices),
        filter_menu(state, "tone", N_("Tone"), N_("All tones"), state.tone_choices),
        filter_menu(state, "language", N_("Language"), N_("All languages"), state.language_choices),
        filter_menu(state, "status", N_("Status"), N_("All statuses"), state.status_choices),
        search=filter_search(state, N_("Name or words of the message"), button=N_("Search")),
        id="template-filters",
    )


def templates_list() -> rx.Component:
    """The filters, then the groups; or, when the filters leave none, how to widen them."""
    state = TemplatesState
    return rx.vstack(
        template_filters(),
        rx.cond(
            state.shown > 0,
            rx.vstack(rx.foreach(state.groups, template_group), spacing="5", width="100%", id="templates"),
            no_match(state, N_("No template matches these filters."), id="templates-none"),
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
    register_editor(app)


def _tab(tab: Any) -> rx.Component:
    return rx.tabs.trigger(
        rx.hstack(
            rx.text(tab["name"]),
            rx.box(
                width="8px",
                height="8px",
                border_radius="50%",
                background=rx.color(status_color(meta_status(tab["status"])), 9),
                title=tab["status_label"],
            ),
            rx.cond(tab["changed"], rx.text("•", color=styles.BRAND, weight="bold")),
            rx.cond(tab["invalid"], rx.icon("circle-alert", size=14, color=styles.DANGER)),
            spacing="2",
            align="center",
        ),
        value=tab["language"],
        class_name="language-tab",
        data_language=tab["language"],
    )


def _text_field(part: str, label: str, *, rows: str = "1", hint: str | None = None) -> rx.Component:
    state = TemplateEditorState
    common: dict[str, Any] = {
        "value": getattr(state, part),
        "on_change": lambda value: state.edit(part, value),
        "id": f"template-{part}",
        "read_only": ~state.can_collect,
        "width": "100%",
    }
    if part in ("header", "body"):
        common["on_focus"] = state.focus(part)
    control = (
        rx.text_area(rows=rows, resize="vertical", debounce_timeout=150, **common)
        if part == "body"
        else rx.input(debounce_timeout=150, **common)
    )
    parts: list[rx.Component] = [
        rx.text(t(label), as_="label", size="2", weight="medium", html_for=f"template-{part}"),
        control,
    ]
    if hint is not None:
        parts.append(rx.text(t(hint), size="1", color=styles.MUTED))
    parts.append(field_error(state.problems[part], f"template-{part}"))
    return rx.vstack(*parts, spacing="1", width="100%")


def placeholder_chips() -> rx.Component:
    """One chip a placeholder: a click writes it where the cursor is in the header or the body."""
    return rx.cond(
        TemplateEditorState.can_collect,
        rx.flex(
            *[
                rx.badge(
                    "{{" + name + "}}",
                    variant="surface",
                    cursor="pointer",
                    on_click=TemplateEditorState.insert(name),
                    on_mouse_down=rx.prevent_default,  # keeps the cursor in the field
                    class_name="placeholder-chip",
                    data_placeholder=name,
                )
                for name in PLACEHOLDERS
            ],
            wrap="wrap",
            gap="1",
        ),
    )


def _button_row(text: Any, index: Any) -> rx.Component:
    state = TemplateEditorState
    return rx.hstack(
        rx.input(
            value=text,
            on_change=lambda value: state.edit_button(index, value),
            debounce_timeout=150,
            read_only=~state.can_collect,
            class_name="template-button",
            flex="1",
        ),
        rx.cond(
            state.can_collect,
            rx.icon_button(
                rx.icon("x", size=14),
                variant="ghost",
                aria_label="Remove",
                on_click=state.remove_button(index),
            ),
        ),
        width="100%",
    )


def buttons_field() -> rx.Component:
    """The quick replies under the message (WhatsApp allows three)."""
    state = TemplateEditorState
    return rx.vstack(
        rx.text(t("Quick-reply buttons"), size="2", weight="medium"),
        rx.foreach(state.buttons, _button_row),
        rx.cond(
            state.can_collect & (state.buttons.length() < 3),
            rx.button(
                rx.icon("plus", size=14), t("Add a button"), variant="ghost", size="1", on_click=state.add_button
            ),
        ),
        field_error(state.problems["buttons"], "template-buttons"),
        spacing="1",
        width="100%",
    )


def meta_review() -> rx.Component:
    """Meta's side of the open language: its name there, category, status and any reason for a refusal."""
    state = TemplateEditorState
    return rx.vstack(
        rx.hstack(
            rx.text(t("Meta's review"), size="2", weight="medium"),
            status_badge(meta_status(state.status), state.status_label, id="variant-status"),
            rx.badge(state.category, variant="outline", color_scheme="gray"),
            rx.spacer(),
            rx.cond(
                state.can_collect,
                rx.hstack(
                    rx.button(
                        t("Submit for approval"),
                        variant="soft",
                        size="1",
                        on_click=state.submit(state.language),  # type: ignore[misc]  # a background event with an argument
                        id="submit-language",
                    ),
                    rx.button(
                        t("Submit all languages"),
                        variant="ghost",
                        size="1",
                        on_click=state.submit("all"),  # type: ignore[misc]
                        id="submit-all",
                    ),
                    spacing="2",
                ),
            ),
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            state.whatsapp_name != "",
            rx.text(t("Name on WhatsApp:"), " ", rx.code(state.whatsapp_name), size="1", color=styles.MUTED),
        ),
        rx.cond(
            state.reason != "",
            rx.callout(state.reason, icon="circle-alert", color_scheme="red", size="1", id="rejection-reason"),
        ),
        spacing="2",
        width="100%",
    )


def editor_form() -> rx.Component:
    """The open language's texts, its checks beside each field, and Save."""
    state = TemplateEditorState
    return rx.vstack(
        placeholder_chips(),
        _text_field("header", N_("Header (optional)"), hint=N_("Up to 60 characters, one placeholder at most.")),
        _text_field("body", N_("Message"), rows="9", hint=N_("*bold*, _italic_, ~strikethrough~ as in WhatsApp.")),
        _text_field("footer", N_("Footer (optional)"), hint=N_("Up to 60 characters, no placeholders.")),
        buttons_field(),
        meta_review(),
        stale_save(state.stale, N_("Reload this language"), state.reload),
        rx.cond(
            state.can_collect,
            rx.hstack(
                rx.cond(
                    state.needs_new_approval,
                    rx.text(
                        t("Meta approved this text: once saved, it needs a new approval before it is sent."),
                        size="2",
                        color_scheme="amber",
                        id="approval-warning",
                    ),
                ),
                rx.spacer(),
                rx.button(t("Save"), on_click=state.save, disabled=~state.dirty, id="save-template"),
                align="center",
                width="100%",
            ),
            rx.callout(
                t("You can read this template; your role does not allow changing it."),
                icon="eye",
                size="1",
                id="read-only",
            ),
        ),
        spacing="3",
        width="100%",
    )


def invoice_picker() -> rx.Component:
    """Fill the preview for a real invoice of the organization instead of the sample."""
    state = TemplateEditorState
    return rx.popover.root(
        rx.popover.trigger(rx.button(rx.icon("file-search", size=14), t("Use an invoice"), variant="soft", size="1")),
        rx.popover.content(
            rx.vstack(
                rx.input(
                    placeholder=t("Invoice number or debtor"),
                    on_change=state.find_invoices,
                    debounce_timeout=250,
                    id="invoice-search",
                    width="100%",
                ),
                rx.foreach(
                    state.invoice_choices,
                    lambda c: rx.button(
                        c["label"],
                        variant="ghost",
                        size="1",
                        on_click=state.pick_invoice(c["value"]),
                        class_name="invoice-choice",
                        width="100%",
                        justify="start",
                    ),
                ),
                rx.button(t("Back to the sample"), variant="ghost", size="1", on_click=state.use_sample),
                spacing="2",
                width="18em",
            ),
        ),
    )


def preview_panel() -> rx.Component:
    """The open language drawn as the debtor will see it, or every language side by side."""
    state = TemplateEditorState
    controls = rx.hstack(
        rx.text(state.sample_label, size="1", color=styles.MUTED, id="preview-sample"),
        rx.spacer(),
        invoice_picker(),
        rx.hstack(
            rx.switch(checked=state.side_by_side, on_change=state.set_side_by_side, id="side-by-side"),
            rx.text(t("All languages"), size="2"),
            spacing="2",
            align="center",
        ),
        align="center",
        wrap="wrap",
        width="100%",
    )
    return rx.vstack(
        controls,
        rx.cond(
            state.side_by_side,
            rx.grid(
                rx.foreach(
                    state.side,
                    lambda row: rx.vstack(
                        rx.text(row["name"], size="2", weight="medium"),
                        chat_backdrop(whatsapp_bubble(row["bubble"]), width="100%"),
                        rx.cond(row["problems"] != "", rx.text(row["problems"], size="1", color=styles.DANGER)),
                        spacing="1",
                        class_name="side-preview",
                        data_language=row["language"],
                    ),
                ),
                grid_template_columns="repeat(auto-fill, minmax(18rem, 1fr))",
                spacing="3",
                width="100%",
            ),
            chat_backdrop(whatsapp_bubble(state.bubble, id="preview-bubble"), width="100%", min_height="12em"),
        ),
        spacing="3",
        width="100%",
    )


def language_tabs() -> rx.Component:
    """One tab a language, a dot in Meta's colour; add or remove a language beside them."""
    state = TemplateEditorState
    add = rx.cond(
        state.can_collect & (state.addable.length() > 0),
        rx.select.root(
            rx.select.trigger(placeholder=t("Add a language"), id="add-language"),
            rx.select.content(rx.foreach(state.addable, lambda c: rx.select.item(c["label"], value=c["value"]))),
            value="",
            on_change=state.add_language,
            size="1",
        ),
    )
    remove = rx.cond(
        state.can_collect & (state.tabs.length() > 1),
        rx.button(
            rx.icon("trash-2", size=14),
            t("Remove this language"),
            variant="ghost",
            color_scheme="red",
            size="1",
            on_click=state.remove_language(state.language),
            id="remove-language",
        ),
    )
    return rx.hstack(
        rx.tabs.root(
            # Five languages are wider than a phone: the tabs scroll sideways rather than widen the page.
            rx.tabs.list(rx.foreach(state.tabs, _tab), overflow_x="auto", overflow_y="hidden"),
            value=state.language,
            on_change=state.select_language,
            max_width="100%",
            min_width="0",
        ),
        rx.spacer(),
        add,
        remove,
        align="center",
        wrap="wrap",
        width="100%",
    )


def editor_heading() -> rx.Component:
    """The template's stage, tone, built-in mark, and who else has it open."""
    state = TemplateEditorState
    return rx.hstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("Templates"), spacing="1"), href=routes.TEMPLATES),
        rx.text(state.group_label, color=styles.MUTED, size="2"),
        tone_badge(state.tone, state.tone_label),
        rx.cond(state.built_in, rx.badge(t("Built-in"), variant="soft", color_scheme="gray")),
        rx.spacer(),
        also_open_by(state.others, state.heartbeat),
        align="center",
        wrap="wrap",
        width="100%",
    )


def editor_page() -> rx.Component:
    """A template's languages side by side with the message as the debtor will read it."""
    state = TemplateEditorState
    return app_page(
        N_("Template"),
        form_error(state.error),
        rx.cond(
            state.template_id != "",
            rx.vstack(
                rx.heading(state.name, size="5", id="template-title"),
                editor_heading(),
                language_tabs(),
                # The bubble beside the editor on a wide screen (staying in view while the form scrolls), under
                # it on a phone; every language side by side needs the page's width, so then it goes under.
                rx.grid(
                    rx.card(
                        editor_form(),
                        width="100%",
                        key=state.language + state.typed_key.to_string(),
                        grid_column=rx.cond(state.side_by_side, "1 / -1", "auto"),
                    ),
                    rx.card(
                        preview_panel(),
                        width="100%",
                        grid_column=rx.cond(state.side_by_side, "1 / -1", "auto"),
                        align_self="start",
                        position=rx.cond(state.side_by_side, "static", "sticky"),
                        top="1em",
                    ),
                    grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", lg="repeat(2, minmax(0, 1fr))"),
                    spacing="4",
                    width="100%",
                    id="editor-layout",
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )


def register_editor(app: rx.App) -> None:
    """Adds the editor, which reads the template named in its address as it opens."""
    app.add_page(
        editor_page,
        route=routes.TEMPLATE,
        title="Template · Cobro",
        on_load=TemplateEditorState.load,
    )
