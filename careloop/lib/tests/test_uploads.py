import pytest

from careloop.lib.uploads import download_name


@pytest.mark.parametrize(
    ("sent", "content_type", "expected"),
    [
        ("evil.html", "application/pdf", "evil.pdf"),
        ("scan.PDF", "application/pdf", "scan.pdf"),
        ("photo.heic", "image/jpeg", "photo.jpg"),
        ("Letter 12.03.2026.pdf", "application/pdf", "Letter 12-03-2026.pdf"),
        ("C:\\Users\\gp\\letter.exe", "image/tiff", "letter.tif"),
        ('a"b\r\nContent-Type: x.html', "application/pdf", "a-b-Content-Type- x.pdf"),
        (".htaccess", "application/pdf", "document.pdf"),
        ("", "image/png", "document.png"),
        ("mystery", "application/x-unknown", "mystery.bin"),
    ],
)
def test_the_download_name_takes_its_extension_from_the_detected_type(sent, content_type, expected):
    assert download_name(sent, content_type) == expected
