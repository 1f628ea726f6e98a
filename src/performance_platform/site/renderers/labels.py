"""Names for people in place of the keys data is sent with: "paper_form" is "Paper form".

A module's ``labels`` option (``{key: label}``) names its groups; keys it does not name
get the name in :data:`KNOWN` (the channels services report, as the original platform
named them), and any other ``snake_case`` or ``kebab-case`` key is made a sentence
("phone_and_post" is "Phone and post"). A key that already reads as words ("Online",
"Other") is kept as it is.
"""

import re

#: Well-known keys, mostly the channels of ``transactions-by-channel`` data.
KNOWN = {
    "api": "API",
    "digital": "Digital",
    "online": "Online",
    "paper_form": "Paper form",
    "paper": "Paper",
    "post": "Post",
    "face_to_face": "Face to face",
    "telephone_human": "Telephone (human)",
    "telephone_automated": "Telephone (automated)",
    "telephone": "Telephone",
    "email": "Email",
    "sms": "Text message",
    "webchat": "Web chat",
    "assisted_digital": "Assisted digital",
    "desktop": "Desktop",
    "mobile": "Mobile",
    "tablet": "Tablet",
}

_KEY = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")


def label_for(key, labels: dict | None = None) -> str:
    """The name to show for ``key``: the module's own label, a known one, or the key as a
    sentence."""
    text = str(key)
    if labels and text in labels:
        return str(labels[text])
    if text in KNOWN:
        return KNOWN[text]
    if _KEY.match(text):
        words = re.sub(r"[_-]+", " ", text)
        return words[:1].upper() + words[1:]
    return text
