"""Demo inspections, findings and a pledge campaign, then every facility's grade.

Facilities with demo accounts get the interesting cases, so a facility user sees a
breakdown with findings, and the bureau sees every pledge state and grade from A to D.
Dates count back from today, like the demo points.
"""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfWriter
from sqlalchemy import select

from pledges.templates import load_sample
from portal.extensions import db
from portal.models.enums import FacilityKind
from portal.models.facility import Facility
from portal.models.inspections import InspectionKind, InspectionTrigger
from portal.models.pledges import Pledge, PledgeTemplateKind
from portal.models.user import User
from portal.operations.credit import all_facility_ids
from portal.operations.credit_batch import recompute_batch
from portal.operations.findings import add_finding, confirm_finding
from portal.operations.inspection_changes import cancel_inspection
from portal.operations.inspections import create_inspection
from portal.operations.pledge_campaigns import issue_template_version, open_campaign
from portal.operations.pledges import decide_pledge, record_upload
from portal.rules import penalty_rules, taxonomy
from portal.storage import FileBatch, get_storage
from portal.web import china_today
from scoring.penalties import penalty_range

#: (kind of facility, category, yuan involved, self-corrected, handling results, days ago)
FINDINGS = [
    (FacilityKind.HOSPITAL, "inflated_charges", 36_500, False,
     ["talk_rectify", "fund_recovery", "administrative_penalty"], 40),
    (FacilityKind.CLINIC, "improper_charging", 4_200, True, ["talk_rectify", "fund_recovery"], 25),
    (FacilityKind.PHARMACY, "non_covered_items", 8_800, False,
     ["talk_rectify", "fund_recovery", "circulated_criticism"], 15),
    (FacilityKind.HOSPITAL, "fictitious_service", 128_000, False,
     ["fund_recovery", "administrative_penalty", "suspend_service"], 8),
]  # fmt: skip


def _scan_pdf() -> bytes:
    """A one-page PDF standing in for a signed and sealed scan."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def load_demo_credit(site_codes: list[str]) -> dict:
    """Findings at demo-account facilities, a cancelled inspection, a pledge campaign with
    every state, grades."""
    today = china_today()
    users = {u.username: u for u in db.session.scalars(select(User))}
    inspectors = [users["inspector"], users["inspector2"]]
    facilities = [
        db.session.scalar(select(Facility).where(Facility.site_code == code)) for code in site_codes
    ]
    used: set[int] = set()
    findings = 0
    for n, (kind, category, yuan, corrected, results, days_ago) in enumerate(FINDINGS, 1):
        # The second facility of each kind (the first carries the demo staff points).
        candidates = [f for f in facilities if f.kind is kind and f.id not in used]
        facility = candidates[1] if len(candidates) > 1 else candidates[0]
        used.add(facility.id)
        decided = today - timedelta(days=days_ago)
        inspection = create_inspection(
            inspectors[0],
            {
                "facility": facility, "kind": InspectionKind.SPECIAL,
                "trigger": InspectionTrigger.SCREENING if n % 2 else InspectionTrigger.PLAN,
                "on_site": True, "start_date": decided - timedelta(days=20),
                "end_date": decided - timedelta(days=18),
                "reference": f"通医保检〔{decided.year}〕{n}号", "notes": "",
                "inspectors": inspectors,
            },
        )  # fmt: skip
        fen = yuan * 100
        # A fine where a penalty was decided: the lower bound of the article's range.
        rule = taxonomy()[category]
        fine = 0
        if "administrative_penalty" in results:
            rng = penalty_range(
                penalty_rules(), rule.article, fen, fraud=rule.cls == "fraud",
                self_corrected=corrected,
            )  # fmt: skip
            fine = rng.fine_min_fen or 0
        finding = add_finding(
            inspectors[0],
            inspection,
            {
                "category": category, "description": "专项检查发现，详见检查记录",
                "period_start": decided - timedelta(days=200),
                "period_end": decided - timedelta(days=30),
                "amount_involved_fen": fen, "amount_refunded_fen": fen if corrected else 0,
                "amount_recovered_fen": 0 if corrected else fen, "legal_article": "",
                "fine_fen": fine, "self_corrected": corrected,
                "decision_number": f"通医保罚〔{decided.year}〕{n}号", "decision_date": decided,
                "self_inspection": None, "staff": [], "results": results,
            },
            today,
        )  # fmt: skip
        confirm_finding(inspectors[1], finding, today)
        findings += 1
    # An inspection entered twice by mistake: the copy is cancelled and kept on record.
    duplicate = create_inspection(
        inspectors[0],
        {
            "facility": facilities[0], "kind": InspectionKind.ROUTINE,
            "trigger": InspectionTrigger.PLAN, "on_site": True,
            "start_date": today - timedelta(days=10), "end_date": None, "reference": "",
            "notes": "", "inspectors": inspectors,
        },
    )  # fmt: skip
    cancel_inspection(inspectors[0], duplicate, "重复录入，同一次检查已另行登记")

    templates = {
        kind: issue_template_version(
            users["admin"], kind, load_sample(kind.value).as_dict(), "依据示例文本签发"
        )
        for kind in PledgeTemplateKind
    }
    campaign = open_campaign(
        users["admin"], year=today.year, title=f"{today.year}年度维护医保基金安全承诺书签署",
        deadline=today + timedelta(days=30),
        institution_template=templates[PledgeTemplateKind.INSTITUTION],
        pharmacy_template=templates[PledgeTemplateKind.PHARMACY],
        counties=[], kinds=[], note="演示活动", today=today,
    )  # fmt: skip
    files = FileBatch(get_storage())
    scan = _scan_pdf()
    for index, facility in enumerate(facilities[:4]):
        pledge = db.session.scalar(
            select(Pledge).where(
                Pledge.campaign_id == campaign.id, Pledge.facility_id == facility.id
            )
        )
        record_upload(
            users[f"fac_{facility.site_code}"], pledge, scan, "签章扫描件.pdf", files,
            max_bytes=10 * 1024 * 1024, max_pages=20, today=today,
        )  # fmt: skip
        if index < 2:
            decide_pledge(users["credit"], pledge, verify=True, reason="")
        elif index == 2:
            decide_pledge(
                users["credit"], pledge, verify=False, reason="公章不清晰，请重新扫描上传"
            )
    graded = recompute_batch(all_facility_ids(), today, trigger="batch")
    return {"findings": findings, "campaign": campaign.id, "graded": graded}
