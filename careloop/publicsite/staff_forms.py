"""The staff app's forms for the public website's drafts."""

from django import forms
from django.core.exceptions import ValidationError

from careloop.lib.text import SingleLineForm

from . import hosts, images, theme
from .models import PublicSite

_PALETTE_HELP = "Choose one of: " + ", ".join(f"{name} {hex_}" for hex_, name in theme.PALETTE)


def _colour_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=7,
        help_text=f"As # and six hexadecimal digits. It must be dark enough for white text "
        f"(contrast at least 4.5:1). {_PALETTE_HELP}, or your own.",
    )


def _clean_image(uploaded):
    if not uploaded:
        return uploaded
    try:
        images.variants(uploaded.read(), widths=(images.WIDTHS[0],))
    except images.ImageError as error:
        raise ValidationError(str(error)) from None
    uploaded.seek(0)
    return uploaded


class SiteForm(SingleLineForm, forms.Form):
    tagline = forms.CharField(
        label="Tagline", max_length=120, help_text="Under the name on the home page."
    )
    description = forms.CharField(
        label="Description for search engines",
        max_length=170,
        help_text="One sentence, up to 170 characters; search results show it under the name.",
    )
    home_md = forms.CharField(
        label="Home page text",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
        help_text="Markdown: a blank line between paragraphs, **bold**, [a link](https://…).",
    )
    about_md = forms.CharField(
        label="About the practice",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=10000,
    )
    doctors_md = forms.CharField(
        label="For doctors: introduction",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=10000,
    )
    secure_messaging = forms.CharField(
        label="Secure messaging details",
        required=False,
        max_length=300,
        help_text="How doctors reach you by secure messaging, for example "
        "“HealthLink EDI: harbourp; Medical Objects: HB2088000”.",
    )
    brand_colour = _colour_field("Main colour")
    accent_colour = _colour_field("Button and link colour")
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG or WebP, up to 5 MB. Leave empty to keep the current one.",
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.webp"}),
    )

    def __init__(self, *args, niches=(), site=None, may_set_domain=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.niche_codes = []
        for niche in niches:
            name = f"service_{niche.code}"
            self.fields[name] = forms.CharField(
                label=f"Service page: {niche.name}",
                required=False,
                max_length=10000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            self.niche_codes.append(niche.code)
        if may_set_domain:
            self.fields["domain"] = forms.CharField(
                label="Your own web address",
                required=False,
                max_length=253,
                help_text=PublicSite._meta.get_field("domain").help_text,
            )

    def clean_brand_colour(self):
        return self._colour("brand_colour")

    def clean_accent_colour(self):
        return self._colour("accent_colour")

    def _colour(self, name):
        try:
            return theme.check_brand_colour(self.cleaned_data[name])
        except theme.ColourError as error:
            raise ValidationError(str(error)) from None

    def clean_logo(self):
        return _clean_image(self.cleaned_data.get("logo"))

    def clean_domain(self):
        value = hosts.normalise_domain(self.cleaned_data.get("domain", ""))
        if not value:
            return ""
        if "." not in value or not all(part.isascii() for part in value):
            raise ValidationError("Enter a web address such as www.yourpractice.com.au.")
        taken = PublicSite.objects.with_scopes_disabled().filter(domain=value)
        if self.site is not None and self.site.pk:
            taken = taken.exclude(pk=self.site.pk)
        if taken.exists():
            raise ValidationError("Another practice already uses this web address.")
        return value

    def values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("service_")}
        data["services"] = {
            code: self.cleaned_data.get(f"service_{code}", "") for code in self.niche_codes
        }
        data.pop("logo", None)
        data.pop("domain", None)
        return data

    @staticmethod
    def initial_from(draft: dict, domain: str | None) -> dict:
        initial = {k: v for k, v in draft.items() if isinstance(v, str)}
        for code, service in (draft.get("services") or {}).items():
            initial[f"service_{code}"] = service.get("md", "")
        initial["domain"] = domain or ""
        return initial


class ClinicianPageForm(SingleLineForm, forms.Form):
    public = forms.BooleanField(
        label="Show this profile on the website",
        required=False,
        help_text="Once published. Profession, areas of practice, wait time and whether they "
        "take new clients come from the clinician's details and openings.",
    )
    bio_md = forms.CharField(
        label="About",
        required=False,
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown. Training, approach, who they like to work with.",
    )
    languages = forms.CharField(
        label="Languages",
        required=False,
        max_length=200,
        help_text="Separated by commas, for example “English, Vietnamese”.",
    )
    photo = forms.FileField(
        label="Photo",
        required=False,
        help_text="PNG, JPEG or WebP, up to 5 MB; square looks best.",
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.webp"}),
    )
    remove_photo = forms.BooleanField(label="Remove the photo", required=False)

    def clean_photo(self):
        return _clean_image(self.cleaned_data.get("photo"))

    def values(self) -> dict:
        return {
            "public": self.cleaned_data["public"],
            "bio_md": self.cleaned_data["bio_md"],
            "languages": self.cleaned_data["languages"].split(","),
        }


class ArticleForm(SingleLineForm, forms.Form):
    title = forms.CharField(label="Title", max_length=160)
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=300,
        help_text="One or two sentences for the list of articles and search results. Left "
        "empty, the start of the article is used.",
    )
    body_md = forms.CharField(
        label="Article",
        max_length=40000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="Markdown: ## for a heading, a blank line between paragraphs, - for a list.",
    )
