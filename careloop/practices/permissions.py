"""Who may do what: one place to read it, one place to change it.

Roles decide, not professions: a receptionist who is also a trained counsellor reads no
clinical notes and signs no clinical report until the owner makes them a clinician.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .roles import Role

if TYPE_CHECKING:
    from .models import User


def is_treating_clinician(user: User) -> bool:
    """A clinician, or an owner who is also a clinician (has a clinician profile)."""
    if not user.is_active:
        return False
    if user.role == Role.CLINICIAN:
        return True
    return user.role == Role.OWNER and hasattr(user, "clinician_profile")


def may_read_clinical_notes(user: User) -> bool:
    return is_treating_clinician(user)


def may_sign_clinical_letters(user: User) -> bool:
    """Reports, plans and summaries carry a clinician's professional opinion."""
    return is_treating_clinician(user)


def may_approve_administrative_letters(user: User) -> bool:
    """An acknowledgement says a referral arrived and when the client is booked: any
    member of the practice may check and send it, for the practice."""
    return user.is_active and user.practice_id is not None


def may_follow_up_risk_alerts(user: User) -> bool:
    return is_treating_clinician(user)


def may_manage_practice(user: User) -> bool:
    """Team, settings, two-factor policy, the audit log."""
    return user.is_active and user.role == Role.OWNER


def starts_on_own_work(user: User) -> bool:
    """Not a permission but a default: a clinician's lists (sessions, letters due) open
    on their own work, with everyone's one click away. Owners and reception look after
    the whole practice, so theirs open on everyone's."""
    return is_treating_clinician(user) and user.role != Role.OWNER


def may_handle_enquiries(user: User) -> bool:
    """Enquiries from the website: the front desk and the owners answer them."""
    return user.is_active and user.role in (Role.OWNER, Role.ADMIN)


def may_publish_website(user: User) -> bool:
    """Anyone in the practice may edit the public site's drafts; what the public reads
    is the owner's call."""
    return user.is_active and user.role == Role.OWNER
