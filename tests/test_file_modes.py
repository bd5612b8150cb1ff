"""The files that hold the showroom's data and secrets are readable by their owner only: databases (with
their -wal and -shm), backups, the instance folder and what it keeps."""

import os
import stat

from sqlalchemy import text

from pos import create_app
from pos.central.registry import add_showroom
from pos.core.extensions import db as _db
from tests.conftest import make_app, make_product


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_central_database_and_its_wal_are_owner_only(tmp_path):
    old_umask = os.umask(0o022)  # the usual umask, under which SQLite makes 0644 files
    try:
        database = tmp_path / "central.sqlite3"
        app = make_app(f"sqlite:///{database}", POS_ROLE="central")
        with app.app_context():
            _db.create_all()
            add_showroom("TH", "Điểm bán OCOP Tây Hồ", secret="s" * 40)  # the secret central keeps
            assert _db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            for path in (database, f"{database}-wal", f"{database}-shm"):
                assert os.path.exists(path) and mode(path) == 0o600, (path, oct(mode(path)))
            _db.session.remove()
            _db.engine.dispose()
    finally:
        os.umask(old_umask)


def test_a_database_made_readable_by_an_older_version_is_narrowed_at_start(tmp_path):
    database = tmp_path / "pos.sqlite3"
    first = make_app(f"sqlite:///{database}")
    with first.app_context():
        _db.create_all()
        _db.session.remove()
        _db.engine.dispose()
    os.chmod(database, 0o644)
    make_app(f"sqlite:///{database}")
    assert mode(database) == 0o600


def test_the_instance_folder_and_its_secret_key_are_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    app = create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": None})
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert mode(instance / "pos.sqlite3") == 0o600
    with app.app_context():
        _db.engine.dispose()


def test_a_backup_is_owner_only(app, db, runner, tmp_path):
    old_umask = os.umask(0o022)
    try:
        make_product()
        result = runner.invoke(args=["backup", "--out", str(tmp_path / "copy.sqlite3")])
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert mode(tmp_path / "copy.sqlite3") == 0o600
    assert mode(tmp_path / "pos.sqlite3") == 0o600


def test_a_backup_into_a_folder_that_does_not_exist_is_a_clear_error(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "--out", str(tmp_path / "nowhere" / "copy.sqlite3")])
    assert result.exit_code == 1 and "Cannot write" in result.output and "No such file" in result.output
