"""Design tokens: the app's colours, sizes and widths, named by what they are for.

Pages and components use these names, never a colour literal, so a change of look is one edit.
Colours are Radix Themes variables: they follow the accent colour and light or dark appearance.
"""

ACCENT = "teal"  # Radix accent: buttons, links, the active navigation item
BRAND = "#0f766e"  # the logo

# Text
TEXT = "var(--gray-12)"
MUTED = "var(--gray-11)"  # one-line explanations, secondary figures
SUBTLE = "var(--gray-10)"  # timestamps, ids, what a figure counts
FAINT = "var(--gray-9)"  # icons of empty states and of waiting messages
DANGER = "var(--red-11)"  # an error said beside what it concerns

# Surfaces and lines
SURFACE = "var(--gray-1)"  # the sidebar
HOVER = "var(--gray-3)"
SELECTED = "var(--teal-3)"  # the current page, the open conversation
BORDER = "1px solid var(--gray-4)"
RADIUS = "8px"

# Layout
SIDEBAR_WIDTH = "240px"
CONTENT_WIDTH = "1100px"
FORM_WIDTH = "440px"  # sign-up, log-in and other single-card pages

# WhatsApp's own chat colours, so that a preview looks like the message the debtor will see.
CHAT_WALLPAPER = "#efeae2"
CHAT_OUTGOING = "#d9fdd3"
CHAT_INCOMING = "#ffffff"
CHAT_TEXT = "#111b21"
CHAT_META = "#667781"  # time and footer
CHAT_TICK_READ = "#53bdeb"
CHAT_BUTTON = "#027eb5"  # quick-reply buttons under a template


def tone(color: str, step: int) -> str:
    """A step of a Radix colour scale: tone("red", 10) is the red of an error icon."""
    return f"var(--{color}-{step})"
