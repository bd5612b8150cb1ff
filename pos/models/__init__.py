"""All models, imported here so Alembic and create_all see every table."""

from pos.models.catalog import (  # noqa: F401
    OCOP_GROUPS,
    PRODUCER_TYPES,
    RATING_LEVELS,
    SHELF_LIFE_GROUPS,
    VAT_RATES,
    OcopRating,
    Producer,
    Product,
)
from pos.models.central import (  # noqa: F401
    PRODUCTS_REVISION,
    ROLLUP_FIGURES,
    ProductDaily,
    ProductMonthly,
    RefusedRequests,
    RemoteProduct,
    RemoteSale,
    RemoteSaleLine,
    RemoteScanDaily,
    RemoteSerial,
    RemoteSerialScanDaily,
    RemoteShiftClose,
    SalesRollupDaily,
    SalesRollupMonthly,
    ShowroomDaily,
    ShowroomKey,
    SyncRejection,
    whole_sum,
)
from pos.models.core import ROLES, AuditEntry, PasswordAttempts, Showroom, User  # noqa: F401
from pos.models.display import CustomerDisplay  # noqa: F401
from pos.models.einvoice import (  # noqa: F401
    EINVOICE_FORMS,
    EINVOICE_KINDS,
    EINVOICE_PROVIDERS,
    EINVOICE_SPEC_VERSIONS,
    EINVOICE_STATES,
    Einvoice,
    EinvoiceCounter,
    EinvoiceSettings,
    EinvoiceXml,
)
from pos.models.inventory import (  # noqa: F401
    MOVEMENT_KINDS,
    OWNERSHIPS,
    SHOWROOM_CODE_PATTERN,
    ConsignmentSettlement,
    ConsignmentSettlementMovement,
    GoodsReceipt,
    GoodsReceiptLine,
    Lot,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)
from pos.models.labels import LabelScanDaily  # noqa: F401
from pos.models.outbox import OutboxEntry, SyncState  # noqa: F401
from pos.models.payments import TRANSFER_PROVIDERS, TRANSFER_STATUSES, BankTransfer, VietQRRequest  # noqa: F401
from pos.models.sales import (  # noqa: F401
    PAYMENT_METHODS,
    CashMovement,
    Payment,
    PrintJob,
    Sale,
    SaleLine,
    SaleNumber,
    SaleReturn,
    SaleReturnLine,
    Shift,
)
from pos.models.serials import Serial  # noqa: F401
