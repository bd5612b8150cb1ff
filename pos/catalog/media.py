"""Product photos and certificate images.

An upload is decoded with Pillow only after its header shows bounded dimensions (a 12 KB PNG can claim
10000×10000 pixels, 400 MB once decoded, and a phone would have to decode it too). It is then stored as two new
JPEG files, re-encoded from the pixels alone (no EXIF, GPS, comments or colour profile; the orientation and the
colours are applied first): a phone-width image and a thumbnail, the sizes the pages show. The stored name,
`<random>-<W>x<H>.jpg`, says the phone image's size, from which the thumbnail's name and size follow.

Nothing is written while a form is checked: `prepare_image` works in memory, `stored_images` writes the files
around the database transaction and removes them again if the transaction fails."""

import re
import secrets
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from pos.core.errors import Text, ValidationError

ALLOWED = ("JPEG", "PNG", "WEBP")
MAX_IMAGE_BYTES = 3 * 1024 * 1024
MAX_SIDE = 8000  # pixels on either side of an upload
MAX_PIXELS = 25_000_000  # a 25-megapixel photo decodes to 100 MB at most (RGBA)
PHONE_BOX = (1080, 2160)  # a phone's width at 3 device pixels per CSS pixel; twice as tall at most
THUMB_BOX = (320, 640)  # the manager's pages and a phone's small previews
JPEG_QUALITY = 82
NAME = re.compile(r"^(?P<token>[0-9a-f]{24})-(?P<w>[1-9][0-9]{0,3})x(?P<h>[1-9][0-9]{0,3})\.jpg$")


def upload_dir() -> Path:
    path = Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled down (never up) to fit in `box`, keeping its proportions."""
    width, height = size
    scale = min(1.0, box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass(frozen=True)
class StoredImage:
    """The files one upload became, found from the name kept in the database."""

    name: str  # the phone-width image: what the column holds
    width: int | None = None  # None: a file stored before images were re-encoded
    height: int | None = None
    thumb: str | None = None
    thumb_width: int | None = None
    thumb_height: int | None = None

    @classmethod
    def from_name(cls, name: str) -> "StoredImage":
        match = NAME.match(name or "")
        if not match:
            return cls(name=name)
        width, height = int(match["w"]), int(match["h"])
        thumb_width, thumb_height = _fit((width, height), THUMB_BOX)
        return cls(name, width, height, f"{match['token']}-{width}x{height}-thumb.jpg", thumb_width, thumb_height)

    @property
    def files(self) -> list[str]:
        return [n for n in (self.name, self.thumb) if n]


@dataclass(frozen=True)
class PreparedImage:
    """An upload checked and re-encoded in memory, not yet written."""

    stored: StoredImage
    contents: dict[str, bytes]  # file name → JPEG bytes

    @property
    def name(self) -> str:
        return self.stored.name


def _not_an_image(field: str, filename: str) -> ValidationError:
    return ValidationError(
        "%(field)s: '%(filename)s' is not a JPEG, PNG or WebP image.",
        field=field,
        filename=filename,
        fields={field: Text("not an image")},
    )


def _too_many_pixels(field: str, size: Text) -> ValidationError:
    mp = MAX_PIXELS // 1_000_000
    return ValidationError(
        "%(field)s: the image is %(size)s; at most %(side)d pixels on a side and %(mp)d megapixels.",
        field=field,
        size=size,
        side=MAX_SIDE,
        mp=mp,
        fields={
            field: Text(
                "the image is %(size)s; at most %(side)d pixels on a side and %(mp)d megapixels",
                size=size,
                side=MAX_SIDE,
                mp=mp,
            )
        },
    )


def _decode(data: bytes, field: str, filename: str) -> Image.Image:
    """The upload's first frame as RGB(A) pixels, after its header passed the size bounds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own bounds below are tighter
        try:
            image = Image.open(BytesIO(data), formats=ALLOWED)
        except Image.DecompressionBombError as bomb:
            # Pillow's own limit (far above ours) fired on the header: the size is in its message only
            pixels = re.search(r"\((\d+) pixels\)", str(bomb))
            raise _too_many_pixels(
                field, Text("%(mp)d megapixels", mp=int(pixels[1]) // 1_000_000 if pixels else 0)
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise _not_an_image(field, filename) from None
    width, height = image.size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise _too_many_pixels(field, Text("%(width)d×%(height)d pixels", width=width, height=height))
    try:
        if image.format == "JPEG":  # decode a big JPEG at 1/2, 1/4 or 1/8 scale: less memory, less time
            side = max(_fit(image.size, PHONE_BOX) + _fit(image.size[::-1], PHONE_BOX))  # upright or turned by EXIF
            image.draft("RGB", (side, side))
        image.load()
        image = ImageOps.exif_transpose(image)
        return _to_srgb(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):  # truncated or corrupt pixel data
        raise _not_an_image(field, filename) from None


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels in sRGB, as the files are stored without a colour profile (a phone photo is often Display P3)."""
    profile = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    image = image if image.mode == mode else image.convert(mode)
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels as they are
    return image


def _jpeg(image: Image.Image, size: tuple[int, int]) -> bytes:
    """A fresh JPEG of the pixels only (transparency on white): nothing of the upload's metadata survives."""
    scaled = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0) if image.size != size else image
    clean = Image.new("RGB", size, "white")
    clean.paste(scaled, mask=scaled.getchannel("A") if scaled.mode == "RGBA" else None)
    buffer = BytesIO()
    clean.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def prepare_image(upload, field: str) -> PreparedImage | None:
    """The upload checked and re-encoded in memory; None when no file was chosen. ValidationError (a field error)
    for anything but a JPEG, PNG or WebP image within the size bounds. Nothing is written."""
    if upload is None or not upload.filename:
        return None
    return prepare_image_bytes(upload.read(MAX_IMAGE_BYTES + 1), str(upload.filename)[:60], field)


def prepare_image_bytes(data: bytes, filename: str, field: str) -> PreparedImage:
    """prepare_image for bytes at hand (a file stored before uploads were re-encoded)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(
            "%(field)s: the image is larger than 3 MB.", field=field, fields={field: Text("too large")}
        )
    image = _decode(data, field, filename)
    phone_size = _fit(image.size, PHONE_BOX)
    stored = StoredImage.from_name(f"{secrets.token_hex(12)}-{phone_size[0]}x{phone_size[1]}.jpg")
    phone_image = image.resize(phone_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    phone = _jpeg(phone_image, phone_size)
    thumb = _jpeg(phone_image, (stored.thumb_width, stored.thumb_height))
    return PreparedImage(stored, {stored.name: phone, stored.thumb: thumb})


@contextmanager
def stored_images(*images: PreparedImage | None):
    """Write the prepared images' files, and remove them again if the block fails (a form refused by the
    database transaction inside it leaves no file behind)."""
    written: list[Path] = []
    try:
        for image in images:
            for name, data in image.contents.items() if image else ():
                path = upload_dir() / name
                written.append(path)
                path.write_bytes(data)
        yield
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def remove_image(name: str | None) -> None:
    """Delete a stored image's files (after the row that named them has let go of them)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return
    for file_name in StoredImage.from_name(name).files:
        (upload_dir() / file_name).unlink(missing_ok=True)


def is_reencoded(name: str | None) -> bool:
    return bool(NAME.match(name or ""))


def stored_path(name: str) -> Path | None:
    """The file a stored name points to, if it lies inside the upload folder."""
    folder = upload_dir().resolve()
    path = (folder / name).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None
