"""Careloop: closes the referral loop between doctors and mental-health therapists."""
