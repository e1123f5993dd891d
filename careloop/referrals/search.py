"""What the referral inbox's search finds a referral by, besides its client's and its
doctor's names (searched in their own records)."""

from careloop.web.textsearch import words_of


def text_of(referral) -> str:
    """Referral.search_text: the reference and the reason."""
    return " ".join(words_of(referral.reference, referral.reason))
