"""Error pages in Chinese; JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import PageOutOfRange
from portal.request_limits import files_total, view_limits
from portal.web import megabytes, page_url

MESSAGES = {
    400: _l("请求无效，请检查后重试。"),
    401: _l("请先登录。"),
    403: _l("您没有权限访问此页面。"),
    404: _l("您访问的页面不存在。"),
    405: _l("不支持该请求方式。"),
    413: _l("上传的文件过大。"),
    429: _l("操作过于频繁，请稍后再试。"),
    500: _l("服务器内部错误，我们已记录此问题，请稍后再试。"),
}
TITLES = {
    400: _l("请求无效"),
    401: _l("需要登录"),
    403: _l("无权访问"),
    404: _l("页面不存在"),
    405: _l("请求方式不允许"),
    413: _l("文件过大"),
    429: _l("请求过于频繁"),
    500: _l("服务器错误"),
}


def _taken_by_another_method(exc: HTTPException) -> bool:
    """Whether a route takes the request's path with one of the methods a 405 offers.
    Werkzeug answers 405 when a route of another method matches the path's pattern before
    its converters have checked the values, so a path that names nothing would be a 405:
    PATCH /inspections/<id too large for an id>, where GET is a 404, or POST
    /staff//points (an empty segment) meeting GET /staff/<staff_code> with the slashes
    merged."""
    adapter = current_app.create_url_adapter(request)
    for method in getattr(exc, "valid_methods", None) or ():
        try:
            adapter.match(request.path, method=method)
        except HTTPException:  # not found (or a redirect elsewhere) with this method either
            continue
        return True
    return False


def error_response(code: int, message: str | None = None):
    message = str(message or MESSAGES.get(code, MESSAGES[500]))
    if request.path.startswith("/api/"):
        return jsonify({"error": {"code": code, "message": message}}), code
    return (
        render_template(
            "errors/error.html", code=code, title=TITLES.get(code, TITLES[500]), message=message
        ),
        code,
    )


def too_large_message() -> str | None:
    """The 413 message: on an upload form's page, the limit the form told the user (each
    file's, or for a form taking several files their total and each file's, see
    ``portal.request_limits``) and how to get the form back; elsewhere the limit the request
    was held to (``MAX_CONTENT_LENGTH``)."""
    limit = request.max_content_length
    if not limit:
        return None
    if request.path.startswith("/api/"):
        return _("请求过大：上限为 %(mb)s MB。", mb=megabytes(limit))
    # Going back (not reloading the form) is what keeps what was typed into it.
    back = _("请点击浏览器的“返回”按钮回到表单，已填写的内容通常仍在；")
    limits = view_limits(request.endpoint)
    if limits is None:
        return _(
            "上传的文件过大：本次提交超过 %(mb)s MB 的上限，未能保存。%(back)s"
            "换用较小的文件或减少附件后再提交。",
            mb=megabytes(limit),
            back=back,
        )
    file_limit = megabytes(current_app.config[limits.file_key])
    if limits.several:
        return _(
            "上传的文件过大：所选文件合计不能超过 %(total)s MB，每个文件不能超过 %(mb)s MB，"
            "本次提交未能保存。%(back)s减少附件或换用较小的文件后再提交。",
            total=megabytes(files_total(limits)),
            mb=file_limit,
            back=back,
        )
    return _(
        "上传的文件过大：文件不能超过 %(mb)s MB，本次提交未能保存。%(back)s"
        "换用较小的文件后再提交。",
        mb=file_limit,
        back=back,
    )


def init_errors(app: Flask) -> None:
    @app.errorhandler(PageOutOfRange)
    def _past_the_last_page(exc: PageOutOfRange):
        flash(
            _(
                "第 %(n)d 页不存在：共 %(pages)d 页，已转到第 %(pages)d 页。",
                n=exc.requested,
                pages=exc.last,
            ),
            "warning",
        )
        return redirect(page_url(exc.last, exc.arg))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return error_response(
            400,
            _l(
                "页面已过期或表单校验失败，本次提交未能保存。请点击浏览器的“返回”按钮回到表单，"
                "复制已填写的内容，刷新页面后再提交。"
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        # A description passed to abort() is ours (Chinese); werkzeug's defaults are not.
        custom = exc.description if exc.description != type(exc).description else None
        if code == 429:
            # Flask-Limiter describes the limit in English ("10 per 1 minute").
            custom = None
        if code == 413 and custom is None:
            custom = too_large_message()
        if code == 405 and not _taken_by_another_method(exc):
            code, custom = 404, None
        return error_response(code, custom)

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception):
        from portal.extensions import db

        db.session.rollback()
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500)

    # Keep InternalServerError routed through the same page.
    app.register_error_handler(InternalServerError, lambda exc: error_response(500))
