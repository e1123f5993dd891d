"""The demo practices' websites: page texts, clinician profiles with stand-in
portraits (initials on a colour, made with Pillow), and a few articles, published."""

from django.core.files.uploadedfile import SimpleUploadedFile

from careloop.audit.actions import COMMAND
from careloop.practices.models import ClinicianProfile, Role, User, clinicians_of

from . import actions, images, theme

PROFILES = 4  # the first few clinicians get a public profile; the rest stay off the site

BIOS = [
    (
        "{first} founded {practice} after ten years in community mental health. She works "
        "with adults facing anxiety, panic and the after-effects of trauma, using CBT and "
        "EMDR.\n\nShe also supervises early-career psychologists.",
        ["English", "Greek"],
    ),
    (
        "{first} sees adults and couples. Their approach is warm and practical: "
        "acceptance and commitment therapy, schema therapy and Gottman-informed couples "
        "work.\n\nEvening appointments on Tuesdays and Thursdays.",
        ["English", "Vietnamese"],
    ),
    (
        "{first} works with new and expecting parents, and with families after a "
        "difficult birth or loss. Sessions in the rooms or by video.",
        ["English", "Mandarin"],
    ),
    (
        "{first} is an accredited mental health social worker who helps people through "
        "grief, relationship breakdown and big life changes.",
        ["English", "Auslan"],
    ),
]

HOME_MD = (
    "{practice} is a team of psychologists and therapists in {suburb}. We help adults, "
    "couples and new parents with anxiety, low mood, trauma and the strain of big life "
    "changes.\n\n"
    "You can see us with a referral from your GP under a **Mental Health Treatment Plan**, "
    "which gives a Medicare rebate for up to 10 sessions a calendar year, or without one at "
    "our private fee. Sessions are in our rooms near the ferry, or by video."
)
ABOUT_MD = (
    "We are an independent practice. We keep your GP informed (with your consent) so your "
    "care fits together, and we tell you at the start what each session costs."
)
DOCTORS_MD = (
    "We take referrals for adults, couples and perinatal clients. Tell us if a referral is "
    "urgent: we hold appointments each week for urgent referrals. We send you an "
    "acknowledgement when your patient is booked and a report at the end of each course."
)

# Adapted from the article this product grew from (shared seed): a practice's own
# post, to clients, about why it works with their GP.
ARTICLES = [
    (
        "Why we like to work with your GP",
        "A referral from your doctor can improve your care and save you money. Here is why.",
        "You don't need a doctor's referral to see a psychologist. But we often suggest one, "
        "for two reasons.\n\n"
        "## Your care fits together\n\n"
        "Your GP is often the person who looks after your health as a whole. With your "
        "consent, we send them a short update: the symptoms we are working on, the plan, "
        "and how things are going. We don't send the details of what you tell us.\n\n"
        "People with a mental health condition are more likely to have another health "
        "problem as well, so it helps when the people caring for you talk to each other.\n\n"
        "## It can cost you less\n\n"
        "If your GP prepares a **Mental Health Treatment Plan**, you can claim a Medicare "
        "rebate for up to 10 individual sessions each calendar year. A referral covers up to "
        "6 sessions; your GP then reviews how you are going and can refer you for more.\n\n"
        "## How to start\n\n"
        "Book a long appointment with your GP and ask about a Mental Health Treatment Plan. "
        "Ask them to send the referral to us, or bring it with you to your first session.",
    ),
    (
        "Sleep and worry: five things that help",
        "",
        "Worry and poor sleep feed each other. These small changes help many people.\n\n"
        "1. Get up at the same time every day, even after a bad night.\n"
        "2. Keep the bed for sleep: if you are awake and worrying for a long time, get up "
        "and do something quiet until you feel sleepy.\n"
        "3. Set aside *worry time* early in the evening: write the worries down, and what "
        "you could do about each.\n"
        "4. Cut caffeine after midday.\n"
        '5. Notice the thought "I\'ll never get to sleep" and let it pass, without arguing '
        "with it.\n\n"
        "If poor sleep goes on for weeks, talk to your GP or to us.",
    ),
    (
        "Starting therapy: what the first session is like",
        "",
        "Many people feel nervous before a first session. It is mostly a conversation: "
        "what brings you here, what you would like to be different, and what has helped "
        "before.\n\n"
        "We will explain confidentiality and its limits, talk about fees and rebates, and "
        "agree on a plan together. You are welcome to bring a support person.",
    ),
]

_WAITS = [(12, 1), (6, 2), (21, 0), (9, 1)]


def build(practice) -> None:
    owner = User.objects.filter(practice=practice, role=Role.OWNER, is_active=True).first()
    if owner is None:
        return
    names = {"suburb": practice.suburb, "practice": practice.name}
    site = actions.site_of(practice)
    actions.save_site_draft(
        site,
        {
            "tagline": f"Psychology for adults, couples and new parents in {practice.suburb}",
            "description": f"{practice.name}: psychologists in {practice.suburb} for anxiety, "
            "trauma, couples and perinatal support. Medicare rebates with a GP referral.",
            "home_md": HOME_MD.format(**names),
            "about_md": ABOUT_MD,
            "doctors_md": DOCTORS_MD,
            "secure_messaging": f"HealthLink EDI: {practice.slug}psy · Medical Objects: "
            f"{practice.slug.upper()}2089",
            "brand_colour": theme.DEFAULT_BRAND,
            "accent_colour": theme.DEFAULT_ACCENT,
            "services": {
                niche.code: f"Our clinicians help with {niche.name.lower()}. We start by "
                "understanding what is happening for you, then agree on a plan built on "
                "therapies with good evidence."
                for niche in practice.niches.all()
            },
        },
        by=owner,
        via=COMMAND,
    )
    people = list(clinicians_of(practice)[:PROFILES])
    for index, person in enumerate(people):
        bio, languages = BIOS[index % len(BIOS)]
        initials = "".join(part[0] for part in person.full_name.split()[:2]).upper()
        colour = theme.PALETTE[index % len(theme.PALETTE)][0]
        actions.save_clinician_draft(
            actions.page_of(person),
            {
                "public": True,
                "bio_md": bio.format(first=person.full_name.split()[0], practice=practice.name),
                "languages": languages,
            },
            photo_upload=SimpleUploadedFile(
                f"{initials}.png", images.initials_portrait(initials, colour, 480)
            ),
            by=owner,
            via=COMMAND,
        )
        wait, urgent = _WAITS[index % len(_WAITS)]
        ClinicianProfile.objects.filter(user=person, current_wait_days=None).update(
            current_wait_days=wait, urgent_slots_this_week=urgent
        )
    for title, summary, body in ARTICLES:
        actions.save_article_draft(
            None,
            {"title": title, "summary": summary, "body_md": body},
            practice=practice,
            by=owner,
            via=COMMAND,
        )
    actions.publish_everything(practice, by=owner, via=COMMAND)
