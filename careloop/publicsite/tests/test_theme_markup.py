import pytest

from careloop.publicsite import images, markup, theme


def test_contrast_ratio_matches_wcag_reference_values():
    assert theme.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WebAIM's checker: #767676 on white is 4.54:1, the lightest grey that passes AA.
    assert theme.contrast_ratio("#767676", "#fff") == pytest.approx(4.54, abs=0.01)
    assert theme.contrast_ratio("#777777", "#ffffff") < theme.AA_NORMAL_TEXT


def test_every_palette_colour_passes_aa_with_white_text():
    for colour, _name in theme.PALETTE:
        assert theme.check_brand_colour(colour) == colour


def test_a_light_colour_is_refused_with_its_ratio():
    with pytest.raises(theme.ColourError, match="too light.*1.9:1"):
        theme.check_brand_colour("#ffaa00")


@pytest.mark.parametrize("typed", ["#0F5E5A", "0f5e5a"])
def test_colours_are_normalised(typed):
    assert theme.check_brand_colour(typed) == "#0f5e5a"


@pytest.mark.parametrize("typed", ["red", "#12345", "#gggggg", "javascript:1"])
def test_a_colour_that_is_not_hex_is_refused(typed):
    with pytest.raises(theme.ColourError):
        theme.normalise(typed)


def test_markdown_loses_scripts_event_handlers_and_javascript_links():
    html = markup.markdown_to_html(
        "Hello\n\n<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        '[click](javascript:alert(1)) and <a href="javascript:alert(2)">here</a>\n\n'
        "[safe](https://example.com.au)"
    )
    assert "<script" not in html and "alert('x')" not in html
    assert "onerror" not in html and "<img" not in html
    # Neither the Markdown link nor the HTML one survives as a link (the Markdown
    # one stays as harmless text).
    assert 'href="javascript' not in html and html.count("<a ") == 2
    assert '<a rel="noopener">here</a>' in html
    assert '<a href="https://example.com.au" rel="noopener">safe</a>' in html


def test_markdown_keeps_headings_lists_and_emphasis_and_demotes_h1():
    html = markup.markdown_to_html("# Title\n\n- one\n- **two**\n")
    assert "<h2>Title</h2>" in html and "<h1>" not in html
    assert "<li><strong>two</strong></li>" in html


def test_plain_summary_is_text_and_cut_at_a_word():
    summary = markup.plain_summary("Some *words* & more " * 20, limit=40)
    assert (
        len(summary) <= 40
        and summary.endswith("…")
        and "*" not in summary
        and "&amp;" not in summary
    )


def test_image_variants_are_webp_no_wider_than_the_original():
    png = images.initials_portrait("AB", "#0f5e5a", size=500)
    (width, height), made = images.variants(png)
    assert (width, height) == (500, 500)
    assert [v.width for v in made] == [160, 320, 500]
    assert all(v.data[8:12] == b"WEBP" for v in made)


def test_a_file_that_is_not_an_image_is_refused():
    with pytest.raises(images.ImageError):
        images.variants(b"%PDF-1.4 not an image")
