"""The only place that runs Tesseract.

Everything about the external program lives here: finding it and its languages (probed once
per executable), building the command line (list form, never a shell), the environment
(``OMP_THREAD_LIMIT=1``: Tesseract's OpenMP threads make a page six times slower on our two
cores, and parallelism comes from worker processes instead), the time-out, and turning every
failure into one of our own errors in :func:`_raise_for_failure`. One run per page produces
both the TSV (words, boxes, confidences) and a text-only PDF, whose glyphless font the page
PDF's invisible text is written in (:mod:`sohoa.digitize.text_layer`), so a page is never
OCR'd twice. Page runs go through ``pytesseract.run_tesseract`` (the project's named
Tesseract binding), which takes several outputs in one call; none of its exceptions leaves this
module. Every string that comes out is NFC.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sohoa.errors import MissingDependencyError, OcrError
from sohoa.i18n import _
from sohoa.i18n import lazy_gettext as L_

INSTALL_HINT = L_("cài bằng lệnh: apt-get install tesseract-ocr tesseract-ocr-vie")
DEFAULT_TIMEOUT = 180.0
_PROBE_TIMEOUT = 30.0
_STDERR_LINES = 5


@dataclass(frozen=True)
class TesseractInfo:
    """What the installed Tesseract is: its path, version string and installed languages."""

    path: str
    version: str
    languages: frozenset[str]


@dataclass(frozen=True)
class TsvWord:
    """One word row of Tesseract's TSV output (level 5), text already NFC."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    block: int
    par: int
    line: int


@dataclass(frozen=True)
class OcrOutput:
    """The result of one Tesseract run on one page image."""

    words: list[TsvWord]
    pdf: bytes  # one page, text only (invisible), page size = image pixels at the given dpi
    seconds: float


@dataclass(frozen=True)
class Orientation:
    """OSD's answer: rotate the image ``rotate`` degrees clockwise to make it upright."""

    rotate: int
    confidence: float


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def _resolve(command: str) -> str:
    """Absolute path of the executable; raises when it is not installed.

    Resolving first lets the probe cache key on the real file, so a different ``tesseract`` put
    on ``PATH`` (as tests do) is probed afresh.
    """
    found = shutil.which(command)
    if found is None:
        raise MissingDependencyError(_not_installed(f"'{command}'"))
    return found


def probe(command: str = "tesseract", lang: str = "vie") -> TesseractInfo:
    """Check that Tesseract and the languages ``lang`` (e.g. ``vie`` or ``vie+eng``) are installed.

    Raises :class:`MissingDependencyError` with the install command otherwise. Cached per
    executable path, so calling it before every page costs nothing.
    """
    info = _probe(_resolve(command))
    missing = [code for code in lang.split("+") if code not in info.languages]
    if missing:
        raise MissingDependencyError(
            _("Tesseract chưa có mô hình ngôn ngữ '%(missing)s' (đã cài: %(installed)s): %(hint)s")
            % {
                "missing": "+".join(missing),
                "installed": ", ".join(sorted(info.languages)) or _("không có"),
                "hint": INSTALL_HINT,
            }
        )
    return info


@functools.lru_cache(maxsize=8)
def _probe(path: str) -> TesseractInfo:
    version_run = _run([path, "--version"], timeout=_PROBE_TIMEOUT)
    first = (version_run.stdout or version_run.stderr).decode("utf-8", "replace").strip().splitlines()
    match = re.search(r"(\d+\.\d+(?:\.\d+)?)", first[0] if first else "")
    if version_run.returncode != 0 or match is None:
        _raise_for_failure(version_run, "tesseract --version")
    langs_run = _run([path, "--list-langs"], timeout=_PROBE_TIMEOUT)
    if langs_run.returncode != 0:
        _raise_for_failure(langs_run, "tesseract --list-langs")
    listing = (langs_run.stdout + langs_run.stderr).decode("utf-8", "replace").splitlines()
    languages = frozenset(line.strip() for line in listing[1:] if line.strip() and " " not in line.strip())
    return TesseractInfo(path=path, version=match.group(1), languages=languages)


def _ocr_config(*, psm: int, dpi: int, digits: bool = False) -> str:
    """The options of one page run: TSV and a text-only PDF from the same recognition.

    ``pytesseract.run_tesseract`` adds the image, the output base, ``-l`` and the ``pdf``
    output; the TSV output is switched on by its config variable (the binding leaves a ``tsv``
    extension off the command line). ``digits`` lets the run read nothing but digits (a number
    read again on its own).
    """
    config = f"--psm {int(psm)}"
    if dpi > 0:
        config += f" --dpi {int(dpi)}"
    if digits:
        config += " -c tessedit_char_whitelist=0123456789"
    return config + " -c textonly_pdf=1 -c tessedit_create_tsv=1"


def ocr_image(
    image: Path,
    *,
    lang: str = "vie",
    psm: int = 6,
    dpi: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    command: str = "tesseract",
    digits: bool = False,
) -> OcrOutput:
    """Recognise one page image file; return its words and its invisible text-layer PDF.

    ``dpi`` (when > 0) is passed to Tesseract so the PDF page gets the physical size of the
    scan, which is what lets the text layer line up with the image page built elsewhere.
    ``digits`` reads digits only. Raises :class:`OcrError` (failure, time-out, no output) or
    :class:`MissingDependencyError`.
    """
    info = probe(command, lang)
    with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
        outbase = Path(tmp) / "page"
        started = time.perf_counter()
        completed = _run_page(
            info.path,
            image,
            outbase,
            lang=lang,
            config=_ocr_config(psm=psm, dpi=dpi, digits=digits),
            timeout=timeout,
        )
        seconds = time.perf_counter() - started
        tsv_path, pdf_path = outbase.with_suffix(".tsv"), outbase.with_suffix(".pdf")
        if completed.returncode != 0 or not tsv_path.exists() or not pdf_path.exists():
            _raise_for_failure(completed, "tesseract")
        words = parse_tsv(tsv_path.read_bytes().decode("utf-8", "replace"))
        return OcrOutput(words=words, pdf=pdf_path.read_bytes(), seconds=seconds)


def detect_orientation(
    image: Path, *, dpi: int = 0, timeout: float = 60.0, command: str = "tesseract"
) -> Orientation:
    """Ask Tesseract's OSD (``--psm 0``) how far the page is turned.

    Costs about as much as reading the page, so callers run it only when they have a reason.
    A page with too little text for OSD gives ``Orientation(0, 0.0)`` rather than an error.
    """
    info = probe(command, "osd")
    args = [info.path, str(image), "stdout", "--psm", "0", "-l", "osd"]
    if dpi > 0:
        args += ["--dpi", str(dpi)]
    completed = _run(args, timeout=timeout)
    out = completed.stdout.decode("utf-8", "replace")
    rotate = re.search(r"^Rotate:\s*(\d+)", out, re.MULTILINE)
    confidence = re.search(r"^Orientation confidence:\s*([\d.]+)", out, re.MULTILINE)
    if completed.returncode != 0 or rotate is None:
        err = completed.stderr.decode("utf-8", "replace")
        if "Too few characters" in err or "Too few characters" in out:
            return Orientation(0, 0.0)
        _raise_for_failure(completed, "tesseract --psm 0")
    return Orientation(int(rotate.group(1)) % 360, float(confidence.group(1)) if confidence else 0.0)


def parse_tsv(tsv: str) -> list[TsvWord]:
    """Word rows (level 5) of Tesseract TSV with non-empty text, NFC-normalised."""
    words: list[TsvWord] = []
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        text = unicodedata.normalize("NFC", row[11]).strip()
        if not text:
            continue
        try:
            words.append(
                TsvWord(
                    text=text,
                    left=int(row[6]),
                    top=int(row[7]),
                    width=int(row[8]),
                    height=int(row[9]),
                    conf=float(row[10]),
                    block=int(row[2]),
                    par=int(row[3]),
                    line=int(row[4]),
                )
            )
        except ValueError:
            continue
    return words


@dataclass(frozen=True)
class _Completed:
    """The parts of a finished run we keep (also stands in for a time-out)."""

    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False


def _run(args: list[str], *, timeout: float) -> _Completed:
    """Run a command without a shell; never raises subprocess's own exceptions."""
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, env=_environment(), check=False)
    except subprocess.TimeoutExpired as exc:
        return _Completed(-1, exc.stdout or b"", exc.stderr or b"", timed_out=True)
    except FileNotFoundError as exc:
        raise MissingDependencyError(_not_installed(str(exc.filename))) from None
    except OSError as exc:
        raise OcrError(_("không khởi động được Tesseract: %(why)s") % {"why": exc.strerror or exc}) from None
    return _Completed(done.returncode, done.stdout, done.stderr)


def _run_page(path: str, image: Path, outbase: Path, *, lang: str, config: str, timeout: float) -> _Completed:
    """One page run through ``pytesseract.run_tesseract``; never raises the binding's exceptions.

    The binding takes its executable from a module variable and the environment from
    ``os.environ``, so both are set for the length of the call. Its time-out kills the process
    and raises ``RuntimeError``; its failures carry the exit status and the joined stderr.
    """
    import pytesseract  # imported here: the CLI's start-up does not pay for it

    binding = pytesseract.pytesseract
    binding.tesseract_cmd = path
    try:
        with _single_threaded_tesseract():
            binding.run_tesseract(str(image), str(outbase), "pdf", lang, config=config, timeout=timeout)
    except binding.TesseractNotFoundError:
        raise MissingDependencyError(_not_installed(path)) from None
    except binding.TesseractError as exc:
        return _Completed(int(exc.status), b"", str(exc.message).encode("utf-8", "replace"))
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            return _Completed(-1, b"", b"", timed_out=True)
        raise OcrError(_("không chạy được Tesseract: %(why)s") % {"why": exc}) from None
    except OSError as exc:
        raise OcrError(_("không khởi động được Tesseract: %(why)s") % {"why": exc.strerror or exc}) from None
    return _Completed(0, b"", b"")


_ENV_LOCK = threading.Lock()
_env_users = 0
_env_saved: str | None = None


@contextmanager
def _single_threaded_tesseract() -> Iterator[None]:
    """``OMP_THREAD_LIMIT=1`` in ``os.environ`` while a run lasts (the binding passes it on).

    Counted, so overlapping runs from threads keep the setting until the last one ends, and the
    caller's own value comes back afterwards.
    """
    global _env_users, _env_saved
    with _ENV_LOCK:
        if _env_users == 0:
            _env_saved = os.environ.get("OMP_THREAD_LIMIT")
            os.environ["OMP_THREAD_LIMIT"] = "1"
        _env_users += 1
    try:
        yield
    finally:
        with _ENV_LOCK:
            _env_users -= 1
            if _env_users == 0:
                if _env_saved is None:
                    os.environ.pop("OMP_THREAD_LIMIT", None)
                else:
                    os.environ["OMP_THREAD_LIMIT"] = _env_saved


def _raise_for_failure(completed: _Completed, what: str) -> None:
    """Turn a failed run into our error, quoting the last lines Tesseract wrote to stderr."""
    lines = [line for line in completed.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    tail = unicodedata.normalize("NFC", " | ".join(lines[-_STDERR_LINES:]))
    if completed.timed_out:
        raise OcrError(_("%(what)s chạy quá lâu nên bị dừng (hết thời gian chờ)") % {"what": what})
    if "Failed loading language" in tail or "couldn't load any languages" in tail:
        raise MissingDependencyError(
            _("Tesseract không nạp được mô hình ngôn ngữ (%(tail)s): %(hint)s")
            % {"tail": tail, "hint": INSTALL_HINT}
        )
    said = tail or _("không có thông báo")
    if completed.returncode != 0:
        raise OcrError(
            _("%(what)s lỗi, mã thoát %(code)s: %(tail)s")
            % {"what": what, "code": completed.returncode, "tail": said}
        )
    raise OcrError(_("%(what)s không cho kết quả: %(tail)s") % {"what": what, "tail": said})


def _not_installed(what: str) -> str:
    return _("chưa cài Tesseract (không tìm thấy %(what)s): %(hint)s") % {"what": what, "hint": INSTALL_HINT}
