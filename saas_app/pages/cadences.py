"""Cadences: the list with each cadence's steps drawn small, and the timeline editor with its rules,
readiness and dry run on an invoice."""

from typing import Any

import reflex as rx

from saas_app import routes, styles
from saas_app.components.editors import also_open_by, stale_save
from saas_app.components.forms import form_error
from saas_app.components.layout import app_page, empty_state, section_card
from saas_app.components.timeline import draggable_card, keyed_card, mini_timeline, timeline, tone_scheme
from saas_app.components.whatsapp import chat_backdrop, whatsapp_bubble
from saas_app.i18n import N_
from saas_app.state.base import t
from saas_app.state.cadences import ALL_ZONES, HOURS, CadenceEditorState, CadenceRow, CadencesState
from saas_app.state.templates import STATUS_LABELS

COVERAGE_SCHEMES = {
    "approved": "green",
    "pending": "amber",
    "draft": "gray",
    "paused": "orange",
    "rejected": "red",
    "disabled": "red",
    "missing": "red",
}
# Below this width the cards of close days would overlap: a phone scrolls the timeline sideways instead.
TRACK_MIN_WIDTH = "56rem"
SAMPLE_FIELD_STYLE = {"width": "100%", "height": "var(--space-6)", "padding": "0 var(--space-2)"}
assert set(COVERAGE_SCHEMES) == {*STATUS_LABELS, "missing"}


def cadence_card(row: CadenceRow) -> rx.Component:
    """A cadence: its name, its steps on a small timeline, the campaigns using it, its readiness."""
    readiness = rx.badge(
        row["readiness"],
        color_scheme=rx.cond(row["problems"] == 0, "green", rx.cond(row["problems"] > 0, "red", "gray")),
        variant="soft",
        class_name="cadence-readiness",
    )
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(row["name"], href=routes.CADENCES + "/" + row["cadence_id"], weight="medium"),
                rx.cond(row["built_in"], rx.badge(t("Built-in"), variant="soft", color_scheme="gray")),
                rx.spacer(),
                readiness,
                align="center",
                wrap="wrap",
                width="100%",
            ),
            rx.cond(row["description"] != "", rx.text(row["description"], size="2", color=styles.MUTED)),
            mini_timeline(row["steps"], class_name="cadence-mini-timeline"),
            rx.hstack(
                rx.text(row["step_count"], size="1", color=styles.MUTED),
                rx.spacer(),
                rx.icon("send", size=14, color=styles.MUTED),
                rx.cond(
                    row["campaigns"] != "",
                    rx.text(row["campaigns"], size="1", color=styles.MUTED, class_name="cadence-campaigns"),
                    rx.text(t("No campaign uses it"), size="1", color=styles.FAINT, class_name="cadence-campaigns"),
                ),
                align="center",
                spacing="1",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="cadence-row",
        data_cadence_id=row["cadence_id"],
    )


def new_cadence_dialog() -> rx.Component:
    """New cadence: a name, then blank or a copy of the standard one."""
    state = CadencesState
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), t("New cadence"), id="new-cadence")),
        rx.dialog.content(
            rx.dialog.title(t("New cadence")),
            rx.form(
                rx.vstack(
                    rx.text(t("Name"), as_="label", size="2", weight="medium", html_for="cadence-name"),
                    rx.input(name="name", id="cadence-name", width="100%", required=True, max_length=120),
                    rx.radio_group.root(
                        rx.vstack(
                            rx.hstack(
                                rx.radio_group.item(value="standard"), rx.text(t("A copy of the standard cadence"))
                            ),
                            rx.hstack(rx.radio_group.item(value="blank"), rx.text(t("Blank: no steps yet"))),
                            spacing="2",
                        ),
                        name="start",
                        default_value="standard",
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(t("Create"), type="submit", id="create-cadence"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=state.create,
            ),
        ),
        open=state.creating,
        on_open_change=state.open_new,
    )


def cadences_page() -> rx.Component:
    """The organization's cadences."""
    state = CadencesState
    return app_page(
        N_("Cadences"),
        form_error(state.error),
        rx.cond(
            state.rows.length() > 0,
            rx.grid(
                rx.foreach(state.rows, cadence_card),
                grid_template_columns="repeat(auto-fill, minmax(24rem, 1fr))",
                spacing="3",
                width="100%",
                id="cadences",
            ),
            rx.cond(
                state.error == "",
                empty_state(
                    "calendar-clock",
                    N_("No cadences yet"),
                    N_("A cadence says which reminder goes out how many days before or after the due date."),
                ),
            ),
        ),
        intro=N_("When each reminder goes out, counted from the due date, and the rules every message keeps."),
        actions=[rx.cond(state.can_collect, new_cadence_dialog())],
    )


def _nudge_button(icon: str, label: str, index: Any, days: int, disabled: Any) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=12),
        size="1",
        variant="ghost",
        aria_label=t(label),
        title=t(label),
        on_click=CadenceEditorState.nudge(index, days).stop_propagation,
        disabled=disabled,
        class_name="step-earlier" if days < 0 else "step-later",
    )


def _card_face(card: Any, editable: bool) -> rx.Component:
    """What a card shows: the day (between −/+ for those who may move it), the template, the tone."""
    scheme = tone_scheme(card["tone"])
    day = rx.text(card["day"], size="2", weight="bold", class_name="step-day", flex="1", text_align="center")
    return rx.vstack(
        rx.hstack(
            *(
                [
                    _nudge_button("chevron-left", N_("One day earlier"), card["index"], -1, False),
                    day,
                    _nudge_button("chevron-right", N_("One day later"), card["index"], 1, False),
                ]
                if editable
                else [day]
            ),
            align="center",
            spacing="1",
            width="100%",
        ),
        rx.text(card["template_name"], size="1", trim="both", class_name="step-template", truncate=True, width="100%"),
        rx.hstack(
            rx.text(card["tone_label"], size="1", color=rx.color(scheme, 11)),
            rx.cond(
                card["problems"] > 0,
                rx.icon("circle-alert", size=12, color=styles.DANGER, class_name="step-problem"),
            ),
            spacing="1",
            align="center",
        ),
        spacing="1",
        width="100%",
    )


def step_card(card: Any, editable: bool) -> rx.Component:
    """A step at its day. For a member who may change it: dragged along the track, nudged by −/+ or the arrow
    keys; for a viewer: opened to read, with no handler that moves anything bound at all."""
    state = CadenceEditorState
    scheme = tone_scheme(card["tone"])
    look = {
        "position": "absolute",
        "left": card["left"],
        "top": card["top"],
        "width": "7.5rem",
        "margin_left": "-3.75rem",
        "padding": "0.35em 0.4em",
        "background": rx.color(scheme, 3),
        "border": f"1px solid {rx.color(scheme, 7)}",
        "border_top": f"3px solid {rx.color(scheme, 9)}",
        "border_radius": "6px",
        "tab_index": 0,
        "role": "button",
        "aria_label": card["day"] + " · " + card["template_name"],
        "on_click": state.open(card["index"]),
        "class_name": "step-card",
        "data_index": card["index"],
        "data_offset": card["offset"],
        "_focus_visible": {"outline": f"2px solid {styles.BRAND}", "outline_offset": "2px"},
    }
    if not editable:
        return keyed_card(_card_face(card, editable=False), cursor="pointer", **look)
    return draggable_card(
        _card_face(card, editable=True),
        cursor="grab",
        on_key_down=lambda key: state.key_on_step(card["index"], key),
        on_drop_at=lambda moved, width: state.drop(card["index"], moved, width),
        **look,
    )


def timeline_section() -> rx.Component:
    """The timeline and the buttons that change the steps."""
    state = CadenceEditorState
    return section_card(
        rx.hstack(
            rx.heading(t("Steps"), size="4"),
            rx.spacer(),
            rx.cond(
                state.can_collect,
                rx.button(
                    rx.icon("plus", size=14),
                    t("Add a step"),
                    variant="soft",
                    size="2",
                    on_click=state.add_step,
                    id="add-step",
                ),
            ),
            align="center",
            width="100%",
        ),
        N_(
            "Day 0 is the due date. Open a step to choose its template; drag it, or move it with − and + "
            "or the arrow keys."
        ),
        rx.cond(
            state.cards.length() > 0,
            rx.box(
                timeline(
                    state.bands,
                    state.ticks,
                    state.zero,
                    state.track_height,
                    rx.cond(
                        state.can_collect,
                        rx.foreach(state.cards, lambda card: step_card(card, editable=True)),
                        rx.foreach(state.cards, lambda card: step_card(card, editable=False)),
                    ),
                    id="timeline",
                    min_width=TRACK_MIN_WIDTH,
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.text(t("No steps yet: add the first one."), color=styles.MUTED, id="no-steps"),
        ),
    )


def _hour_select(end: str, value: Any) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=f"window-{end}", aria_label=end),
        rx.select.content(*[rx.select.item(f"{int(h):02d}:00", value=h) for h in HOURS]),
        value=value,
        on_change=lambda hour: CadenceEditorState.set_window(end, hour),
        disabled=~CadenceEditorState.can_collect,
        size="1",
    )


def _rule(title: str, explanation: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(t(title), size="2", weight="medium"), rx.spacer(), control, align="center", width="100%"),
        rx.text(t(explanation), size="1", color=styles.MUTED),
        spacing="1",
        width="100%",
    )


def _number(name: str, value: Any, unit: str) -> rx.Component:
    state = CadenceEditorState
    return rx.hstack(
        rx.input(
            default_value=value,
            key=state.typed_key.to_string() + name + value,
            on_blur=lambda typed: state.set_number(name, typed),
            read_only=~state.can_collect,
            id=f"rule-{name}",
            width="4.5em",
            size="1",
            input_mode="numeric",
        ),
        rx.text(t(unit), size="1", color=styles.MUTED),
        align="center",
        spacing="1",
    )


def _weekday(index: int) -> rx.Component:
    state = CadenceEditorState
    on = state.weekdays[index]
    return rx.button(
        state.weekday_names[index],
        size="1",
        variant=rx.cond(on, "solid", "outline"),
        on_click=state.toggle_weekday(index),
        disabled=~state.can_collect,
        aria_pressed=on,
        class_name="weekday",
    )


def rules_section() -> rx.Component:
    """The rules every step keeps, each with a line saying what it does."""
    state = CadenceEditorState
    return section_card(
        N_("Sending rules"),
        N_("Every step of this cadence keeps them."),
        _rule(
            N_("Send window"),
            N_("Messages go out only between these hours, in the debtor's local time."),
            rx.hstack(
                _hour_select("start", state.window_start),
                rx.text("–"),
                _hour_select("end", state.window_end),
                align="center",
                spacing="1",
            ),
        ),
        _rule(
            N_("Weekdays"),
            N_("Days a reminder may go out; on the others it waits for the next allowed day."),
            rx.hstack(*[_weekday(i) for i in range(7)], spacing="1", wrap="wrap"),
        ),
        _rule(
            N_("Skip public holidays"),
            N_("No reminder on a public holiday of the debtor's country."),
            rx.switch(
                checked=state.skip_holidays,
                on_change=state.set_skip_holidays,
                disabled=~state.can_collect,
                id="rule-holidays",
            ),
        ),
        _rule(
            N_("Hours between two messages"),
            N_("The least time between two messages to the same debtor."),
            _number("min_gap_hours", state.min_gap_hours, N_("hours")),
        ),
        _rule(
            N_("Weekly cap"),
            N_("At most this many messages to one debtor in any seven days (0: no cap)."),
            _number("weekly_cap", state.weekly_cap, N_("a week")),
        ),
        _rule(
            N_("When the debtor replies"),
            N_("Reminders pause for this many days, so a person can answer first."),
            _number("reply_pause_days", state.reply_pause_days, N_("days")),
        ),
        _rule(
            N_("When the debtor promises to pay"),
            N_("Reminders wait until the promised date plus these days of grace."),
            _number("promise_grace_days", state.promise_grace_days, N_("days")),
        ),
        rx.vstack(
            rx.text(t("Stops"), size="2", weight="medium"),
            rx.text(
                t("A payment in full, a dispute or an opt-out stops the reminders at once, before the next send."),
                size="1",
                color=styles.MUTED,
            ),
            spacing="1",
        ),
        id="rules",
    )


def _coverage_cell(cell: Any) -> rx.Component:
    return rx.tooltip(
        rx.badge(
            cell["code"],
            color_scheme=rx.match(cell["status"], *COVERAGE_SCHEMES.items(), "gray"),
            variant=rx.cond(cell["fallback"], "outline", "soft"),
            class_name="coverage-cell",
            data_language=cell["language"],
            data_status=cell["status"],
        ),
        content=cell["title"],
    )


def readiness_section() -> rx.Component:
    """For each step and each language the debtors speak: the variant that goes out and Meta's status."""
    state = CadenceEditorState
    return section_card(
        rx.hstack(
            rx.heading(t("Readiness"), size="4"),
            rx.spacer(),
            rx.badge(
                state.readiness_label,
                color_scheme=rx.cond(state.problems.length() > 0, "red", "green"),
                id="readiness-label",
            ),
            align="center",
            width="100%",
        ),
        N_("Each step in every language your debtors speak; an outlined code is sent in a fallback language."),
        rx.foreach(
            state.readiness,
            lambda row: rx.hstack(
                rx.text(row["day"], size="1", weight="bold", min_width="4em", white_space="nowrap", flex_shrink="0"),
                rx.text(row["template_name"], size="1", flex="1", truncate=True),
                rx.hstack(rx.foreach(row["cells"], _coverage_cell), spacing="1", wrap="wrap"),
                align="center",
                width="100%",
                class_name="readiness-row",
            ),
        ),
        rx.cond(
            state.problems.length() > 0,
            rx.vstack(
                rx.foreach(
                    state.problems,
                    lambda problem: rx.hstack(
                        rx.icon("circle-alert", size=14, color=styles.DANGER, flex_shrink="0"),
                        rx.text(problem["text"], size="1"),
                        rx.link(t("Fix it"), href=problem["href"], size="1", white_space="nowrap"),
                        align="start",
                        spacing="2",
                        class_name="readiness-problem",
                    ),
                ),
                spacing="2",
                id="readiness-problems",
            ),
        ),
        id="readiness",
    )


def _invoice_picker() -> rx.Component:
    state = CadenceEditorState
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("file-search", size=14), t("Choose an invoice"), variant="soft", size="1", id="pick-invoice"
            )
        ),
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
                    lambda c: rx.popover.close(
                        rx.button(
                            c["label"],
                            variant="ghost",
                            size="1",
                            on_click=state.pick_invoice(c["value"]),
                            class_name="invoice-choice",
                            width="100%",
                            justify="start",
                        )
                    ),
                ),
                spacing="2",
                width="18em",
            ),
        ),
    )


def _sample_field(label: str, field: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(t(label), size="1", weight="medium"), field, spacing="1", width="100%")


def _sample_select(name: str, choices: Any, value: Any) -> rx.Component:
    return rx.el.select(
        rx.foreach(choices, lambda c: rx.el.option(c["label"], value=c["value"])),
        name=name,
        id=f"sample-{name}",
        default_value=value,
        style=SAMPLE_FIELD_STYLE,
    )


def _sample_picker() -> rx.Component:
    """A made-up debtor: the zone they live in (typed or picked, the organization's debtors' zones first), the
    language they read, their country's holidays, and when their invoice falls due."""
    state = CadenceEditorState
    form = rx.form(
        rx.vstack(
            _sample_field(
                N_("Time zone"),
                rx.fragment(
                    rx.el.input(
                        name="zone",
                        id="sample-zone",
                        list="sample-zone-list",
                        default_value=state.sample_zone,
                        placeholder="America/Sao_Paulo",
                        auto_complete="off",
                        style=SAMPLE_FIELD_STYLE,
                    ),
                    rx.el.datalist(
                        rx.foreach(state.sample_zones, lambda zone: rx.el.option(value=zone)),
                        *[rx.el.option(value=zone) for zone in ALL_ZONES],
                        id="sample-zone-list",
                    ),
                ),
            ),
            _sample_field(N_("Language"), _sample_select("locale", state.sample_locales, state.sample_locale)),
            _sample_field(
                N_("Country, for public holidays"),
                _sample_select("country", state.sample_countries, state.sample_country),
            ),
            _sample_field(N_("Invoice"), _sample_select("due", state.sample_dues, state.sample_due)),
            rx.cond(
                state.sample_error != "",
                rx.text(state.sample_error, size="1", color=styles.DANGER, role="alert", id="sample-error"),
            ),
            rx.button(t("Try it"), type="submit", size="2", id="try-sample", width="100%"),
            spacing="2",
            width="100%",
        ),
        on_submit=state.try_sample,
        reset_on_submit=False,
    )
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("user-round", size=14), t("Sample debtor"), variant="soft", size="1", id="pick-sample")
        ),
        rx.popover.content(
            # Mounted once the choices are there, so each list opens on the value filled in.
            rx.cond(state.sample_locales.length() > 0, form, rx.spinner()),
            width="20em",
            id="sample-form",
        ),
        open=state.sample_open,
        on_open_change=state.open_sample,
    )


def _dry_run_row(row: Any) -> rx.Component:
    """A step's moment for the debtor; opened, the message they would read (one open at a time)."""
    state = CadenceEditorState
    shown = row["index"] == state.shown_message
    return rx.vstack(
        rx.hstack(
            rx.badge(row["day"], variant="outline", flex_shrink="0", min_width="4.5em", justify="center"),
            rx.vstack(
                rx.text(
                    row["local"],
                    size="2",
                    weight="medium",
                    class_name="dry-run-local",
                    color=rx.cond(row["skipped"], styles.MUTED, styles.TEXT),
                ),
                rx.text(
                    row["template_name"] + " · " + row["language"],
                    size="1",
                    color=styles.MUTED,
                    class_name="dry-run-language",
                ),
                rx.text(row["org_time"], size="1", color=styles.MUTED, class_name="dry-run-org"),
                rx.cond(
                    row["moved"] != "",
                    rx.hstack(
                        rx.icon("clock-arrow-up", size=12, flex_shrink="0", margin_top="0.2em"),
                        rx.text(row["moved"], size="1"),
                        spacing="1",
                        align="start",
                        color="var(--amber-11)",
                        class_name="dry-run-moved",
                    ),
                ),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            rx.cond(
                ~row["skipped"],
                rx.icon_button(
                    rx.icon(rx.cond(shown, "chevron-up", "message-square-text"), size=14),
                    size="1",
                    variant="ghost",
                    aria_label=t("See the message"),
                    title=t("See the message"),
                    on_click=state.show_message(row["index"]),
                    class_name="dry-run-open",
                ),
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        rx.cond(shown, chat_backdrop(whatsapp_bubble(row["bubble"]), width="100%", max_width="26rem")),
        spacing="2",
        width="100%",
        padding_y="0.6em",
        border_bottom=styles.BORDER,
        class_name="dry-run-row",
        data_index=row["index"],
    )


def dry_run_section() -> rx.Component:
    """Try it on an invoice or a sample debtor: when each step would go out for them, and the message they
    would read."""
    state = CadenceEditorState
    return section_card(
        rx.hstack(
            rx.heading(t("Try it"), size="4"),
            rx.spacer(),
            rx.hstack(_invoice_picker(), _sample_picker(), spacing="2", wrap="wrap", justify="end"),
            align="center",
            width="100%",
        ),
        N_(
            "Each step's exact moment for this debtor, after the window, weekdays, holidays, spacing, "
            "their other reminders and the account's daily limit."
        ),
        rx.cond(
            state.sample_label != "",
            rx.text(state.sample_label, size="2", weight="medium", id="dry-run-sample"),
            rx.cond(
                state.invoice_label != "",
                rx.text(state.invoice_label, size="2", weight="medium", id="dry-run-invoice"),
                rx.text(
                    t("No open invoice yet: try the cadence on a sample debtor, or import or add an invoice."),
                    size="2",
                    color=styles.MUTED,
                ),
            ),
        ),
        rx.cond(state.dry_run_note != "", rx.text(state.dry_run_note, size="1", color=styles.MUTED)),
        rx.vstack(rx.foreach(state.dry_run, _dry_run_row), spacing="0", width="100%", id="dry-run"),
        id="dry-run-section",
    )


def step_dialog() -> rx.Component:
    """An opened step: choose its template, see it as the debtor would, or remove the step."""
    state = CadenceEditorState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Step")),
            rx.vstack(
                rx.text(t("Template"), size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(id="step-template", width="100%"),
                    rx.select.content(
                        rx.foreach(state.template_choices, lambda c: rx.select.item(c["label"], value=c["value"]))
                    ),
                    value=state.step_template,
                    on_change=state.choose_template,
                    disabled=~state.can_collect,
                ),
                chat_backdrop(whatsapp_bubble(state.step_bubble, id="step-bubble"), width="100%"),
                rx.hstack(
                    rx.link(t("Open in the templates studio"), href=state.step_template_href, size="2"),
                    rx.spacer(),
                    rx.cond(
                        state.can_collect,
                        rx.button(
                            rx.icon("trash-2", size=14),
                            t("Remove this step"),
                            color_scheme="red",
                            variant="soft",
                            on_click=state.remove_step(state.open_step),
                            id="remove-step",
                        ),
                    ),
                    rx.dialog.close(rx.button(t("Close"), variant="soft", color_scheme="gray")),
                    align="center",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            id="step-dialog",
        ),
        open=state.open_step >= 0,
        on_open_change=state.close_step,
    )


def choice_dialog() -> rx.Component:
    """Saving a cadence campaigns are using: the change reaches their reminders not yet planned, or not."""
    state = CadenceEditorState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Campaigns use this cadence")),
            rx.alert_dialog.description(
                rx.vstack(
                    rx.text(state.choice_campaigns, weight="medium"),
                    rx.text(
                        t(
                            "Apply the change to their reminders not yet planned (they are planned again), "
                            "or keep them on the cadence as it was and use the change for new campaigns only?"
                        )
                    ),
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.button(t("New campaigns only"), variant="soft", on_click=state.save("new_only"), id="save-new-only"),
                rx.button(t("Apply to running campaigns"), on_click=state.save("replan"), id="save-replan"),
                spacing="3",
                justify="end",
                margin_top="1em",
                wrap="wrap",
            ),
            id="choice-dialog",
        ),
        open=state.choice_open,
        on_open_change=state.close_choice,
    )


def editor_heading() -> rx.Component:
    """Back to the list, the name, who else has it open, and Save."""
    state = CadenceEditorState
    return rx.vstack(
        rx.hstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("Cadences"), spacing="1"), href=routes.CADENCES),
            rx.cond(state.built_in, rx.badge(t("Built-in"), variant="soft", color_scheme="gray")),
            rx.spacer(),
            also_open_by(state.others, state.heartbeat),
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.hstack(
            rx.input(
                default_value=state.name,
                key=state.typed_key.to_string(),
                on_blur=state.set_name,
                read_only=~state.can_collect,
                aria_label=t("Name"),
                size="3",
                id="cadence-title",
                flex="1",
                max_length=120,
            ),
            rx.cond(
                state.can_collect,
                rx.hstack(
                    rx.cond(state.dirty, rx.text(t("Unsaved changes"), size="2", color_scheme="amber", id="unsaved")),
                    rx.button(
                        t("Discard"), variant="soft", color_scheme="gray", on_click=state.reload, disabled=~state.dirty
                    ),
                    rx.button(t("Save"), on_click=state.save(""), disabled=~state.dirty, id="save-cadence"),
                    align="center",
                    spacing="2",
                ),
                rx.callout(
                    t("You can read this cadence; your role does not allow changing it."),
                    icon="eye",
                    size="1",
                    id="read-only",
                ),
            ),
            align="center",
            wrap="wrap",
            width="100%",
        ),
        stale_save(state.stale, N_("Reload the cadence"), state.reload),
        spacing="3",
        width="100%",
    )


def editor_page() -> rx.Component:
    """A cadence's steps on a timeline around the due date, its rules, readiness, and a dry run."""
    state = CadenceEditorState
    return app_page(
        N_("Cadence"),
        form_error(state.error),
        rx.cond(
            state.cadence_id != "",
            rx.vstack(
                editor_heading(),
                timeline_section(),
                rx.grid(
                    rx.vstack(dry_run_section(), spacing="4", width="100%", min_width="0"),
                    rx.vstack(rules_section(), readiness_section(), spacing="4", width="100%", min_width="0"),
                    grid_template_columns=rx.breakpoints(initial="1fr", lg="3fr 2fr"),
                    spacing="4",
                    width="100%",
                ),
                step_dialog(),
                choice_dialog(),
                spacing="4",
                width="100%",
            ),
        ),
    )


def register(app: rx.App) -> None:
    """Adds the list and the editor; each reads the organization's cadences as it opens."""
    app.add_page(cadences_page, route=routes.CADENCES, title="Cadences · Cobro", on_load=CadencesState.load)
    app.add_page(editor_page, route=routes.CADENCE, title="Cadence · Cobro", on_load=CadenceEditorState.load)
