"""Stock: the ledger (ledger.py) is shared by every area that moves goods."""
