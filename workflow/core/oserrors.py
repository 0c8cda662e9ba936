"""One Chinese line for an output the office cannot write (disk full, no permission, a file
locked or held open by another program), instead of a traceback.

Such a failure is the office's problem, not the submitted file's: callers keep the file and try
again later (the daemon) or stop with this line (`workflow process`); nothing is rejected.
"""

from __future__ import annotations

import errno

__all__ = ["os_error_in", "output_problem"]

_REASONS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EACCES: "没有写入权限，或文件正被其他程序占用",
    errno.EPERM: "不允许写入（文件或文件夹被锁定、设为只读或正被占用）",
    errno.EROFS: "所在磁盘是只读的",
    errno.EBUSY: "文件正被其他程序占用",
    errno.ETXTBSY: "文件正被其他程序占用",
}


def os_error_in(exc: BaseException | None) -> OSError | None:
    """The OSError at the root of `exc` (ours wrap it with `from exc`), if any."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def output_problem(exc: BaseException) -> str:
    """'无法写入 <path>：磁盘空间已满' and the like; the exception's own text otherwise."""
    os_exc = os_error_in(exc)
    if os_exc is None:
        return str(exc) or type(exc).__name__
    reason = _REASONS.get(os_exc.errno or 0) or os_exc.strerror or str(os_exc)
    where = os_exc.filename
    return f"无法写入“{where}”：{reason}" if where else f"无法写入输出：{reason}"
