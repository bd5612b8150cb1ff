"""The sync protocol between a showroom and central: the events (`pos.protocol.events`) and how requests
are signed (`pos.protocol.signing`). The showroom's sender and central both import it; neither defines an
event's shape anywhere else. docs/sync-payloads.md is checked against it by tests/test_sync_protocol.py."""
