"""The password rule: long enough, and not easy to guess (zxcvbn's estimate, offline), with advice on what to do.

zxcvbn (Dropbox's estimator, kept on PyPI as `zxcvbn`) knows the most used passwords, common words and
names, keyboard rows, repeats, sequences and dates, and the words it is given about the person; it
estimates how many guesses an attacker needs. Its own feedback is English text, so the advice here is
ours, chosen from the patterns it found, and translated like every other message.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from zxcvbn import zxcvbn

from saas_app.i18n import N_

MIN_LENGTH = 10
# At least a billion guesses. zxcvbn's score 3 starts at 10^8, which lets "alpha2026Company" through for
# Alpha Company's owner; score 4 (10^10) would refuse a random 10-character password such as "Kx9#mP2qL!".
MIN_GUESSES_LOG10 = 9.0
# zxcvbn refuses longer input (its matching slows down with length); a password past it is strong anyway.
CHECKED_LENGTH = 72
_WORD = re.compile(r"[^\W_]{3,}")

TOO_SHORT = N_("Use at least {count} characters for the password.")
PERSONAL = N_(
    "Do not build the password from your name, email or company name: "
    "someone who knows you would guess it. Add a few unrelated words."
)
COMMON_PASSWORD = N_(
    "This is, or is built on, one of the most used passwords. Choose three or four unrelated words instead."
)
NAMES = N_("Names are easy to guess. Add a few unrelated words.")
COMMON_WORDS = N_("Common words and phrases are easy to guess. Add another word or two that do not go together.")
KEYBOARD = N_("Rows of keys such as 'qwerty' are easy to guess. Use a few unrelated words instead.")
REPEATS = N_("Repeated characters or words such as 'aaaa' are easy to guess. Use a few unrelated words instead.")
SEQUENCE = N_("Sequences such as 'abcd' or '1234' are easy to guess. Use a few unrelated words instead.")
DATES = N_("Dates and years are easy to guess. Add a few unrelated words instead.")
EASY = N_("This password is easy to guess. Use three or four unrelated words, or a longer mix of characters.")

_DICTIONARY_ADVICE = {
    "user_inputs": PERSONAL,
    "passwords": COMMON_PASSWORD,
    "surnames": NAMES,
    "male_names": NAMES,
    "female_names": NAMES,
}
_PATTERN_ADVICE = {"spatial": KEYBOARD, "repeat": REPEATS, "sequence": SEQUENCE, "date": DATES, "regex": DATES}
HINT = N_(
    "At least 10 characters, hard to guess: a few unrelated words work well. "
    "Not your name, email or company name, nor a common password."
)


def personal_words(texts: Iterable[str]) -> list[str]:
    """What a password must not be built on: each text (a name, an email, a company) whole and word by word."""
    words: list[str] = []
    for text in texts:
        lowered = text.strip().lower()
        if lowered:
            words += [lowered, *_WORD.findall(lowered)]
    return list(dict.fromkeys(words))


def weakness(password: str, about: Sequence[str] = ()) -> str | None:
    """Why the password will not do (a message to translate, with {count} for the length), or None if it will.

    `about` is what we know of its owner: their name, email and company, which make a password easy to
    guess for someone who knows them.
    """
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    estimate = zxcvbn(password[:CHECKED_LENGTH], user_inputs=personal_words(about))
    if estimate["guesses_log10"] >= MIN_GUESSES_LOG10:
        return None
    return _advice(estimate["sequence"])


def _advice(sequence: Sequence[Mapping[str, Any]]) -> str:
    """Advice for the pattern that makes the password weak: built on the person first, else the longest one."""
    patterns = [match for match in sequence if match["pattern"] != "bruteforce"]
    if any(match.get("dictionary_name") == "user_inputs" for match in patterns):
        return PERSONAL
    if not patterns:
        return EASY
    longest = max(patterns, key=lambda match: len(match["token"]))
    if longest["pattern"] == "dictionary":
        return _DICTIONARY_ADVICE.get(longest["dictionary_name"], COMMON_WORDS)
    return _PATTERN_ADVICE.get(longest["pattern"], EASY)
