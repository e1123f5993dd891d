"""Sized WebP variants of an uploaded image, for responsive `srcset`s.

Pure in the sense that matters: bytes in, bytes out; storage is the caller's business.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

WIDTHS = (160, 320, 640, 960)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
WEBP_QUALITY = 78


class ImageError(ValueError):
    pass


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    data: bytes


def variants(data: bytes, widths=WIDTHS) -> tuple[tuple[int, int], list[Variant]]:
    """The image's own size, and a WebP of each width narrower than it plus one at its
    own width (capped at the widest), so a small upload still has one. Orientation
    from EXIF is applied and metadata (camera, location) dropped."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError("The image is larger than 5 MB. Save a smaller copy and upload it.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageError("The image has too many pixels. Upload a smaller copy.")
            if probe.format not in {"JPEG", "PNG", "WEBP"}:
                raise ImageError("Upload a JPEG, PNG or WebP image.")
            image = ImageOps.exif_transpose(probe)
            image.load()
    except (UnidentifiedImageError, OSError) as error:
        raise ImageError("That file is not an image we can read. Upload a JPEG or PNG.") from error
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    made = []
    targets = {w for w in widths if w < image.width} | {min(image.width, max(widths))}
    for target in sorted(targets):
        height = max(1, round(image.height * target / image.width))
        resized = image.resize((target, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        made.append(Variant(target, height, out.getvalue()))
    return (image.width, image.height), made


def initials_portrait(initials: str, colour: str, size: int = 640) -> bytes:
    """A plain PNG of a person's initials: the demo's stand-in for a photo."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.load_default(size // 3)
    except TypeError:  # an old Pillow without sized default fonts
        font = ImageFont.load_default()
    draw.text((size / 2, size / 2), initials, fill="#ffffff", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
