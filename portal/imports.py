"""(being written) CSV/XLSX registry import."""
from dataclasses import dataclass, field

IMPORT_KINDS = ("facilities", "staff")
IMPORT_COLUMNS = {"facilities": [], "staff": []}


@dataclass
class ImportReport:
    kind: str
    filename: str
    rows: list = field(default_factory=list)


def import_file(actor, kind, stream, filename, dry_run=False):
    raise NotImplementedError
