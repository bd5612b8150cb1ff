"""Cash-register e-invoices: settings (settings.py), issuing an invoice in each sale's and return's transaction
(service.py, words.py), and sending them to the tax authority through a provider (the sending modules).
Models: pos/models/einvoice.py."""
