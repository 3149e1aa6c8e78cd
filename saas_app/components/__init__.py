"""The UI's one vocabulary: every page is built from these, named by what they show.

- layout: the page frames (public, signed-in with its sidebar), page header, section cards, tab links,
  empty states.
- table: `data_table` (columns, rows, row renderer, empty state, pager, sortable headers) and `pager`.
- filters: `filter_bar` above a list (`filter_search`, `filter_menu`, `filter_date`, clear) and `no_match`.
- badges: `status_badge` with the domain's colours in one place, `role_badge`.
- forms: `field` with its inline error, `picker` (a labelled list to choose from, same error), `form_error`,
  `secret_field`, `save_bar`, `shown_once`.
- stats: `stat_card`, a labelled figure with what it counts.
- charts: funnel, area and bar charts over rx.recharts, in the app's palette.
- whatsapp: `whatsapp_bubble`, the message as the debtor sees it on WhatsApp.
- dialogs: `confirm_dialog` before anything that cannot be undone.
"""
