from saas_app.state.chat import bubble_row


def test_a_bubble_is_drawn_from_whatsapps_markers_line_by_line() -> None:
    row = bubble_row("Olá *Ana*,\n\nR$ _1.234,56_", footer="Cobro", buttons=["Já paguei"], status="read")
    assert [[span["text"] for span in line] for line in row["lines"]] == [["Olá ", "Ana", ","], [], ["R$ ", "1.234,56"]]
    assert row["lines"][0][1]["bold"]
    assert row["lines"][2][1]["italic"]
    assert (row["footer"], row["buttons"], row["status"], row["inbound"]) == ("Cobro", ["Já paguei"], "read", False)


def test_a_reply_cannot_reorder_what_the_team_reads() -> None:
    row = bubble_row("invoice \u202efdp.exe", inbound=True, buttons=["\u202eok"])
    shown = "".join(span["text"] for line in row["lines"] for span in line)
    assert shown == "invoice [U+202E]fdp.exe"
    assert row["buttons"] == ["[U+202E]ok"]
