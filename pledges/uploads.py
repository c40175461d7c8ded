"""Checking uploaded scans and photos by their content, never by their name.

:func:`check_upload` accepts a PDF, JPEG or PNG that opens cleanly and carries no active
content, and raises :class:`UploadRejected` otherwise. The caller stores the bytes under
their SHA-256; the file name the browser sent is only ever shown, after
:func:`display_name` has cleaned it, and a name that tries to climb directories is refused.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PAGES = 20
#: Shorter side of a scan or photo, in pixels: below this a signature and seal are unreadable.
MIN_IMAGE_SIDE = 300
MAX_IMAGE_PIXELS = 80_000_000

KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
}
MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
#: PDF dictionary keys that run code, open other files or carry files.
ACTIVE_KEYS = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/AA",
        "/RichMedia",
        "/XFA",
    }
)
#: Action types (``/S``) that run code or a program, play media, or change what the reader
#: sees (hide annotations, switch layers) without the reader asking.
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
        "/Hide",
        "/SetOCGState",
        "/GoTo3DView",
    }
)
#: Action types that leave the document: open a web address or another file (``/Thread``
#: may name one too), or send or fetch data. Run on opening (``/OpenAction``) they tell a
#: remote host that, where and when the file was read, and a UNC path (``\\host\share``)
#: makes Windows send the reader's credentials to that host. Links within the document
#: (``/GoTo``, which scanners write in outlines), ``/GoToDp``, ``/Named`` page turns,
#: ``/Trans`` and ``/ResetForm`` stay.
OUTBOUND_ACTIONS = frozenset({"/URI", "/GoToR", "/GoToE", "/Thread", "/SubmitForm", "/ImportData"})
REFUSED_ACTIONS = ACTIVE_ACTIONS | OUTBOUND_ACTIONS
#: A ``/URI`` action to one of these is a web link: it stays where a reader must click it
#: (a link in the text, an outline item), as an office program writes for every web or
#: mail address in a document, and readers ask before following it. On opening, or to
#: any other kind of address (``file:``, a UNC path, ``smb:``), it is refused.
WEB_LINK_SCHEMES = ("http://", "https://", "mailto:")
ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen"})
#: Markup that marks a web page, SVG or script (checked at the start of unknown files and
#: at both ends of images, where a page glued to a real picture would sit).
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|script|svg|body|iframe|\?xml)", re.I)
_IMAGE_MARKUP = re.compile(rb"<\s*(?:!doctype|html|script|svg|body|iframe)[\s>/]", re.I)

MESSAGES = {
    "empty": "上传的文件为空（0 字节），请重新选择文件。",
    "too_large": "文件过大：上限为 {max_mb} MB，请压缩或降低扫描分辨率后重新上传。",
    "bad_name": "文件名无效：文件名不能包含路径（如 ../ 或 /）、控制字符或改变文字方向等"
    "不可见的格式字符，请重命名后上传。",
    "long_name": "文件名过长（不能超过 {max_length} 个字符），请重命名后上传。",
    "markup": "文件内容是网页、SVG 或脚本，并非扫描件或照片，已拒收。",
    "unsupported": "文件格式不受支持：只接受 PDF、JPEG 或 PNG（按文件内容识别，与扩展名无关）。",
    "not_allowed": "此处只接受以下格式：{allowed}。",
    "truncated": "PDF 文件不完整（可能上传或导出中断），请重新生成后上传。",
    "bad_pdf": "无法打开该 PDF 文件，文件可能已损坏。",
    "encrypted": "PDF 文件已加密或设置了密码，请上传未加密的扫描件。",
    "no_pages": "PDF 文件没有页面。",
    "too_many_pages": "PDF 页数过多（{pages} 页），上限为 {max_pages} 页。",
    "active_content": "PDF 含有脚本、自动动作或嵌入文件等活动内容（{what}），出于安全原因已拒收，"
    "请上传纸质原件的扫描件。",
    "outbound_action": "PDF 含有打开时自动访问网址，或指向本机文件、共享目录等文档以外位置的链接"
    "或动作（{what}），阅读时可能连接外部服务器，出于安全原因已拒收；以 http、https 开头的网页"
    "链接和邮件地址可以保留，请去除其他链接后重新导出，或上传纸质原件的扫描件。",
    "bad_image": "图片无法打开，文件可能已损坏或不完整。",
    "image_too_small": "图片分辨率过低（{width}×{height} 像素），短边至少 {min_side} 像素，"
    "否则无法辨认签字和印章。",
    "image_too_big": "图片像素过多（{width}×{height}），上限为 {limit} 万像素，"
    "请降低分辨率后上传。",
    "image_far_too_big": "图片像素远超上限（{limit} 万像素），请降低分辨率后上传。",
}


class UploadRejected(ValueError):
    """An upload that must not be stored. ``code`` is a key of :data:`MESSAGES`;
    ``params`` fill its placeholders; ``str(exc)`` is the Chinese message."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(MESSAGES[code].format(**params))


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # pdf, jpeg or png
    size: int
    sha256: str
    pages: int = 1
    width: int | None = None
    height: int | None = None

    @property
    def media_type(self) -> str:
        return KINDS[self.kind][0]

    @property
    def extension(self) -> str:
        return KINDS[self.kind][1]


#: Longest file name taken (most file systems' limit).
MAX_NAME_LENGTH = 255


def check_name(filename: str | None) -> None:
    """Refuse names that try to name a path (``..``, slashes, drive letters), control
    characters, and invisible format characters: a right-to-left override shows
    "\u202egnp.exe" as "exe.png". The name is never used to store the file, only to show
    it."""
    name = filename or ""
    if (
        "/" in name
        or "\\" in name
        or ".." in name
        or re.match(r"^[A-Za-z]:", name)
        or any(unicodedata.category(c) in ("Cc", "Cf") for c in name)
    ):
        raise UploadRejected("bad_name")
    if len(name) > MAX_NAME_LENGTH:
        raise UploadRejected("long_name", max_length=MAX_NAME_LENGTH)


#: Longest name kept for display.
MAX_DISPLAY_LENGTH = 120
#: Extensions a name keeps as typed for each kind; any other is replaced by the kind's own.
NAME_EXTENSIONS = {
    "pdf": (".pdf",),
    "jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "png": (".png",),
}
#: What a typed extension looks like: "pdf", "JPEG", "mp4", not "03" in "报告2026.03".
_TYPED_EXTENSION = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")


def display_name(filename: str | None, fallback: str = "upload", *, kind: str | None = None) -> str:
    """A short, harmless name to show (never a path).

    Given the ``kind`` the content was found to be (a key of :data:`KINDS`), the name ends
    with an extension of that kind: a PNG sent as ``x.pdf`` is shown and downloaded as
    ``x.png`` (the stem kept), one sent as ``x`` as ``x.png``; ``x.JPEG`` holding a JPEG
    stays as typed."""
    name = "".join(
        c for c in filename or "" if c not in "/\\" and unicodedata.category(c) not in ("Cc", "Cf")
    )
    name = name.strip().lstrip(".") or fallback
    if kind is None:
        return name[:MAX_DISPLAY_LENGTH]
    stem, dot, typed = name.rpartition(".")
    if dot and stem and _TYPED_EXTENSION.fullmatch(typed):
        known = f".{typed.lower()}" in NAME_EXTENSIONS[kind]
        extension = f".{typed}" if known else KINDS[kind][1]
    else:
        stem, extension = name, KINDS[kind][1]
    stem = stem.rstrip(". ") or fallback.rpartition(".")[0] or fallback
    return stem[: MAX_DISPLAY_LENGTH - len(extension)] + extension


def sniff(data: bytes) -> str | None:
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    return None


def _walk_pdf(root, found: set[str], seen: set[tuple[int, int]], depth: int = 0) -> None:
    """Depth-first over dictionaries and arrays, following references once each.

    Names are compared as pypdf decodes them, so ``/U#52I`` is ``/URI``; a ``/S`` or
    ``/Subtype`` given as a reference (``/S 7 0 R``) is compared as what it refers to."""
    stack = [(root, depth)]
    while stack:
        node, level = stack.pop()
        if level > 200:
            raise UploadRejected("bad_pdf")
        if isinstance(node, IndirectObject):
            ident = (node.idnum, node.generation)
            if ident in seen:
                continue
            seen.add(ident)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in ACTIVE_KEYS:
                    found.add(str(key))
                if key in ("/S", "/Subtype"):
                    name = _resolved(value)
                    refused = REFUSED_ACTIONS if key == "/S" else ACTIVE_SUBTYPES
                    # A web link stays where it waits for a click (see WEB_LINK_SCHEMES).
                    web_link = name == "/URI" and _web_link(node)
                    if isinstance(name, NameObject) and name in refused and not web_link:
                        found.add(str(name))
                stack.append((value, level + 1))
        elif isinstance(node, ArrayObject):
            stack.extend((item, level + 1) for item in node)


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _web_link(action: DictionaryObject) -> bool:
    """Whether a ``/URI`` action opens a web or mail address (:data:`WEB_LINK_SCHEMES`)."""
    target = _resolved(action.get("/URI"))
    if not isinstance(target, (TextStringObject, ByteStringObject)):
        return False
    text = target.original_bytes if isinstance(target, TextStringObject) else bytes(target)
    return text.strip().lower().startswith(tuple(s.encode() for s in WEB_LINK_SCHEMES))


def _run_on_opening(catalog, found: set[str]) -> None:
    """The action types the document runs when it is opened (its ``/OpenAction`` and the
    actions chained to it by ``/Next``) that leave it: a web link among them too."""
    stack, seen = [_resolved(catalog.get("/OpenAction"))], 0
    while stack and seen < 1000:
        action, seen = _resolved(stack.pop()), seen + 1
        if isinstance(action, ArrayObject):
            stack.extend(action)
        elif isinstance(action, DictionaryObject):
            name = _resolved(action.get("/S"))
            if isinstance(name, NameObject) and name in OUTBOUND_ACTIONS:
                found.add(str(name))
            stack.append(action.get("/Next"))


def _check_pdf(data: bytes, max_pages: int) -> int:
    if b"%%EOF" not in data[-2048:] or b"startxref" not in data[-4096:]:
        raise UploadRejected("truncated")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise UploadRejected("encrypted")
            pages = len(reader.pages)
            found: set[str] = set()
            seen: set[tuple[int, int]] = set()
            _walk_pdf(reader.trailer, found, seen)
            catalog = _resolved(reader.trailer.get("/Root"))
            if isinstance(catalog, DictionaryObject):
                _run_on_opening(catalog, found)
            # Objects not reachable from the trailer are checked too: a viewer that
            # repairs a damaged file may still find them.
            for generation, objects in reader.xref.items():
                for idnum in objects:
                    _walk_pdf(IndirectObject(idnum, generation, reader), found, seen)
            for idnum in reader.xref_objStm:
                _walk_pdf(IndirectObject(idnum, 0, reader), found, seen)
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise UploadRejected("bad_pdf") from exc
    if found:
        # Links out get their own advice (remove them and export again); with a script,
        # media or an embedded file as well, the graver message names everything found.
        code = "outbound_action" if found <= OUTBOUND_ACTIONS else "active_content"
        raise UploadRejected(code, what="、".join(sorted(found)))
    if pages < 1:
        raise UploadRejected("no_pages")
    if pages > max_pages:
        raise UploadRejected("too_many_pages", pages=pages, max_pages=max_pages)
    return pages


def _check_image(data: bytes, kind: str) -> tuple[int, int]:
    head, tail = data[:4096], data[-4096:]
    if _IMAGE_MARKUP.search(head) or _IMAGE_MARKUP.search(tail):
        raise UploadRejected("markup")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                fmt = (image.format or "").lower()
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UploadRejected(
                        "image_too_big",
                        width=width,
                        height=height,
                        limit=MAX_IMAGE_PIXELS // 10_000,
                    )
                image.load()  # decodes every byte: catches truncated files
    except UploadRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        # Refused by the image library before its size could be read.
        raise UploadRejected("image_far_too_big", limit=MAX_IMAGE_PIXELS // 10_000) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UploadRejected("bad_image") from exc
    if fmt != kind:
        raise UploadRejected("bad_image")
    if min(width, height) < MIN_IMAGE_SIDE:
        raise UploadRejected("image_too_small", width=width, height=height, min_side=MIN_IMAGE_SIDE)
    return width, height


def check_upload(
    data: bytes,
    filename: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pages: int = DEFAULT_MAX_PAGES,
    allowed: tuple[str, ...] = ("pdf", "jpeg", "png"),
) -> CheckedFile:
    """Validate an upload; return what it is, or raise :class:`UploadRejected`.

    Pass at most ``max_bytes + 1`` bytes: one byte more than the limit is enough to know
    the file is too large.
    """
    check_name(filename)
    if not data:
        raise UploadRejected("empty")
    if len(data) > max_bytes:
        raise UploadRejected("too_large", max_mb=_mb(max_bytes))
    kind = sniff(data)
    if kind is None:
        if _MARKUP.search(data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")):
            raise UploadRejected("markup")
        raise UploadRejected("unsupported")
    if kind not in allowed:
        names = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}
        raise UploadRejected("not_allowed", allowed="、".join(names[k] for k in allowed))
    width = height = None
    pages = 1
    if kind == "pdf":
        pages = _check_pdf(data, max_pages)
    else:
        width, height = _check_image(data, kind)
    return CheckedFile(
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
        width=width,
        height=height,
    )


def _mb(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"
