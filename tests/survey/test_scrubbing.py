"""Personal data removed from comments: emails, UK phone numbers, National Insurance numbers."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from performance_platform.survey.scrubbing import (
    EMAIL_REMOVED,
    NINO_REMOVED,
    PHONE_REMOVED,
    scrub,
)

PHONES = [
    "07700 900123",
    "07700900123",
    "07700-900-123",
    "07700 900 123",
    "+44 7700 900123",
    "+447700900123",
    "+44 (0)7700 900123",
    "0044 7700 900123",
    "(+44) 7700 900123",
    "020 7946 0018",
    "(020) 7946 0018",
    "020-7946-0018",
    "020.7946.0018",
    "+44 20 7946 0018",
    "+44 (0) 20 7946 0018",
    "0161 496 0000",
    "0161-496-0000",
    "(0161) 496 0000",
    "01632 960123",
    "01632 960 123",
    "016977 2345",
    "0800 123 4567",
    "0800 1234567",
    "0300 123 1234",
    "03001231234",
    "0845 600 0000",
]
EMAILS = [
    "jo@example.com",
    "Jo.Bloggs@example.co.uk",
    "jo.bloggs+survey@sub.example.gov.uk",
    "first_last-99@example-mail.org",
    "JO@EXAMPLE.COM",
    "o'neil@example.ie",
    "jo @ example.com",
    "jo(at)example(dot)com",
]
NINOS = [
    "QQ123456C",
    "QQ 12 34 56 C",
    "qq 12 34 56 c",
    "QQ-12-34-56-C",
    "AB123456D",
    "AB 123456 A",
    "QQ123456",
    "QQ 123 456 C",
]
KEPT = [
    "It took 3 days and cost £120.50.",
    "I applied in 2024 and again on 12/03/2025.",
    "Page 2 of 10 was confusing; step 4 too.",
    "Reference 12345 worked.",
    "The 0800 helpline was closed",
    "Open 9am to 5pm, Monday to Friday",
    "Version 1.2.3",
    "Call on 123456 and",
    "",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_removed(phone):
    out = scrub(f"Please call me on {phone} after 6pm.")
    assert out == f"Please call me on {PHONE_REMOVED} after 6pm."


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_removed(email):
    out = scrub(f"Write to {email}, thanks")
    assert out == f"Write to {EMAIL_REMOVED}, thanks"


@pytest.mark.parametrize("nino", NINOS)
def test_national_insurance_numbers_are_removed(nino):
    out = scrub(f"My NI number is {nino} and it was refused")
    assert out == f"My NI number is {NINO_REMOVED} and it was refused"


@pytest.mark.parametrize("text", KEPT)
def test_other_numbers_are_kept(text):
    assert scrub(text) == text


def test_several_in_one_comment():
    text = "Email jo@example.com or ring 07700 900123; NI QQ123456C.\nThanks"
    assert scrub(text) == (
        f"Email {EMAIL_REMOVED} or ring {PHONE_REMOVED}; NI {NINO_REMOVED}.\nThanks"
    )


# --- generated formats -------------------------------------------------------------------

_SEPARATORS = st.sampled_from(["", " ", "-", ".", "\u00a0"])
_WORDS = st.text(
    alphabet=st.characters(
        categories=("Ll", "Lu", "Zs"), exclude_characters="@", max_codepoint=0x24F
    ),
    max_size=30,
)


@st.composite
def uk_phone(draw) -> tuple[str, str]:
    """A UK number written as people write them: (text, its digits after the 0)."""
    national = draw(st.sampled_from(["7", "1", "2", "3", "8"])) + draw(
        st.text(alphabet="0123456789", min_size=9, max_size=9)
    )
    if national[0] == "1" and draw(st.booleans()):
        national = national[:-1]  # some areas have 9 digits after the 0
    sep = draw(_SEPARATORS)
    split = draw(st.integers(min_value=2, max_value=5))
    body = national[:split] + sep + national[split:]
    prefix = draw(st.sampled_from(["0", "+44 ", "+44", "0044 ", "+44 (0)", "(0"]))
    if prefix == "(0":
        return f"(0{national[:split]}) {national[split:]}", national
    return prefix + body, national


@settings(max_examples=300, deadline=None)
@given(phone=uk_phone(), before=_WORDS, after=_WORDS)
def test_generated_phone_numbers_leave_no_digits(phone, before, after):
    text, digits = phone
    out = scrub(f"{before} {text} {after}")
    assert PHONE_REMOVED in out
    assert not re.search(r"\d{3}", out.replace(PHONE_REMOVED, "")), out


@st.composite
def nino(draw) -> str:
    letters = draw(st.text(alphabet="ABCEGHJKLMNPRSTWXYZ", min_size=2, max_size=2))
    digits = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    suffix = draw(st.sampled_from(["A", "B", "C", "D", ""]))
    sep = draw(st.sampled_from(["", " ", "-"]))
    pairs = sep.join(digits[i : i + 2] for i in (0, 2, 4))
    text = f"{letters}{sep}{pairs}{sep if suffix else ''}{suffix}"
    # Lower case counts written together or with the last letter (see scrubbing._NINO).
    lower_counts = suffix or not sep
    return text.lower() if lower_counts and draw(st.booleans()) else text


@settings(max_examples=300, deadline=None)
@given(number=nino(), before=_WORDS, after=_WORDS)
def test_generated_national_insurance_numbers_are_removed(number, before, after):
    out = scrub(f"{before} {number} {after}")
    assert NINO_REMOVED in out
    assert not re.search(r"\d", out), out


@st.composite
def email(draw) -> str:
    part = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
    local = draw(part) + draw(st.sampled_from(["", ".", "+", "_", "-"])) + draw(part)
    domain = ".".join(draw(st.lists(part, min_size=2, max_size=3)))
    text = f"{local}@{domain}"
    return text.upper() if draw(st.booleans()) else text


@settings(max_examples=300, deadline=None)
@given(address=email(), before=_WORDS, after=_WORDS)
def test_generated_emails_are_removed(address, before, after):
    out = scrub(f"{before} {address} {after}")
    assert EMAIL_REMOVED in out
    assert "@" not in out


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_scrubbing_any_text_never_fails_and_settles(text):
    once = scrub(text)
    assert isinstance(once, str)
    assert scrub(once) == once
