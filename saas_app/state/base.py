"""The signed-in identity, re-read from the session cookie on every event, and the UI language."""

import functools
import json
import logging
import secrets
from collections.abc import Callable
from functools import lru_cache
from http.cookies import SimpleCookie
from typing import Any, TypedDict, TypeVar

import reflex as rx
from babel.numbers import format_decimal
from sqlmodel import Session

from saas_app import i18n, routes
from saas_app.auth.cookies import SESSION_COOKIE
from saas_app.core.roles import Action, can
from saas_app.db import session_scope
from saas_app.services import accounts, whatsapp
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError

log = logging.getLogger(__name__)
Result = TypeVar("Result")

# Every string the pages show, collected as the pages are built, then translated per language.
MESSAGE_IDS: set[str] = set()


@lru_cache(maxsize=32)
def _catalog(locale: str, size: int) -> dict[str, str]:  # noqa: ARG001 - the cache key: pages built later add strings
    return {message: i18n.gettext(locale, message) for message in sorted(MESSAGE_IDS)}


def catalog(locale: str) -> dict[str, str]:
    """Every page string in a language, rebuilt when pages have added strings since."""
    return _catalog(i18n.pick(locale), len(MESSAGE_IDS))


class NotSignedIn(ServiceError):
    """No live session behind this browser's cookie."""


class BadRequest(ServiceError):
    """An event our pages never send (an id that is not one): refused, nothing changes."""

    def __init__(self) -> None:
        super().__init__(i18n.N_("That request was not valid."))


def parse_id(value: Any) -> int:
    """An id the page sent as text; anything else did not come from our page."""
    text = str(value)
    if not text.isdigit() or len(text) > 18:
        raise BadRequest
    return int(text)


class OrgOption(TypedDict):
    id: str
    name: str


class SessionState(rx.State):
    """Display copies of the identity; the server never trusts them, it asks `_context` instead."""

    locale: str = i18n.DEFAULT
    locale_cookie: str = rx.Cookie("", name="cobro_locale", max_age=365 * 24 * 3600, same_site="lax")
    user_name: str = ""
    user_email: str = ""
    org_id: str = ""
    org_name: str = ""
    role: str = ""
    orgs: list[OrgOption] = []
    sending_paused: bool = False  # WhatsApp refused the organization's account: every page says so

    @rx.var
    def texts(self) -> dict[str, str]:
        """The page strings in the user's language, for `t` to look up."""
        return catalog(self.locale)

    @rx.var
    def can_manage_team(self) -> bool:
        """Whether to show team management; the server checks the role again on every change."""
        return can(self.role, Action.MANAGE_TEAM)

    @rx.var
    def can_manage_settings(self) -> bool:
        """Whether to show settings' controls; the server checks the role again on every change."""
        return can(self.role, Action.MANAGE_SETTINGS)

    @rx.var
    def can_collect(self) -> bool:
        """Whether to show collecting actions (replies, opt-outs); the server checks the role again."""
        return can(self.role, Action.COLLECT)

    def _token(self) -> str:
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(self.router.headers.cookie)
        except Exception:  # noqa: BLE001 - a malformed cookie header is simply no session
            return ""
        morsel = cookies.get(SESSION_COOKIE)
        return morsel.value if morsel else ""

    def _ip(self) -> str:
        return self.router.session.client_ip

    def _user_agent(self) -> str:
        return self.router.headers.user_agent

    def _identity(self) -> accounts.Identity | None:
        with session_scope() as session:
            return accounts.resolve_session(session, self._token())

    def _context(self, action: Action = Action.VIEW) -> OrgContext:
        """The acting membership, checked against the database now; raises if not allowed."""
        identity = self._identity()
        if identity is None:
            raise NotSignedIn(i18n.N_("Your session has ended. Log in again."))
        if identity.org_id is None or identity.role is None:
            raise NotSignedIn(i18n.N_("Create or join an organization first."))
        context = OrgContext(user_id=identity.user_id, org_id=identity.org_id, role=identity.role, ip=self._ip())
        context.require(action)
        return context

    def _show(self, identity: accounts.Identity) -> None:
        self.user_name = identity.name or identity.email
        self.user_email = identity.email
        self.org_id = str(identity.org_id or "")
        self.org_name = identity.org_name
        self.role = identity.role or ""
        self.orgs = [OrgOption(id=str(m.org_id), name=m.org_name) for m in identity.memberships]
        self.locale = i18n.pick(identity.locale)

    def _translate(self, error: ServiceError) -> str:
        return i18n.gettext(self.locale, error.message, **error.params)

    def _current_path(self) -> str:
        return self.router.url.path or "/"

    def _query(self, name: str) -> str:
        return self.router.url.query_parameters.get(name, "")

    @rx.event
    def load_public(self) -> None:
        """on_load of public pages."""
        self._load_public()

    def _load_public(self) -> None:
        """Public pages speak the visitor's language: their choice, else their browser's."""
        self.locale = (
            i18n.pick(self.locale_cookie)
            if self.locale_cookie
            else (i18n.from_accept_language(self.router.headers.accept_language))
        )
        identity = self._identity()
        if identity is not None:
            self._show(identity)

    @rx.event
    def require_member(self) -> Any:
        """on_load of the signed-in pages that list nothing of their own."""
        return self._require_member()

    def _require_member(self) -> Any:
        """No session, no page: the identity shown, or where to send the visitor instead."""
        identity = self._identity()
        if identity is None:
            self.user_name = self.user_email = self.org_id = self.org_name = self.role = ""
            self.orgs = []
            return rx.redirect(routes.login_url(self._current_path()))
        self._show(identity)
        if identity.org_id is None:
            return rx.redirect(routes.ONBOARDING)
        with session_scope() as session:
            self.sending_paused = whatsapp.sending_paused(session, identity.org_id)
        return None

    def _open_page(self, refresh: Callable[[], None]) -> tuple[Any, str]:
        """on_load of a page of rows: (where to send a visitor who may not see it, the refusal to show)."""
        redirect = self._require_member()
        if redirect is not None:
            return redirect, ""
        try:
            refresh()
        except NotSignedIn:
            return rx.redirect(routes.login_url(self._current_path())), ""
        except ServiceError as error:  # a member whose role may not: the page says so
            return None, self._translate(error)
        return None, ""

    def _refresh(self) -> None:
        """Read the page's rows again; each page state that lists or shows something says how."""

    def _write(
        self,
        action: Action,
        work: Callable[[Session, OrgContext], Result],
        *,
        then: Callable[[Result], None] | None = None,
        saved: str | None = None,
        inline: bool = True,
    ) -> Any:
        """One change on the user's behalf, the way every page makes it.

        Checks the session and the role now, runs `work` in one transaction, then gives its result
        to `then`, reads the page again and answers with the `saved` toast. A refusal changes nothing
        and is said in the page's `error` (and `error_field`, for the field it concerns), or as a
        toast with `inline=False` (row actions, whose page has no place for it). A lost session goes
        to the log-in page (`guarded`).
        """
        if inline:
            self._say_error("", "")
        context = self._context(action)
        try:
            with session_scope() as session:  # closed before `then`, `_refresh` and any HTTP call
                result = work(session, context)
        except NotSignedIn:
            raise
        except ServiceError as error:
            if not inline:
                raise
            self._say_error(self._translate(error), error.field)
            return None
        if then is not None:
            then(result)
        self._refresh()
        return self._saved(saved) if saved else None

    def _say_error(self, message: str, field: str) -> None:
        """A page's refusal, beside the field it concerns when the page has that field."""
        if "error" in self.base_vars:
            self.error = message
        if "error_field" in self.base_vars:
            self.error_field = field

    def _saved(self, message: str) -> Any:
        return rx.toast.success(i18n.gettext(self.locale, message))

    @rx.event
    def set_language(self, locale: str) -> None:
        """The language picker: switches the pages, and remembers the choice in a cookie and for the user."""
        self.locale = i18n.pick(locale)
        self.locale_cookie = self.locale
        identity = self._identity()
        if identity is not None:
            with session_scope() as session:
                accounts.set_locale(session, identity.user_id, self.locale)

    @rx.event
    def switch_organization(self, org_id: str) -> Any:
        """The organization picker: acts in the chosen one from the dashboard, or answers with a toast why not."""
        try:
            with session_scope() as session:
                accounts.switch_organization(session, self._token(), parse_id(org_id))
        except ServiceError as error:
            return rx.toast.error(self._translate(error))
        return rx.redirect(routes.DASHBOARD)


def load_page(path: str) -> Any:
    """A full page load, for server routes (cookies are set there); rx.redirect stays inside the SPA."""
    return rx.call_script(f"window.location.assign({json.dumps(path)})")


def post_page(path: str, fields: dict[str, str]) -> Any:
    """A full page load by a form POST, for server routes that change the session (they refuse GET)."""
    script = """(() => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = %s;
  for (const [name, value] of Object.entries(%s)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
})()""" % (json.dumps(path), json.dumps(fields))  # noqa: UP031 - a JavaScript body: braces everywhere
    return rx.call_script(script)


def t(message: str) -> Any:
    """The message in the signed-in user's language (a Var the page renders)."""
    MESSAGE_IDS.add(message)
    return SessionState.texts[message]


def label(labels: dict[str, str], value: str, locale: str) -> str:
    """A stored code in the reader's words, or the code itself when it has none."""
    return i18n.gettext(locale, labels[value]) if value in labels else value


def guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Run a page handler; a refusal becomes a toast, a lost session a trip to the login page.

    Anything else is a bug: it is logged with a reference the person can quote, and they are told
    something went wrong rather than that their request was wrong.
    """

    @functools.wraps(handler)  # keeps the signature, which Reflex reads to map the event's arguments
    def wrapper(self: SessionState, *args: Any, **kwargs: Any) -> Any:
        try:
            return handler(self, *args, **kwargs)
        except NotSignedIn:
            return rx.redirect(routes.login_url(self._current_path()))
        except ServiceError as error:
            return rx.toast.error(self._translate(error))
        except Exception:  # noqa: BLE001 - a bug: logged with a reference, and the person told
            return something_went_wrong(self, handler.__qualname__)

    return wrapper


def something_went_wrong(state: SessionState, where: str) -> Any:
    """Log the exception being handled with a short reference, and tell the person that reference."""
    reference = secrets.token_hex(4)
    log.exception("event handler %s failed (reference %s)", where, reference, extra={"reference": reference})
    message = i18n.N_("Something went wrong on our side. Reference: {reference}")
    return rx.toast.error(i18n.gettext(state.locale, message, reference=reference))


class KeysetPages(rx.State, mixin=True):
    """Previous and next over a list read a slice at a time (services.paging.keyset).

    The browser sees page numbers only; where each page starts stays on the server. A page's state
    reads `_after()` in its `_refresh()` and gives the slice's `next_after` to `_paged()`. Reflex
    copies these vars and handlers into each state that lists it before SessionState.
    """

    page: int = 1
    page_label: str = ""
    has_next: bool = False
    _starts: list[int] = []  # `after` of each page before this one; this page starts after the last
    _next: int | None = None

    def _refresh(self) -> None:
        raise NotImplementedError

    def _after(self) -> int | None:
        return self._starts[-1] if self._starts else None

    def _first_page(self) -> None:
        self._starts, self._next = [], None

    def _paged(self, next_after: int | None, locale: str) -> None:
        self._next, self.has_next = next_after, next_after is not None
        self.page = len(self._starts) + 1
        page = format_decimal(self.page, locale=locale)
        self.page_label = i18n.gettext(locale, i18n.N_("Page {page}"), page=page)

    @rx.event
    @guarded
    def next_page(self) -> None:
        """The pager's Next: reads the slice after the last row shown."""
        if self._next is not None:
            self._starts = [*self._starts, self._next]
        self._refresh()

    @rx.event
    @guarded
    def previous_page(self) -> None:
        """The pager's Previous: reads again the slice before this one."""
        self._starts = self._starts[:-1]
        self._refresh()
