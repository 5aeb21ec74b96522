"""The SQL cookbook (``docs/cookbook.md``): parse it, run its queries, keep its outputs true.

Each recipe is a ``## N. Question`` section with one ```sql block and the ```text block of its
output on the demo data. ``python -m bench.cookbook [--write] [FILE]`` runs every query against
the configured database (after ``newsmon demo``) and prints, or writes back, the outputs; the
test suite runs them on a freshly loaded demo database and asserts they match the document.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from etl.settings import PACKAGE_DIR

COOKBOOK = PACKAGE_DIR.parent / "docs" / "cookbook.md"
_SECTION = re.compile(r"^## (\d+)\. (.+)$", re.M)
_BLOCK = re.compile(r"```(sql|text)\n(.*?)```", re.S)


@dataclass(frozen=True)
class Recipe:
    number: int
    question: str
    sql: str
    output: str | None


def parse(text: str) -> list[Recipe]:
    sections = list(_SECTION.finditer(text))
    recipes = []
    for i, match in enumerate(sections):
        end = sections[i + 1].start() if i + 1 < len(sections) else len(text)
        blocks = dict((kind, body) for kind, body in _BLOCK.findall(text[match.end():end]))
        if "sql" in blocks:
            recipes.append(Recipe(int(match.group(1)), match.group(2).strip(),
                                  blocks["sql"].strip(), blocks.get("text")))
    return recipes


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return "{" + ",".join(_cell(v) for v in value) + "}"
    return str(value)


def format_result(columns: list[str], rows: list[tuple]) -> str:
    """psql-like aligned text."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
              for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def run_recipe(conn, recipe: Recipe) -> str:
    with conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute(recipe.sql)
        columns = [d.name for d in cur.description]
        result = format_result(columns, cur.fetchall())
    conn.rollback()
    return result


def rewrite(text: str, outputs: dict[int, str]) -> str:
    """The document with each recipe's text block replaced by its new output."""
    sections = list(_SECTION.finditer(text))
    pieces, last = [], 0
    for i, match in enumerate(sections):
        end = sections[i + 1].start() if i + 1 < len(sections) else len(text)
        number = int(match.group(1))
        body = text[match.start():end]
        if number in outputs:
            block = f"```text\n{outputs[number]}```"
            if "```text\n" in body:
                start = body.index("```text\n")
                end_block = body.index("```", start + 8) + 3
                body = body[:start] + block + body[end_block:]
            else:
                sql_end = body.index("```", body.index("```sql\n") + 7) + 3
                body = body[:sql_end] + "\n\n" + block + body[sql_end:]
        pieces.append(text[last:match.start()] + body)
        last = end
    return "".join(pieces) + text[last:]


def main(argv: list[str] | None = None) -> int:
    from etl.settings import Settings
    from etl.store import db

    args = list(sys.argv[1:] if argv is None else argv)
    write = "--write" in args
    args = [a for a in args if a != "--write"]
    path = Path(args[0]) if args else COOKBOOK
    text = path.read_text()
    conn = db.connect(db.database_url(Settings.from_env()))
    try:
        outputs = {r.number: run_recipe(conn, r) for r in parse(text)}
    finally:
        conn.close()
    if write:
        path.write_text(rewrite(text, outputs))
    else:
        for number, output in outputs.items():
            print(f"-- {number}\n{output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
