"""Configuration read from the environment, with safe defaults for a laptop.

Every variable is listed with its default in README ("Configuration").
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else generated once into the instance folder (mode 0600)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


class Config:
    POS_ROLE = os.environ.get("POS_ROLE", "showroom")  # showroom | central
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in the instance folder
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))

    SHOWROOM_CODE = os.environ.get("SHOWROOM_CODE", "TH")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")  # None: the showroom's own URL
    PORT = int(
        os.environ.get("PORT", "5000")
    )  # where `make run` serves the showroom: the CLI's labels without PUBLIC_BASE_URL
    PRINTER_URL = os.environ.get("PRINTER_URL", "preview")
    PRINTER_TIMEOUT_S = float(os.environ.get("PRINTER_TIMEOUT_S", "5"))
    # The python-escpos profile of the printer (TM-T20II, TM-T88V, POS-5890, …); empty: by paper width
    PRINTER_PROFILE = os.environ.get("PRINTER_PROFILE", "").strip()
    PRINTER_CUT = os.environ.get("PRINTER_CUT", "auto").strip().lower()  # auto: when the profile has a cutter
    RECEIPT_WIDTH_MM = int(os.environ.get("RECEIPT_WIDTH_MM", "80"))

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # None: instance/uploads (product photos, certificate images)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"  # and Secure whenever SESSION_COOKIE_SECURE is (create_app)
    # "Remember me" keeps a till signed in for a shift or two, not Flask-Login's default year.
    REMEMBER_COOKIE_DURATION = timedelta(hours=float(os.environ.get("REMEMBER_COOKIE_HOURS", "16")))
    WTF_CSRF_TIME_LIMIT = None  # a till stays open all day; the token lives as long as the session

    # Every password check (login, a manager's approval at the till) passes one throttle: pos/auth/passwords.py.
    PASSWORD_RATE_LIMIT = os.environ.get("PASSWORD_RATE_LIMIT", os.environ.get("LOGIN_RATE_LIMIT", "10 per 15 minutes"))
    PASSWORD_RATE_LIMIT_PER_ADDRESS = os.environ.get("PASSWORD_RATE_LIMIT_PER_ADDRESS", "50 per 15 minutes")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "database")  # or redis://host:6379, …
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))  # reverse proxies in front, setting X-Forwarded-For
    # A manager's approvals at the till pause after this many refusals within the minutes below.
    APPROVAL_PAUSE_AFTER = int(os.environ.get("APPROVAL_PAUSE_AFTER", "5"))
    APPROVAL_PAUSE_MINUTES = int(os.environ.get("APPROVAL_PAUSE_MINUTES", "15"))

    # Label views are counted in memory and written every SCAN_FLUSH_SECONDS; the shopper's page is cached
    # PUBLIC_PAGE_CACHE_SECONDS per product, lot and language.
    SCAN_FLUSH_SECONDS = float(os.environ.get("SCAN_FLUSH_SECONDS", "10"))
    PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "30"))
    # A serialized unit's label is suspect (a copy in circulation) when, once sold, it is still scanned on this many
    # different days after the sale, or when it is scanned more than SERIAL_SUSPECT_SCANS times in all: listed on
    # central's "suspect labels" page and on the product's page for managers.
    SERIAL_SUSPECT_DAYS = int(os.environ.get("SERIAL_SUSPECT_DAYS", "3"))
    SERIAL_SUSPECT_SCANS = int(os.environ.get("SERIAL_SUSPECT_SCANS", "30"))
    EXPIRING_RATING_DAYS = 60
    EXPIRING_LOT_DAYS = int(os.environ.get("EXPIRING_LOT_DAYS", "30"))
    PAGE_SIZE = 50
    DISCOUNT_LIMIT_PERCENT = int(os.environ.get("DISCOUNT_LIMIT_PERCENT", "10"))  # above it a manager approves
    # What is due in cash is rounded half up to this many đồng (0, 100, 500 or 1000); card and VietQR stay exact.
    CASH_ROUNDING = os.environ.get("CASH_ROUNDING", "1000")

    # Sync (showroom side): where central is and the secret `flask central add-showroom` printed.
    CENTRAL_URL = os.environ.get("CENTRAL_URL")  # None: sales wait in the outbox
    SYNC_SECRET = os.environ.get("SYNC_SECRET")
    SYNC_BATCH_SIZE = int(os.environ.get("SYNC_BATCH_SIZE", "500"))
    SYNC_INTERVAL_S = float(os.environ.get("SYNC_INTERVAL_S", "1"))
    SYNC_CATALOG_INTERVAL_S = float(os.environ.get("SYNC_CATALOG_INTERVAL_S", "60"))
    SYNC_TIMEOUT_S = float(os.environ.get("SYNC_TIMEOUT_S", "10"))
    SYNC_FAULT_TRIES = int(os.environ.get("SYNC_FAULT_TRIES", "3"))  # central failing on one event alone: dead after
    SYNC_STUCK_AFTER_S = int(os.environ.get("SYNC_STUCK_AFTER_S", "900"))  # a pending event this old shows as stuck
    HOME_RECONCILE_EVERY_S = 300  # the home page asks central whether the last 7 days match at most this often
    # Central: may a showroom keep its own price for a product of the master catalog?
    CENTRAL_LOCAL_PRICES = _env_bool("CENTRAL_LOCAL_PRICES", True)

    # E-invoices (showroom side): the queue sending them to the provider (pos/einvoice/sender.py). The settings and
    # credentials are the admin page's and the environment's (pos/einvoice/settings.py).
    EINVOICE_BATCH_SIZE = int(os.environ.get("EINVOICE_BATCH_SIZE", "500"))  # invoices per provider call
    EINVOICE_INTERVAL_S = float(os.environ.get("EINVOICE_INTERVAL_S", "2"))  # how often `flask einvoice run` looks
    EINVOICE_TIMEOUT_S = float(os.environ.get("EINVOICE_TIMEOUT_S", "30"))  # HTTP timeout towards the provider
    # From this local time managers are warned while any of today's invoices has not reached the provider.
    EINVOICE_WARN_AT = os.environ.get("EINVOICE_WARN_AT", "20:00")

    # VietQR confirmed by the bank's side (pos/payments): none, payos or sepay. The credentials (PAYOS_CLIENT_ID,
    # PAYOS_API_KEY, PAYOS_CHECKSUM_KEY, SEPAY_API_KEY) come from the environment or a file of that name in
    # lower case in the instance folder (pos.payments.providers.credential), never from the repository.
    VIETQR_PROVIDER = os.environ.get("VIETQR_PROVIDER", "none").strip().lower()
    PAYOS_API_URL = os.environ.get("PAYOS_API_URL", "https://api-merchant.payos.vn")
    PAYOS_TIMEOUT_S = float(os.environ.get("PAYOS_TIMEOUT_S", "3"))
    # A transfer the bank confirmed that covers what is due completes the sale by itself.
    VIETQR_AUTO_COMPLETE = _env_bool("VIETQR_AUTO_COMPLETE", False)


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-only-key"  # tests never touch the instance folder
    PRINTER_URL = "preview"
    SCAN_FLUSH_SECONDS = 0  # written at once
    PUBLIC_PAGE_CACHE_SECONDS = 0
