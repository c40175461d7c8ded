"""Chinese wording for the pledge workflow, through gettext: upload refusals (by the code
``pledges.uploads`` gives them) and the status line shown to the public."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pledges.uploads import UploadRejected

UPLOAD_MESSAGES = {
    "empty": _l("上传的文件为空（0 字节），请重新选择文件。"),
    "too_large": _l("文件过大：上限为 %(max_mb)s MB，请压缩或降低扫描分辨率后重新上传。"),
    "bad_name": _l(
        "文件名无效：文件名不能包含路径（如 ../ 或 /）、控制字符或改变文字方向等"
        "不可见的格式字符，请重命名后上传。"
    ),
    "long_name": _l("文件名过长（不能超过 %(max_length)s 个字符），请重命名后上传。"),
    "markup": _l("文件内容是网页、SVG 或脚本，并非扫描件或照片，已拒收。"),
    "unsupported": _l(
        "文件格式不受支持：只接受 PDF、JPEG 或 PNG（按文件内容识别，与扩展名无关）。"
    ),
    "not_allowed": _l("此处只接受以下格式：%(allowed)s。"),
    "truncated": _l("PDF 文件不完整（可能上传或导出中断），请重新生成后上传。"),
    "bad_pdf": _l("无法打开该 PDF 文件，文件可能已损坏。"),
    "encrypted": _l("PDF 文件已加密或设置了密码，请上传未加密的扫描件。"),
    "no_pages": _l("PDF 文件没有页面。"),
    "too_many_pages": _l("PDF 页数过多（%(pages)s 页），上限为 %(max_pages)s 页。"),
    "active_content": _l(
        "PDF 含有脚本、自动动作或嵌入文件等活动内容（%(what)s），出于安全原因已拒收，"
        "请上传纸质原件的扫描件。"
    ),
    "outbound_action": _l(
        "PDF 含有打开时自动访问网址，或指向本机文件、共享目录等文档以外位置的链接或动作"
        "（%(what)s），阅读时可能连接外部服务器，出于安全原因已拒收；以 http、https 开头的"
        "网页链接和邮件地址可以保留，请去除其他链接后重新导出，或上传纸质原件的扫描件。"
    ),
    "bad_image": _l("图片无法打开，文件可能已损坏或不完整。"),
    "image_too_small": _l(
        "图片分辨率过低（%(width)s×%(height)s 像素），短边至少 %(min_side)s 像素，"
        "否则无法辨认签字和印章。"
    ),
    "image_too_big": _l("图片像素过多（%(width)s×%(height)s），请降低分辨率后上传。"),
}


def upload_message(exc: UploadRejected) -> str:
    template = UPLOAD_MESSAGES.get(exc.code)
    if template is None:
        return str(exc)
    return str(template) % {k: str(v) for k, v in exc.params.items()}


def public_status(pledge, overdue: bool) -> str:
    """What the public reads about a facility's pledge in the current campaign."""
    from portal.models.pledges import PledgeStatus

    if pledge is None:
        return _("暂无承诺书签署活动")
    if pledge.status is PledgeStatus.VERIFIED:
        return _("已签署并经医保部门核验")
    if pledge.status is PledgeStatus.UPLOADED:
        return _("已提交签署的承诺书，待医保部门核验")
    if overdue:
        return _("逾期未提交签署的承诺书")
    if pledge.status is PledgeStatus.REJECTED:
        return _("已提交的承诺书未通过医保部门核验，待重新提交")
    return _("尚未提交签署的承诺书")


#: Punctuation a typed reason may end with: the messages below close the sentence themselves.
REASON_END = "。．.！!？?；;，,、"
#: A reason that itself asks for a new upload ("请重新签字盖章后上传") needs no second request.
ASKS_AGAIN = re.compile(r"重新[^。．.！!？?；;\n]*(上传|提交)")


def _reason(reason: str) -> tuple[str, bool]:
    """The reason without its final punctuation, and whether it asks for a new upload."""
    return reason.strip().rstrip(REASON_END + " \t\r\n"), bool(ASKS_AGAIN.search(reason))


def rejection_banner(reason: str) -> str:
    """The line on the facility's pledge page about a rejected scan."""
    text, asks = _reason(reason)
    if asks:
        return _("承诺书被退回，理由：%(r)s。", r=text)
    return _("承诺书被退回，理由：%(r)s。请重新签字盖章后上传。", r=text)


def rejection_notice(version: int, reason: str) -> str:
    """The notice the facility receives when a scan is rejected."""
    text, asks = _reason(reason)
    if asks:
        return _(
            "您单位提交的承诺书扫描件（第%(v)d版）被退回，理由：%(reason)s。",
            v=version,
            reason=text,
        )
    return _(
        "您单位提交的承诺书扫描件（第%(v)d版）被退回，理由：%(reason)s。请按要求重新签署上传。",
        v=version,
        reason=text,
    )
