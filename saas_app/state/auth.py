"""Sign-up, log-in, password reset, invitations and the first organization."""

from typing import Any

import reflex as rx

from saas_app import routes
from saas_app.core.countries import countries_for, guess_country, normalize_country
from saas_app.db import session_scope
from saas_app.i18n import N_
from saas_app.routes import safe_next
from saas_app.services import accounts, organizations, team
from saas_app.services.errors import ServiceError
from saas_app.state.base import SessionState, load_page, post_page

LOGIN_ERRORS = {
    "expired": N_("That sign-in link has expired. Log in again."),
    "oidc": N_("Sign-in with your identity provider failed. Try again."),
    "oidc_email": N_("Your identity provider did not confirm your email address."),
}


def _activate(ticket: str, next_path: str) -> Any:
    """Hand the browser to the route that turns the ticket into an HttpOnly session cookie (a POST from our page)."""
    return post_page(routes.ACTIVATE, {"ticket": ticket, "next": safe_next(next_path)})


class FormState(SessionState):
    """A form's error message and the field it belongs to."""

    error: str = ""
    error_field: str = ""
    done: bool = False

    def _fail(self, error: ServiceError) -> None:
        self.error = self._translate(error)
        self.error_field = error.field

    def _clear(self) -> None:
        self.error = self.error_field = ""
        self.done = False


# The browser's IANA time zone, read where it is cheap: the page itself, once, after it loads.
BROWSER_TIME_ZONE = "Intl.DateTimeFormat().resolvedOptions().timeZone || ''"


class CountryFormState(FormState):
    """A form that creates an organization (sign-up, onboarding) and asks its country, proposed from the browser."""

    country: str = ""  # the one shown selected; the server checks the submitted one again
    _country_chosen: bool = False  # the person picked it: the browser's time zone no longer re-proposes

    @rx.var
    def country_choices(self) -> list[list[str]]:
        """Every country as [code, name], named and sorted in the page's language."""
        return [[code, name] for code, name in countries_for(self.locale)]

    def _propose_country(self) -> Any:
        """A country proposed from the browser's language now, then asks the page for its time zone."""
        self._country_chosen = False
        self.country = guess_country(self.router.headers.accept_language)
        return rx.call_script(BROWSER_TIME_ZONE, callback=CountryFormState.propose_country)

    @rx.event
    def propose_country(self, time_zone: Any) -> None:
        """The browser's time zone arrived: propose its country unless the person already chose one."""
        if not self._country_chosen:
            self.country = guess_country(self.router.headers.accept_language, str(time_zone or "")[:64])

    @rx.event
    def choose_country(self, code: str) -> None:
        """The person picked a country in the list (checked again on submit)."""
        self.country = normalize_country(str(code)) or self.country
        self._country_chosen = True


class SignUpState(CountryFormState):
    @rx.event
    def load(self) -> Any:
        """Opening sign-up: the visitor's language, a country proposed from it, then asks for the time zone."""
        self._load_public()
        return self._propose_country()

    @rx.event
    def submit(self, form: dict[str, Any]) -> Any:
        """The sign-up form's Create account: makes the account and workspace, then signs in, or says what to fix."""
        self._clear()
        try:
            with session_scope() as session:
                result = accounts.sign_up(
                    session,
                    name=str(form.get("name", "")),
                    email=str(form.get("email", "")),
                    password=str(form.get("password", "")),
                    org_name=str(form.get("org_name", "")),
                    first_party_confirmed=bool(form.get("first_party")),
                    locale=self.locale,
                    country=str(form.get("country", "")),
                    ip=self._ip(),
                    user_agent=self._user_agent(),
                )
        except ServiceError as error:
            self._fail(error)
            return None
        return _activate(result.ticket, routes.DASHBOARD)


class LoginState(FormState):
    @rx.event
    def load(self) -> None:
        """Opening the login page: the visitor's language, and why a sign-in just failed if the URL says so."""
        self._load_public()
        self._clear()
        code = self._query("error")
        if code in LOGIN_ERRORS:
            self.error = self._translate(ServiceError(LOGIN_ERRORS[code]))

    @rx.event
    def submit(self, form: dict[str, Any]) -> Any:
        """The login form's Log in: signs in and goes on to the page asked for, or says why not."""
        self._clear()
        try:
            with session_scope() as session:
                ticket = accounts.log_in(
                    session,
                    email=str(form.get("email", "")),
                    password=str(form.get("password", "")),
                    ip=self._ip(),
                    user_agent=self._user_agent(),
                )
        except ServiceError as error:
            self._fail(error)
            return None
        return _activate(ticket, self._query("next"))

    @rx.event
    def start_oidc(self, provider: str) -> Any:
        """Leave for the identity provider, coming back to the page that asked for a login."""
        return load_page(routes.oidc_login_url(provider, self._query("next")))


class ForgotPasswordState(FormState):
    @rx.event
    def submit(self, form: dict[str, Any]) -> None:
        """The form's Send the link: mails a reset link if the account exists, and answers the same either way."""
        self._clear()
        with session_scope() as session:
            accounts.request_password_reset(session, email=str(form.get("email", "")), ip=self._ip())
        # Same answer whether or not the account exists: no way to probe for registered emails.
        self.done = True


class ResetPasswordState(FormState):
    @rx.event
    def submit(self, form: dict[str, Any]) -> None:
        """The form's Save password: sets the password the link allows, or says why the link or password will not do."""
        self._clear()
        token = self._current_path().rstrip("/").rsplit("/", 1)[-1]
        try:
            with session_scope() as session:
                accounts.reset_password(session, token=token, password=str(form.get("password", "")), ip=self._ip())
        except ServiceError as error:
            self._fail(error)
            return
        self.done = True


class UnlockState(FormState):
    """The page a mailed unlock link opens: the account's password signs in at once, whatever the sign-in waits."""

    unlock_email: str = ""
    valid: bool = False

    def _unlock_token(self) -> str:
        return self._current_path().rstrip("/").rsplit("/", 1)[-1]

    @rx.event
    def load(self) -> None:
        """Opening an unlock link: the account it signs in to, or why the link no longer works."""
        self._load_public()
        self._clear()
        try:
            with session_scope() as session:
                self.unlock_email = accounts.unlock_link_email(session, self._unlock_token())
        except ServiceError as error:
            self.valid, self.unlock_email = False, ""
            self._fail(error)
            return
        self.valid = True

    @rx.event
    def submit(self, form: dict[str, Any]) -> Any:
        """The form's Log in: the right password through the link signs in, or the page says why not."""
        self._clear()
        try:
            with session_scope() as session:
                ticket = accounts.log_in_with_unlock_link(
                    session,
                    token=self._unlock_token(),
                    password=str(form.get("password", "")),
                    ip=self._ip(),
                    user_agent=self._user_agent(),
                )
        except ServiceError as error:
            self._fail(error)
            return None
        return _activate(ticket, routes.DASHBOARD)


class InviteState(FormState):
    org_name: str = ""
    invited_email: str = ""
    invited_role: str = ""
    has_account: bool = False
    valid: bool = False
    signed_in_email: str = ""

    def _invite_token(self) -> str:
        return self._current_path().rstrip("/").rsplit("/", 1)[-1]

    @rx.event
    def load(self) -> None:
        """Opening an invitation link: who invites, to which role, and whether to log in or sign up to accept."""
        self._load_public()
        self._clear()
        identity = self._identity()
        self.signed_in_email = identity.email if identity else ""
        try:
            with session_scope() as session:
                preview = team.preview_invitation(session, self._invite_token())
        except ServiceError as error:
            self.valid = False
            self._fail(error)
            return
        self.valid = True
        self.org_name = preview.org_name
        self.invited_email = preview.email
        self.invited_role = preview.role
        self.has_account = preview.has_account

    @rx.event
    def accept(self) -> Any:
        """A signed-in user accepts; the invitation must be addressed to their email."""
        self._clear()
        identity = self._identity()
        if identity is None:
            return rx.redirect(routes.login_url(self._current_path()))
        try:
            with session_scope() as session:
                org_id = team.accept_invitation(
                    session, token=self._invite_token(), user_id=identity.user_id, ip=self._ip()
                )
                accounts.switch_organization(session, self._token(), org_id)
        except ServiceError as error:
            self._fail(error)
            return None
        return rx.redirect(routes.DASHBOARD)

    @rx.event
    def create_account(self, form: dict[str, Any]) -> Any:
        """A newcomer creates their account with the invited email and joins in one step."""
        self._clear()
        try:
            with session_scope() as session:
                preview = team.preview_invitation(session, self._invite_token())
                user = accounts.create_user(
                    session,
                    email=preview.email,
                    name=str(form.get("name", "")),
                    password=str(form.get("password", "")),
                    locale=self.locale,
                    org_name=preview.org_name,
                )
                assert user.id is not None
                org_id = team.accept_invitation(session, token=self._invite_token(), user_id=user.id, ip=self._ip())
                ticket = accounts.start_session(
                    session, user=user, org_id=org_id, ip=self._ip(), user_agent=self._user_agent()
                )
        except ServiceError as error:
            self._fail(error)
            return None
        return _activate(ticket, routes.DASHBOARD)


class OnboardingState(CountryFormState):
    """A user without an organization (first OIDC sign-in, or removed from all) creates one, in their country."""

    @rx.event
    def load(self) -> Any:
        """Opening onboarding: the person's identity and a country proposed from the browser, or the login page."""
        identity = self._identity()
        if identity is None:
            return rx.redirect(routes.login_url(routes.ONBOARDING))
        self._show(identity)
        self._clear()
        return self._propose_country()

    @rx.event
    def submit(self, form: dict[str, Any]) -> Any:
        """The form's Create organization: requires the first-party promise, creates it in the chosen country
        (its currency, time zone and language follow), and opens its dashboard; a forged country is refused."""
        self._clear()
        identity = self._identity()
        if identity is None:
            return rx.redirect(routes.login_url(routes.ONBOARDING))
        if not form.get("first_party"):
            self._fail(
                ServiceError(
                    N_("Cobro is only for reminding your own customers of your own invoices. Please confirm this."),
                    field="first_party",
                )
            )
            return None
        try:
            with session_scope() as session:
                user = accounts.find_user(session, identity.email)
                assert user is not None
                org = organizations.create_organization(
                    session,
                    name=str(form.get("org_name", "")),
                    owner=user,
                    country=str(form.get("country", "")),
                    first_party_confirmed=True,
                    ip=self._ip(),
                )
                assert org.id is not None
                accounts.switch_organization(session, self._token(), org.id)
        except ServiceError as error:
            self._fail(error)
            return None
        return rx.redirect(routes.DASHBOARD)
