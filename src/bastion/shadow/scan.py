"""`bastion shadow scan`: files -> format (given or sniffed) -> events -> catalogue match -> tally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bastion.shadow.catalogue import Catalogue
from bastion.shadow.events import BadLine
from bastion.shadow.formats import Parser, UnknownFormat, make_parser, sniff
from bastion.shadow.reader import LogFile, Progress
from bastion.shadow.tally import Tally

MAX_EXAMPLES = 5
_PROGRESS_LINES = 0x3FFF  # check the clock every 16k lines


@dataclass(slots=True)
class FileStats:
    path: str
    format: str | None = None
    lines: int = 0
    events: int = 0  # lines read as requests/queries/connections
    matched: int = 0  # ... to a catalogued AI service
    skipped: int = 0  # headers, comments, blank lines
    bad: int = 0
    bad_examples: list[tuple[int, str]] = field(default_factory=list)
    error: str | None = None  # the file could not be read at all
    bytes_out_known: bool = True

    def public(self) -> dict[str, Any]:
        return {
            "path": self.path, "format": self.format, "lines": self.lines, "events": self.events,
            "matched": self.matched, "skipped": self.skipped, "bad_lines": self.bad,
            "bad_examples": [{"line": n, "reason": r} for n, r in self.bad_examples],
            "bytes_out_known": self.bytes_out_known, "error": self.error,
        }  # fmt: skip


def scan_file(
    log: LogFile,
    parser: Parser,
    catalogue: Catalogue,
    *,
    tally: Tally,
    stats: FileStats,
    user_id: Callable[[str], str],
    progress: Progress,
) -> None:
    match = catalogue.index.match
    parse = parser.parse
    add = tally.add
    lineno = 0
    try:
        for lineno, line in enumerate(log.lines(), 1):
            if not lineno & _PROGRESS_LINES:
                progress.update(log.name, log.position(), log.total)
            try:
                event = parse(line)
            except BadLine as exc:
                _bad(stats, lineno, str(exc))
                continue
            except (ValueError, IndexError, KeyError, OverflowError) as exc:  # a parser gap: a bad line too
                _bad(stats, lineno, f"unreadable: {exc}")
                continue
            if event is None:
                stats.skipped += 1
                continue
            stats.events += 1
            service = match(event.host, event.path)
            if service is None:
                continue
            stats.matched += 1
            add(service.id, user_id(event.user), event.time, event.bytes_out)
    finally:
        stats.lines = lineno


def _bad(stats: FileStats, lineno: int, reason: str) -> None:
    stats.bad += 1
    if len(stats.bad_examples) < MAX_EXAMPLES:
        stats.bad_examples.append((lineno, reason))


def scan_paths(
    paths: list[str],
    fmt: str,
    catalogue: Catalogue,
    *,
    columns: dict[str, str] | None = None,
    user_id: Callable[[str], str] = str,
    progress: Progress | None = None,
) -> tuple[Tally, list[FileStats]]:
    tally = Tally()
    progress = progress or Progress(enabled=False)
    files: list[FileStats] = []
    for path in paths:
        stats = FileStats(path)
        files.append(stats)
        try:
            log = LogFile(path)
        except OSError as exc:
            stats.error = f"cannot open: {exc.strerror or exc}"
            continue
        try:
            chosen = fmt
            if chosen == "auto":
                sniffed = sniff(log.sample(), has_columns=bool(columns))
                if sniffed is None:
                    stats.error = "cannot tell the log format; pass --format"
                    continue
                chosen = sniffed
            stats.format = chosen
            parser = make_parser(chosen, columns)
            stats.bytes_out_known = parser.has_bytes_out
            scan_file(
                log, parser, catalogue, tally=tally, stats=stats, user_id=user_id, progress=progress
            )
        except UnknownFormat as exc:
            stats.error = str(exc)
        except (OSError, EOFError) as exc:  # e.g. a truncated gzip: what was read so far still counts
            stats.error = f"read error after line {stats.lines}: {exc}"
        finally:
            log.close()
            progress.done()
    return tally, files
