"""Product photos and certificate images: checked with Pillow, stored under instance/uploads with a random name."""
import secrets
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from pos.errors import Text, ValidationError

ALLOWED = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_IMAGE_BYTES = 3 * 1024 * 1024


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_image(upload, field: str) -> str | None:
    """The stored file name, None when no file was chosen; ValidationError for anything but a real image."""
    if upload is None or not upload.filename:
        return None
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError("%(field)s: the image is larger than 3 MB.", field=field, fields={field: Text("too large")})
    try:
        from io import BytesIO
        with Image.open(BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError("%(field)s: '%(filename)s' is not a JPEG, PNG or WebP image.", field=field,
                              filename=upload.filename[:60], fields={field: Text("not an image")}) from None
    if kind not in ALLOWED:
        raise ValidationError("%(field)s: only JPEG, PNG or WebP images.", field=field,
                              fields={field: Text("wrong file type")})
    name = secrets.token_hex(12) + ALLOWED[kind]
    (upload_dir() / name).write_bytes(data)
    return name
