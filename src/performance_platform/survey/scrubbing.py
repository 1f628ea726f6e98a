"""Removing personal data from survey comments before they are stored.

A comment box invites people to write "call me on 07700 900123" or their National
Insurance number. Those never reach the database: email addresses, UK phone numbers and
National Insurance numbers are replaced with a marker (``[email removed]`` and so on), so
the manager reading the comment still sees that something was there.

The patterns lean towards removing too much: a reference number shaped like a phone
number goes too, which costs the service little, where a phone number kept costs a
person their privacy.
"""

import re

EMAIL_REMOVED = "[email removed]"
PHONE_REMOVED = "[phone number removed]"
NINO_REMOVED = "[National Insurance number removed]"

# Separators people put inside numbers: spaces (any, including non-breaking), hyphens,
# dashes, dots, slashes and brackets.
_SEP = r"[\s\-\u2010-\u2015./()]*"

# An address: a local part, "@" (spaces around it allowed, as people type "me @ x.com"),
# and a domain with at least one dot. Written loosely: anything that looks like one goes.
_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+",
    re.IGNORECASE,
)

# A National Insurance number: two letters, six digits, and (usually) a letter A to D,
# with or without spaces or hyphens between the pairs ("QQ 12 34 56 C", "qq123456c").
# The letters are those HMRC's prefixes use (no D, F, I, Q, U or V; no O second), plus
# "QQ", the example everyone copies. In lower case a number counts only written together
# or with its last letter, so that words stay words: "on 016977 2345" is a phone number.
_PREFIX = r"(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ)"
_NINO = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    rf"{_PREFIX}(?:{_SEP}\d){{6}}(?:{_SEP}[A-D])?"
    rf"|(?i:{_PREFIX}(?:{_SEP}\d){{6}}{_SEP}[A-D])"
    rf"|(?i:{_PREFIX}\d{{6}}[A-D]?)"
    r")(?![A-Za-z0-9])"
)

# A UK phone number: +44, 0044 or (+44) with an optional "(0)", then 9 or 10 digits; or a
# national number, 0 then 9 or 10 more digits (020 7946 0018, 07700 900123,
# 0800 123 4567, (01632) 960123). Separators may fall anywhere between the digits.
_PHONE = re.compile(
    rf"(?<![\w+])(?:"
    rf"(?:\(?\s*(?:\+|00){_SEP}4{_SEP}4\s*\)?){_SEP}(?:\(\s*0\s*\){_SEP})?\d(?:{_SEP}\d){{8,9}}"
    rf"|\(?\s*0(?:{_SEP}\d){{9,10}}"
    rf")(?![\d])"
)


def scrub(text: str) -> str:
    """``text`` with email addresses, UK phone numbers and National Insurance numbers
    replaced by markers. Emails go first: an address may hold digits a phone pattern
    would otherwise take half of."""
    text = _EMAIL.sub(EMAIL_REMOVED, text)
    text = _NINO.sub(NINO_REMOVED, text)
    return _PHONE.sub(PHONE_REMOVED, text)
