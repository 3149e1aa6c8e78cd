"""Sign-up, log-in, password reset, invitation and onboarding pages."""

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import role_badge
from saas_app.components.forms import error_for, field, field_label, form_error, form_error_except, options, picker
from saas_app.components.layout import centered_card, logout_button
from saas_app.core import passwords
from saas_app.i18n import N_
from saas_app.settings import settings
from saas_app.state.auth import (
    CountryFormState,
    ForgotPasswordState,
    FormState,
    InviteState,
    LoginState,
    OnboardingState,
    ResetPasswordState,
    SignUpState,
    UnlockState,
)
from saas_app.state.base import SessionState, t


def first_party_checkbox() -> rx.Component:
    """The promise, required at sign-up, that the debts are the company's own: Cobro is not for collection agencies."""
    return rx.hstack(
        rx.checkbox(name="first_party", id="first_party"),
        field_label(
            t("These are my company's own customers and invoices (no third-party debt collection)."),
            "first_party",
            size="2",
        ),
        align="start",
        spacing="2",
    )


def country_select() -> rx.Component:
    """The business's country, proposed from the browser; it sets the currency, time zone and phone numbers' region."""
    return picker(
        N_("Country"),
        "country",
        *options(CountryFormState.country_choices),
        value=CountryFormState.country,
        on_change=CountryFormState.choose_country,
        required=True,
        hint=N_("Sets your currency, time zone and phone numbers' country; you can change them later."),
        error=error_for(CountryFormState, "country"),
    )


def new_password_field(label: str, state: type[FormState]) -> rx.Component:
    """A password being chosen: the rule said under it before typing, and a refusal beside it after."""
    return field(
        label,
        "password",
        "password",
        auto_complete="new-password",
        required=True,
        hint=passwords.HINT,
        error=error_for(state, "password"),
    )


def signup() -> rx.Component:
    """The sign-up form: name, email, password and company, creating the account and its workspace in one step."""
    return centered_card(
        rx.heading(t("Create your account"), size="6"),
        rx.text(t("One step: your account and your company's workspace."), color=styles.MUTED),
        rx.form(
            rx.vstack(
                field(N_("Your name"), "name", auto_complete="name", required=True),
                field(N_("Work email"), "email", "email", auto_complete="email", required=True),
                new_password_field(N_("Password"), SignUpState),
                field(N_("Company name"), "org_name", auto_complete="organization", required=True),
                country_select(),
                first_party_checkbox(),
                form_error_except(SignUpState, ["password", "country"]),
                rx.button(t("Create account"), type="submit", size="3", width="100%", id="signup-submit"),
                spacing="3",
            ),
            on_submit=SignUpState.submit,
            reset_on_submit=False,
        ),
        rx.text(t("Already have an account?"), " ", rx.link(t("Log in"), href=routes.LOGIN), size="2"),
    )


def login() -> rx.Component:
    """The login form, a button per configured identity provider, and links to reset a password or sign up."""
    return centered_card(
        rx.heading(t("Log in"), size="6"),
        rx.form(
            rx.vstack(
                field(N_("Email"), "email", "email", auto_complete="email", required=True),
                field(N_("Password"), "password", "password", auto_complete="current-password", required=True),
                form_error(LoginState.error),
                rx.button(t("Log in"), type="submit", size="3", width="100%", id="login-submit"),
                spacing="3",
            ),
            on_submit=LoginState.submit,
            reset_on_submit=False,
        ),
        *[
            rx.button(
                t("Continue with"),
                " ",
                provider.label,
                variant="outline",
                width="100%",
                class_name="oidc-provider",
                on_click=LoginState.start_oidc(provider.name),
            )
            for provider in settings.oidc_providers
        ],
        rx.hstack(
            rx.link(t("Forgot your password?"), href=routes.FORGOT_PASSWORD, size="2"),
            rx.spacer(),
            rx.link(t("Create an account"), href=routes.SIGNUP, size="2"),
            width="100%",
        ),
    )


def forgot_password() -> rx.Component:
    """Asks for an email to send a reset link to; the answer is the same whether or not the account exists."""
    return centered_card(
        rx.heading(t("Forgot your password?"), size="6"),
        rx.cond(
            ForgotPasswordState.done,
            rx.callout(
                t("If an account exists for that email, we have sent it a link to choose a new password."),
                icon="mail-check",
                color_scheme="green",
                id="reset-sent",
            ),
            rx.form(
                rx.vstack(
                    rx.text(t("Enter your email and we will send you a link to choose a new password.")),
                    field(N_("Email"), "email", "email", required=True),
                    rx.button(t("Send the link"), type="submit", size="3", width="100%"),
                    spacing="3",
                ),
                on_submit=ForgotPasswordState.submit,
            ),
        ),
        rx.link(t("Back to log in"), href=routes.LOGIN, size="2"),
    )


def reset_password() -> rx.Component:
    """The new-password form a reset link opens, then a link to log in once it is changed."""
    return centered_card(
        rx.heading(t("Choose a new password"), size="6"),
        rx.cond(
            ResetPasswordState.done,
            rx.vstack(
                rx.callout(t("Your password has been changed."), icon="check", color_scheme="green", id="reset-done"),
                rx.link(rx.button(t("Log in")), href=routes.LOGIN),
            ),
            rx.form(
                rx.vstack(
                    new_password_field(N_("New password"), ResetPasswordState),
                    form_error_except(ResetPasswordState, ["password"]),
                    rx.button(t("Save password"), type="submit", size="3", width="100%"),
                    spacing="3",
                ),
                on_submit=ResetPasswordState.submit,
                reset_on_submit=False,
            ),
        ),
    )


def unlock() -> rx.Component:
    """The page of a mailed unlock link: the password signs in at once; or why the link no longer works."""
    return centered_card(
        rx.heading(t("Log in"), size="6"),
        rx.cond(
            UnlockState.valid,
            rx.vstack(
                rx.text(
                    t(
                        "After many failed sign-ins, logging in to this account is slowed down for a while. "
                        "Through this link your password signs you in at once."
                    ),
                    color=styles.MUTED,
                ),
                rx.text(UnlockState.unlock_email, weight="bold", id="unlock-email"),
                rx.form(
                    rx.vstack(
                        field(N_("Password"), "password", "password", auto_complete="current-password", required=True),
                        form_error(UnlockState.error),
                        rx.button(t("Log in"), type="submit", size="3", width="100%", id="unlock-submit"),
                        spacing="3",
                    ),
                    on_submit=UnlockState.submit,
                    reset_on_submit=False,
                ),
                rx.link(t("Forgot your password?"), href=routes.FORGOT_PASSWORD, size="2"),
                spacing="4",
                width="100%",
            ),
            rx.vstack(
                form_error(UnlockState.error),
                rx.link(t("Back to log in"), href=routes.LOGIN, size="2"),
            ),
        ),
    )


def invite() -> rx.Component:
    """An invitation: accept it, log in to accept, or create an account to join; or why the link no longer works."""
    return centered_card(
        rx.cond(
            InviteState.valid,
            rx.vstack(
                rx.heading(t("Join"), " ", InviteState.org_name, size="6", id="invite-org"),
                rx.text(
                    t("You are invited as"), " ", role_badge(InviteState.invited_role), " · ", InviteState.invited_email
                ),
                form_error_except(InviteState, ["password"]),
                rx.cond(
                    InviteState.signed_in_email == InviteState.invited_email,
                    rx.button(
                        t("Accept invitation"), on_click=InviteState.accept, size="3", width="100%", id="invite-accept"
                    ),
                    rx.cond(
                        InviteState.has_account,
                        rx.link(
                            rx.button(t("Log in to accept"), size="3", width="100%"),
                            href=routes.LOGIN + "?next=" + SessionState.router.url.path,
                            width="100%",
                        ),
                        rx.form(
                            rx.vstack(
                                field(N_("Your name"), "name", auto_complete="name", required=True),
                                new_password_field(N_("Password"), InviteState),
                                rx.button(
                                    t("Create account and join"),
                                    type="submit",
                                    size="3",
                                    width="100%",
                                    id="invite-create",
                                ),
                                spacing="3",
                            ),
                            on_submit=InviteState.create_account,
                            reset_on_submit=False,
                        ),
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            rx.vstack(
                rx.heading(t("Invitation"), size="6"),
                form_error(InviteState.error),
                rx.link(t("Go to Cobro"), href=routes.LANDING),
            ),
        ),
    )


def onboarding() -> rx.Component:
    """For a signed-in person with no organization: create their company's workspace, or log out."""
    return centered_card(
        rx.heading(t("Create your organization"), size="6"),
        rx.text(
            t(
                "You are signed in, but not yet part of an organization. Create your company's workspace, "
                "or ask a colleague to invite you."
            )
        ),
        rx.form(
            rx.vstack(
                field(N_("Company name"), "org_name", auto_complete="organization", required=True),
                country_select(),
                first_party_checkbox(),
                form_error_except(OnboardingState, ["country"]),
                rx.button(t("Create organization"), type="submit", size="3", width="100%"),
                spacing="3",
            ),
            on_submit=OnboardingState.submit,
            reset_on_submit=False,
        ),
        logout_button(),
    )


def register(app: rx.App) -> None:
    """Adds the pages for getting in: sign-up, log-in, password reset, invitations and the first organization."""
    app.add_page(signup, route=routes.SIGNUP, title="Sign up · Cobro", on_load=SignUpState.load)
    app.add_page(login, route=routes.LOGIN, title="Log in · Cobro", on_load=LoginState.load)
    app.add_page(
        forgot_password, route=routes.FORGOT_PASSWORD, title="Forgot password · Cobro", on_load=SessionState.load_public
    )
    app.add_page(
        reset_password, route=routes.RESET_PASSWORD, title="New password · Cobro", on_load=SessionState.load_public
    )
    app.add_page(unlock, route=routes.UNLOCK, title="Log in · Cobro", on_load=UnlockState.load)
    app.add_page(invite, route=routes.INVITE, title="Invitation · Cobro", on_load=InviteState.load)
    app.add_page(onboarding, route=routes.ONBOARDING, title="Your organization · Cobro", on_load=OnboardingState.load)
