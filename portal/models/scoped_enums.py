"""String enums whose labels are kept per enum class.

``LABELS`` in ``portal.models.enums`` is keyed by member, and string-enum members hash and
compare as their value: two enums that share a value (``pending``, ``open``, ``rejected``)
would overwrite each other's label there. The enums of inspections and credit therefore
keep their labels in ``SCOPED_LABELS`` under their own class.
"""

from __future__ import annotations

from portal.models.enums import LabelledEnum

SCOPED_LABELS: dict[type, dict[str, object]] = {}


class ScopedLabelEnum(LabelledEnum):
    @property
    def label(self) -> str:
        return str(SCOPED_LABELS[type(self)][self.value])


def register_labels(enum_cls: type[ScopedLabelEnum], labels: dict) -> None:
    """Set the labels of ``enum_cls``; every member must have one."""
    missing = {m.value for m in enum_cls} - {str(k) for k in labels}
    if missing:
        raise ValueError(f"{enum_cls.__name__}: no label for {sorted(missing)}")
    SCOPED_LABELS[enum_cls] = {str(k): v for k, v in labels.items()}
