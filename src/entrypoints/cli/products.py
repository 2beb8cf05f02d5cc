"""emporium products: the catalog in bulk, as CSV in and CSV or NDJSON out."""

import csv
import os
import re
import sys
from collections.abc import AsyncIterator, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from application.catalog.commands import ProductSort
from entrypoints.cli.common import fail, run, stderr, yes_no

if TYPE_CHECKING:
    from application.catalog.transfer import ImportRow
    from domain.catalog import Product
    from entrypoints.container import Container

app = typer.Typer(help="The catalog: one product, a list, and in bulk.", no_args_is_help=True)

COLUMNS = ("sku", "name", "description", "price", "stock", "is_active")
# Columns a file may leave out: is_active (absent: unchanged, and active when new).
OPTIONAL = frozenset({"is_active"})
# What undecodable bytes become when read with errors="surrogateescape".
_UNDECODABLE = re.compile("[\udc80-\udcff]")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP's CSV
# injection). Such cells are written behind a "'", which import takes off again; a cell
# already starting with "'"s before one gets one more, so every cell comes back exact.
_FORMULA = re.compile("^'*[=+\\-@\t\r]")
_ESCAPED = re.compile("^'+[=+\\-@\t\r]")
# No line of a file is longer (a description is at most 5,000 characters): a file with
# none, such as /dev/zero or a binary, is refused instead of read whole.
MAX_LINE = 64 * 1024
_BOOLEANS = {"true": True, "false": False}


def spreadsheet_safe(cell: str) -> str:
    return f"'{cell}" if _FORMULA.match(cell) else cell


def _from_spreadsheet(cell: str) -> str:
    return cell[1:] if _ESCAPED.match(cell) else cell


class BadFile(Exception):
    """The file as a whole cannot be imported (no header, missing or unknown columns)."""


class Format(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"


def read_rows(handle: IO[str]) -> Iterator["ImportRow"]:
    """The rows of a CSV file whose header names the columns, in any order. A row that
    cannot be read (bytes that are not UTF-8, too few or too many fields) carries its
    problem, to be reported with its line number like any other bad row."""
    from application.catalog.transfer import ImportRow

    reader = csv.reader(_lines(handle))
    header = next(reader, None)
    if header is None:
        raise BadFile(f"the file is empty: its first row must name the columns {','.join(COLUMNS)}")
    names = [name.strip().lower() for name in header]
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL]
    unknown = [n for n in names if n not in COLUMNS] + [n for n in COLUMNS if names.count(n) > 1]
    if missing or unknown:
        found = "; ".join(
            part
            for part in (
                missing and f"missing column(s) {', '.join(missing)}",
                unknown and f"unknown or repeated column(s) {', '.join(unknown)}",
            )
            if part
        )
        raise BadFile(f"line 1: {found} (the columns are {','.join(COLUMNS)})")
    where = {column: names.index(column) for column in COLUMNS if column in names}
    next_line = reader.line_num + 1
    for fields in reader:
        line, next_line = next_line, reader.line_num + 1
        if not fields:  # a blank line
            continue
        problem = None
        if len(fields) != len(names):
            problem = f"{len(fields)} fields, where the header has {len(names)}"
        elif any(_UNDECODABLE.search(field) for field in fields):
            problem = "bytes that are not UTF-8"
        # A line break inside a quoted field, as spreadsheets write it (CRLF), is one.
        values = {
            c: _from_spreadsheet(fields[i].replace("\r\n", "\n")) if i < len(fields) else ""
            for c, i in where.items()
        }
        active = values.pop("is_active", None)
        is_active = None if active is None else _BOOLEANS.get(active.strip().lower())
        if active is not None and is_active is None and problem is None:
            problem = "is_active is true or false"
        yield ImportRow(line=line, problem=problem, is_active=is_active, **values)


def _lines(handle: IO[str]) -> Iterator[str]:
    """The file's lines, each at most MAX_LINE characters long."""
    number = 0
    while line := handle.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise BadFile(f"line {number} is over {MAX_LINE} characters: is this a CSV file?")
        yield line


def _count_rows(path: Path) -> int | None:
    """The rows under the header, as the import will read them (a quoted field may span
    lines); None if the file cannot be read so far (the import says why)."""
    try:
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            return max(sum(1 for _ in csv.reader(_lines(handle))) - 1, 0)
    except (BadFile, csv.Error):
        return None


@app.command("import")
def import_products(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A CSV file.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
    ] = False,
) -> None:
    """Add or update products by SKU from a CSV file.

    Its header row names the columns sku,name,description,price,stock and, optionally,
    is_active (true or false; absent, an existing product keeps its state and a new one
    is active). Bad rows are reported with their line and not imported; the good ones
    are. Exit code 1 if any row was rejected."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from application.catalog.transfer import ImportProducts
    from application.shared.actor import Actor

    if not file.is_file():
        raise fail(f"{file} is not a regular file")
    totals = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}

    async def work(container: "Container") -> None:
        # utf-8-sig: a byte-order mark (as spreadsheets write) is not part of the header.
        with (
            file.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle,
            Progress(
                TextColumn("importing" if not dry_run else "checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows"),
                console=stderr,
                transient=True,
                disable=not stderr.is_terminal,
            ) as progress,
        ):
            task = progress.add_task("import", total=_count_rows(file))
            command = ImportProducts(
                Actor.operator(), rows=read_rows(handle), source=file.name, dry_run=dry_run
            )
            async for batch in container.catalog.import_products()(command):
                for row in batch.rejected:
                    progress.console.print(
                        f"line {row.line}: {row.reason}", highlight=False, markup=False
                    )
                for key in ("created", "updated", "unchanged"):
                    totals[key] += getattr(batch, key)
                totals["rejected"] += len(batch.rejected)
                progress.advance(task, batch.rows)

    try:
        run(work)
    except BadFile as error:
        raise fail(f"{error}; the batches before it were imported") from None
    except csv.Error as error:
        raise fail(
            f"the file is not CSV I can read ({error}); the batches before it were imported"
        ) from None
    finally:  # what was done, even when a failure stopped it
        summary = ", ".join(f"{count} {what}" for what, count in totals.items())
        stderr.print(summary + (" (dry run: nothing written)" if dry_run else ""))
    if totals["rejected"]:
        raise typer.Exit(1)


def _csv_row(product: "Product") -> tuple[object, ...]:
    texts = (product.sku.value, product.name, product.description)
    return (
        *map(spreadsheet_safe, texts),
        product.price.amount,
        product.stock,
        str(product.is_active).lower(),
    )


@app.command()
def export(
    format: Annotated[
        Format, typer.Option("--format", help="csv (imports back) or ndjson.")
    ] = Format.CSV,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            dir_okay=False,
            help="A file, written whole or not at all; stdout by default.",
        ),
    ] = None,
) -> None:
    """Write every product as CSV, archived ones too, oldest first.

    Streamed page by page. The CSV imports back unchanged; a cell a spreadsheet would
    run as a formula is written behind a "'", which the import takes off."""
    from application.catalog.transfer import ExportProducts
    from application.shared.actor import Actor
    from entrypoints.documents import product_document, to_json

    async def work(container: "Container", out: IO[str]) -> int:
        writer, written = csv.writer(out), 0
        if format is Format.CSV:
            writer.writerow(COLUMNS)
        async for product in container.catalog.export_products()(ExportProducts(Actor.operator())):
            if format is Format.CSV:
                writer.writerow(_csv_row(product))
            else:
                out.write(to_json(product_document(product)).decode() + "\n")
            written += 1
        return written

    if output is None:
        try:
            run(lambda container: work(container, sys.stdout))
        except BrokenPipeError:
            # The reader had enough (| head). Python's own advice: point stdout at
            # devnull, so that flushing it at exit raises nothing, and exit 1.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        return
    # Written beside the target and moved over it at the end: never half a file.
    partial = output.with_name(f".{output.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            written = run(lambda container: work(container, out))
        partial.replace(output)
        stderr.print(f"{written} products written to {output}", highlight=False)
    except OSError as error:
        raise fail(f"cannot write {output}: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


_LIST_COLUMNS = ("id", "sku", "name", "price", "stock", "active")


def _list_row(product: "Product") -> tuple[str, ...]:
    return (
        str(product.id),
        str(product.sku),
        product.name,
        str(product.price),
        str(product.stock),
        yes_no(product.is_active),
    )


@app.command("list")
def list_products(
    q: Annotated[str | None, typer.Option("--q", help="In name, SKU or description.")] = None,
    min_price: Annotated[str | None, typer.Option(help="An amount, e.g. 9.99.")] = None,
    max_price: Annotated[str | None, typer.Option(help="An amount.")] = None,
    in_stock: Annotated[
        bool | None, typer.Option("--in-stock/--out-of-stock", help="Only these.")
    ] = None,
    include_archived: Annotated[bool, typer.Option(help="Archived ones too.")] = False,
    sort: Annotated[ProductSort, typer.Option(help="As the API's.")] = ProductSort.NEWEST,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """List the catalog as the API filters and sorts it.

    A table on a terminal, tab-separated lines in a pipe, or with --json the API's
    product documents, one per line."""
    from application.catalog.commands import ListProducts
    from application.shared.actor import Actor
    from entrypoints.cli.common import every_item, print_items
    from entrypoints.documents import product_document, to_json

    def every_product(container: "Container") -> AsyncIterator["Product"]:
        list_products = container.catalog.list_products()
        return every_item(
            lambda after: list_products(
                ListProducts(
                    Actor.operator(),
                    q,
                    min_price,
                    max_price,
                    in_stock,
                    include_archived,
                    sort,
                    limit=100,
                    after=after,
                )
            )
        )

    print_items(
        every_product,
        _LIST_COLUMNS,
        _list_row,
        (lambda product: to_json(product_document(product)).decode()) if as_json else None,
    )


@app.command()
def show(
    product: Annotated[str, typer.Argument(help="Its id or its SKU.")],
    include_archived: Annotated[bool, typer.Option(help="Even if it is archived.")] = False,
) -> None:
    """One product as the API shows it (its JSON document), by id or SKU."""
    from uuid import UUID

    from application.catalog.commands import GetProduct, GetProductBySku
    from application.catalog.products import GetProductBySkuHandler, GetProductHandler
    from application.shared.actor import Actor
    from entrypoints.documents import product_document, to_json

    async def work(container: "Container") -> "Product":
        operator = Actor.operator()
        by_id: GetProductHandler = container.catalog.get_product()
        by_sku: GetProductBySkuHandler = container.catalog.get_product_by_sku()
        try:
            product_id = UUID(product)
        except ValueError:
            return await by_sku(GetProductBySku(operator, product, include_archived))
        return await by_id(GetProduct(operator, product_id, include_archived))

    typer.echo(to_json(product_document(run(work))).decode())
