"""The launch page's handlers, called as a browser would: live count, cadence, preview, launch, refusals."""

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from saas_app.models import Debtor, Enrollment, Invoice, TemplateVariant
from saas_app.state.campaign_launch import CampaignLaunchState
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence, today_of
from tests.integration.state.test_handlers import state_for, token_of

PATH = "/campaigns/new"


def _page(session: Session, email: str, path: str = PATH) -> Any:
    state = state_for(CampaignLaunchState, token=token_of(session, email), path=path)
    CampaignLaunchState.load.fn(state)
    return state


def _org(session: Session) -> tuple[Any, int, list[int]]:
    _, ctx = sign_up(session, email="boss@example.com")
    today = today_of(session, ctx)
    ids = [
        debtor_with_invoice(session, ctx, phone=f"+39347123450{n}", number=f"F-{n}", due=today - timedelta(days=d))[1]
        for n, d in enumerate((5, 45, 100))
    ]
    return ctx, simple_cadence(session, ctx), ids


def test_the_count_follows_the_rules_and_the_launch_lands_on_the_campaign(session: Session) -> None:
    _, cadence_id, _ = _org(session)
    state = _page(session, "boss@example.com")
    assert (state.count_invoices, state.count_debtors) == ("3", "3")
    CampaignLaunchState.set_rule.fn(state, "bucket", "31-90")
    assert (state.min_days, state.max_days, state.count_invoices) == ("31", "90", "1")
    CampaignLaunchState.set_rule.fn(state, "max_days", "")
    assert state.count_invoices == "2"
    assert state.count_amounts == "€246.90"
    assert {o["value"]: o["ready"] for o in state.cadence_options}[str(cadence_id)]
    CampaignLaunchState.choose_cadence.fn(state, str(cadence_id))
    assert state.previewed
    assert state.preview_invoices == "2"
    assert len(state.samples) == 2
    assert "F-2" in state.samples[0]["invoice"]
    result = CampaignLaunchState.launch_campaign.fn(state, {"name": "Old debts"})
    assert "/campaigns/" in str(result[0])
    assert len(session.exec(select(Enrollment)).all()) == 2


def test_a_bad_rule_is_said_beside_its_box(session: Session) -> None:
    _org(session)
    state = _page(session, "boss@example.com")
    CampaignLaunchState.set_rule.fn(state, "min_amount", "12")  # no currency chosen
    assert state.error_field == "currency"
    assert state.count_invoices == ""
    CampaignLaunchState.set_rule.fn(state, "min_amount", "")
    assert state.count_invoices == "3"
    CampaignLaunchState.set_rule.fn(state, "min_days", "ten")
    assert state.error_field == "min_days"
    assert state.count_invoices == ""


def test_a_cadence_with_problems_or_of_another_org_cannot_be_chosen(session: Session) -> None:
    ctx, cadence_id, _ = _org(session)
    _, stranger = sign_up(session, email="other@example.com")
    theirs = simple_cadence(session, stranger)
    for variant in session.exec(select(TemplateVariant).where(TemplateVariant.org_id == ctx.org_id)):
        variant.status = "paused"
        session.add(variant)
    session.commit()
    state = _page(session, "boss@example.com")
    assert not {o["value"]: o["ready"] for o in state.cadence_options}[str(cadence_id)]
    for forged in (str(cadence_id), str(theirs)):
        CampaignLaunchState.choose_cadence.fn(state, forged)
        assert state.cadence == ""
        assert not state.previewed
    state.cadence = str(cadence_id)  # forged past the menu: the service refuses the launch
    CampaignLaunchState.launch_campaign.fn(state, {"name": "X"})
    assert session.exec(select(Enrollment)).all() == []


def test_picked_invoices_are_checked_as_the_orgs_own(session: Session) -> None:
    _, _, ids = _org(session)
    _, stranger = sign_up(session, email="other@example.com")
    _, theirs = debtor_with_invoice(
        session, stranger, phone="+393470000001", number="X-1", due=today_of(session, stranger)
    )
    state = _page(session, "boss@example.com", f"{PATH}?invoices={ids[0]},{ids[1]}")
    assert (state.picked_count, state.picked_closed, state.count_invoices) == (2, 0, "2")
    assert state.picked_numbers == "F-1, F-0", "the longest overdue first"
    for forged in (f"{ids[0]},{theirs}", f"{ids[0]},abc", ",".join(str(i) for i in range(1, 1003))):
        refused = _page(session, "boss@example.com", f"{PATH}?invoices={forged}")
        assert refused.picked_count == 0, forged
        assert refused.error_field == "invoices", forged
        assert refused.error, forged
        assert refused.count_invoices == "3", "the page falls back to the rules, which count every open invoice"


def test_a_picked_invoice_no_longer_chased_is_left_out_and_said(session: Session) -> None:
    _, _, ids = _org(session)
    paid = session.get(Invoice, ids[2])
    assert paid is not None
    paid.status = "paid"
    session.add(paid)
    session.commit()
    state = _page(session, "boss@example.com", f"{PATH}?invoices={ids[1]},{ids[2]}")
    assert (state.picked_count, state.picked_closed, state.count_invoices) == (2, 1, "1")
    assert (state.picked_figures, state.picked_numbers) == (["2", "1"], "F-1")
    CampaignLaunchState.use_rules.fn(state)
    assert (state.picked_count, state.count_invoices) == (0, "2")
    CampaignLaunchState.save_segment.fn(state, {"segment_name": "All open"})
    assert state.picked_count == 0, "saving the rules does not bring the picked invoices back"


def _world(session: Session) -> None:
    """Debtors in Italy (2, one tagged vip), Brazil (tagged vip and retail, in Portuguese) and Portugal (retail)."""
    _, ctx = sign_up(session, email="boss@example.com")
    today = today_of(session, ctx)
    for n, (phone, locale, tags) in enumerate(
        [
            ("+393471230001", "it", ["vip"]),
            ("+393471230002", "it", []),
            ("+5511987650002", "pt_BR", ["vip", "retail"]),
            ("+351912000002", "pt_PT", ["retail"]),
        ]
    ):
        debtor_id, _ = debtor_with_invoice(
            session, ctx, phone=phone, number=f"W-{n}", due=today - timedelta(days=5), locale=locale
        )
        debtor = session.get(Debtor, debtor_id)
        assert debtor is not None
        debtor.tags = tags
        session.add(debtor)
    session.commit()


def test_chips_of_countries_tags_and_languages_move_the_count_at_once(session: Session) -> None:
    _world(session)
    state = _page(session, "boss@example.com")
    assert state.count_invoices == "4"
    assert [(c["value"], c["label"], c["debtors"]) for c in state.countries_offered] == [
        ("BR", "Brazil", "1"),
        ("IT", "Italy", "2"),
        ("PT", "Portugal", "1"),
    ]
    assert [(c["value"], c["debtors"]) for c in state.tags_offered] == [("retail", "2"), ("vip", "2")]
    assert [(c["value"], c["label"]) for c in state.languages_offered] == [("it", "Italian"), ("pt", "Portuguese")]

    CampaignLaunchState.add_chip.fn(state, "countries", "BR")
    assert state.count_invoices == "1"
    CampaignLaunchState.add_chip.fn(state, "countries", "PT")
    assert state.count_invoices == "2"
    assert [c["label"] for c in state.countries] == ["Brazil", "Portugal"]
    assert [c["value"] for c in state.countries_offered] == ["IT"], "a chosen country is not offered again"
    CampaignLaunchState.add_chip.fn(state, "tags", "vip")
    assert state.count_invoices == "1"
    CampaignLaunchState.add_chip.fn(state, "tags", "retail")
    assert state.count_invoices == "2"
    CampaignLaunchState.remove_chip.fn(state, "countries", "PT")
    assert state.count_invoices == "1"
    CampaignLaunchState.remove_chip.fn(state, "countries", "BR")
    CampaignLaunchState.remove_chip.fn(state, "tags", "retail")
    assert state.count_invoices == "2"  # the vip debtors: one in Italy, one in Brazil
    CampaignLaunchState.add_chip.fn(state, "languages", "it")
    assert state.count_invoices == "1"
    CampaignLaunchState.add_chip.fn(state, "languages", "pt")
    assert state.count_invoices == "2"

    # Saved, then picked again on a fresh page: the same chips and the same count.
    CampaignLaunchState.save_segment.fn(state, {"segment_name": "VIP speakers"})
    fresh = _page(session, "boss@example.com")
    CampaignLaunchState.use_segment.fn(fresh, fresh.saved_segments[0]["value"])
    assert [c["value"] for c in fresh.tags] == ["vip"]
    assert [c["label"] for c in fresh.languages] == ["Italian", "Portuguese"]
    assert fresh.count_invoices == "2"


def test_forged_values_are_refused_beside_their_field(session: Session) -> None:
    _world(session)
    state = _page(session, "boss@example.com")
    for name, forged in [("countries", "FR"), ("countries", "XX"), ("tags", "secret"), ("languages", "de")]:
        CampaignLaunchState.add_chip.fn(state, name, forged)
        assert state.error_field == name, (name, forged)
        assert "choose one from the list" in state.error
        assert getattr(state, name) == []
        assert state.count_invoices == "4"
    CampaignLaunchState.set_rule.fn(state, "currency", "XYZ")
    assert (state.error_field, state.error, state.currency) == ("currency", "Choose one from the list.", "any")
    CampaignLaunchState.set_rule.fn(state, "min_days", "9" * 41)
    assert (state.error_field, state.min_days) == ("min_days", "")
    for handler, args in [
        ("add_chip", ("statuses", "paid")),
        ("remove_chip", ("owner", "x")),
        ("set_rule", ("org", "1")),
    ]:
        result = getattr(CampaignLaunchState, handler).fn(state, *args)
        assert "That request was not valid." in str(result.args), handler


def test_a_viewer_cannot_launch(session: Session) -> None:
    ctx, cadence_id, _ = _org(session)
    add_member(session, ctx, "viewer", email="look@example.com")
    state = _page(session, "look@example.com")
    assert state.count_invoices == "3"  # a viewer may look
    state.cadence = str(cadence_id)
    CampaignLaunchState.launch_campaign.fn(state, {"name": "X"})
    CampaignLaunchState.save_segment.fn(state, {"segment_name": "Mine"})
    assert session.exec(select(Enrollment)).all() == []
    assert state.saved_segments == []
