from django import forms

from careloop.lib.text import SingleLineForm

from .kinds import SECTION_LIMIT
from .models import Channel


class LetterForm(SingleLineForm, forms.Form):
    def __init__(self, *args, letter, **kwargs):
        super().__init__(*args, **kwargs)
        for section in letter.kind_info.sections:
            self.fields[section.code] = forms.CharField(
                label=section.title,
                help_text=section.help
                + (
                    " Required in your own words: any starting text filled in for you "
                    "is not enough to sign."
                    if section.own_words
                    else ""
                ),
                required=False,
                max_length=SECTION_LIMIT,
                initial=letter.sections.get(section.code, ""),
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": SECTION_LIMIT}),
            )


class SendForm(SingleLineForm, forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, label="Send by")


class WithdrawForm(SingleLineForm, forms.Form):
    reason = forms.CharField(
        label="What needs amending",
        max_length=500,
        error_messages={
            "required": "Say what needs amending, so the history shows why it was withdrawn."
        },
    )


class FeedbackForm(SingleLineForm, forms.Form):
    usefulness = forms.TypedChoiceField(
        coerce=int,
        label="How useful was this report?",
        widget=forms.RadioSelect,
        choices=[
            (5, "Very useful"),
            (4, "Useful"),
            (3, "Somewhat"),
            (2, "Not very"),
            (1, "Not useful"),
        ],
    )
    refer_again = forms.ChoiceField(
        label="Would you refer to us again?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("maybe", "Maybe"), ("no", "No")],
    )
    about_client = forms.CharField(
        required=False,
        max_length=2000,
        label="Anything we should know about your patient?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    comments = forms.CharField(
        required=False,
        max_length=2000,
        label="Other comments",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
