"""Every address of the UI in one place: the pages, the navigation, and safe links back after log-in."""

from urllib.parse import quote

from saas_app.i18n import N_

LANDING = "/"
LOGIN = "/login"
SIGNUP = "/signup"
FORGOT_PASSWORD = "/forgot-password"  # noqa: S105 - a page, not a password
ONBOARDING = "/onboarding"
RESET_PASSWORD = "/reset-password/[token]"  # noqa: S105 - a page, not a password
# A mailed one-time link for the owner of an account under attack (services.accounts).
UNLOCK = "/unlock/[token]"
INVITE = "/invite/[token]"
# Served by the HTTP routes (api/auth_routes.py): they set and clear the HttpOnly session cookie.
ACTIVATE = "/auth/activate"
LOGOUT = "/auth/logout"

DASHBOARD = "/dashboard"
DEBTORS = "/debtors"
DEBTOR = "/debtors/[debtor_id]"  # the debtor's file
DEBTOR_PRINT = "/debtors/[debtor_id]/print"  # the file as a document to print or save as PDF
INVOICES = "/invoices"
TEMPLATES = "/templates"
TEMPLATE = "/templates/[template_id]"  # the editor with its live preview
CADENCES = "/cadences"
CADENCE = "/cadences/[cadence_id]"  # the timeline editor with its dry run
CAMPAIGNS = "/campaigns"
CAMPAIGN = "/campaigns/[campaign_id]"
CAMPAIGN_NEW = "/campaigns/new"  # build a segment, pick a cadence, preview, launch
INBOX = "/inbox"

SETTINGS = "/settings"  # the team tab
SETTINGS_ORGANIZATION = "/settings/organization"
SETTINGS_WHATSAPP = "/settings/whatsapp"
SETTINGS_API_KEYS = "/settings/api-keys"
SETTINGS_PAYMENTS = "/settings/payments"
SETTINGS_WEBHOOKS = "/settings/webhooks"

API_DOCS = "/api/v1/docs"

# The sidebar: label, address, icon (lucide).
NAVIGATION = [
    (N_("Dashboard"), DASHBOARD, "layout-dashboard"),
    (N_("Debtors"), DEBTORS, "users"),
    (N_("Invoices"), INVOICES, "file-text"),
    (N_("Templates"), TEMPLATES, "message-square-text"),
    (N_("Cadences"), CADENCES, "calendar-clock"),
    (N_("Campaigns"), CAMPAIGNS, "send"),
    (N_("Inbox"), INBOX, "inbox"),
    (N_("Settings"), SETTINGS, "settings"),
]

SETTINGS_TABS = [
    (N_("Team"), SETTINGS),
    (N_("Organization"), SETTINGS_ORGANIZATION),
    (N_("WhatsApp"), SETTINGS_WHATSAPP),
    (N_("API keys"), SETTINGS_API_KEYS),
    (N_("Payments"), SETTINGS_PAYMENTS),
    (N_("Webhooks"), SETTINGS_WEBHOOKS),
]


def template_url(template_id: int | str) -> str:
    """The editor of one template."""
    return f"{TEMPLATES}/{template_id}"


def cadence_url(cadence_id: int | str) -> str:
    """The editor of one cadence."""
    return f"{CADENCES}/{cadence_id}"


def oidc_login_url(provider: str, next_path: str) -> str:
    """Where sign-in with an OpenID Connect provider starts, coming back to `next_path`."""
    return f"/auth/oidc/{quote(provider)}/login?next={_next(next_path)}"


def safe_next(target: str | None, default: str = DASHBOARD) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our domain."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_url(next_path: str | None = None) -> str:
    """The log-in page, coming back to `next_path` (a same-site path) once signed in."""
    if not next_path:
        return LOGIN
    return f"{LOGIN}?next={_next(next_path)}"


def _next(next_path: str | None) -> str:
    """The `next` query value: a same-site path, quoted."""
    return quote(safe_next(next_path), safe="/")
