"""What the template and the cadence editors share: who else has one open, and why a save was refused."""

from zoneinfo import ZoneInfo

from sqlmodel import Session

from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import organizations, presence
from saas_app.services.context import OrgContext
from saas_app.services.presence import EditorKind, StaleSave
from saas_app.state.base import label
from saas_app.state.campaigns import when

# The hidden button an open editor clicks every 20 seconds to check in (components.editors draws it); on a
# page without it the timer stops.
PRESENCE_TICK = "presence-tick"
PRESENCE_SCRIPT = """if (!window.cobroPresence) {
  window.cobroPresence = setInterval(() => {
    const tick = document.getElementById("TICK_ID");
    if (tick) { tick.click(); } else { clearInterval(window.cobroPresence); window.cobroPresence = null; }
  }, 20000);
}""".replace("TICK_ID", PRESENCE_TICK)

# What a refused save names: what the other person saved, and the parts it changed, in the reader's words.
SAVED_WHAT = {EditorKind.TEMPLATE: N_("this language"), EditorKind.CADENCE: N_("this cadence")}
PART_LABELS = {
    EditorKind.TEMPLATE: {"header": N_("header"), "body": N_("body"), "footer": N_("footer"), "buttons": N_("buttons")},
    EditorKind.CADENCE: {
        "name": N_("name"),
        "steps": N_("steps"),
        "window": N_("send window"),
        "weekdays": N_("weekdays"),
        "holidays": N_("holidays"),
        "spacing": N_("spacing"),
        "pauses": N_("pauses"),
    },
}


def others_here(session: Session, context: OrgContext, kind: EditorKind, object_id: int) -> list[str]:
    """Check the member in as having this editor open; the names of the others who do, safe to show."""
    return [neutralized(name) for name in presence.present(session, context, kind, object_id)]


def stale_text(context: OrgContext, locale: str, stale: StaleSave) -> str:
    """Why a save was refused: who saved first, when (the organization's clock) and what they changed."""
    with session_scope() as session:
        zone = ZoneInfo(organizations.settings_of(session, context).timezone)
    parts = ", ".join(label(PART_LABELS[stale.kind], part, locale) for part in stale.parts) or "—"
    return gettext(
        locale,
        N_(
            "Not saved: {who} saved {what} at {time} ({parts} changed) after you opened it. Your version is "
            "still here: copy what you need, reload to see theirs, then make your change again."
        ),
        who=neutralized(stale.who) or gettext(locale, N_("someone")),
        what=gettext(locale, SAVED_WHAT[stale.kind]),
        time=when(stale.at, zone, locale) if stale.at else "—",
        parts=parts,
    )
