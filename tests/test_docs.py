"""The code in README.md and docs/*.md runs, and prints what the text says.

Fenced blocks are read by their info string (the first word is the language,
the rest are flags):

- ``python``: run. All python blocks of one file run in order, in one
  namespace: a module named ``example``. Each block is first written to a
  file of its own, ``example.py`` (in a directory per block), so adcompile
  can read the source of the functions it defines and error messages point
  at the block's own lines.
- ``python no-run``: not run (use sparingly).
- a block with ``file=NAME`` (``python file=model.py``,
  ``toml file=pyproject.toml``): written to NAME in the working directory,
  not run (later blocks and commands import or use it).
- ``console checked``: ``$ COMMAND`` lines are run with bash in the working
  directory, each followed by its expected output (stdout and stderr).
  When the expected output holds ``(Pdb) CMD`` lines, the command is a pdb
  session: the CMDs are its input.
- any block with the flag ``output``: the expected stdout of the python
  block just before it.
- everything else (``sh``, ``toml``, ``text``...): not run.

Only fences at column 0 count: blocks indented inside a list are not run.
An expected output may use ``...`` to match any text within a line (a hash,
a version).

The working directory is a fresh temporary directory holding a copy of
``examples/``. Outputs are compared line by line after removing trailing
spaces, expanding tabs and writing the temporary directory's path as ``.``.

``ADCOMPILE_UPDATE_DOCS=1 pytest tests/test_docs.py`` writes the actual
outputs into the Markdown files instead of failing (then read the diff: the
prose around an output may need updating too). It writes nothing when a
block crashed.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
UPDATE = os.environ.get("ADCOMPILE_UPDATE_DOCS") == "1"
MODULE = "example"


@dataclass
class Block:
    language: str
    flags: list[str]
    text: str
    start: int  # index of the first content line in the file's lines
    end: int  # index of the closing fence

    @property
    def file(self) -> str | None:
        for flag in self.flags:
            if flag.startswith("file="):
                return flag[len("file=") :]
        return None


def parse_blocks(lines: list[str]) -> list[Block]:
    """The fenced code blocks of a Markdown file (fences at column 0)."""
    blocks = []
    i = 0
    while i < len(lines):
        fence = re.match(r"(`{3,})(.*)$", lines[i])
        if not fence:
            i += 1
            continue
        ticks, info = fence.group(1), fence.group(2).split()
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != ticks:
            end += 1
        assert end < len(lines), f"unclosed code block at line {i + 1}"
        language, flags = (info[0], info[1:]) if info else ("", [])
        blocks.append(Block(language, flags, "".join(lines[i + 1 : end]), i + 1, end))
        i = end + 1
    return blocks


def same(expected: str, actual: str) -> bool:
    """Equal, where ``...`` in an expected line matches any text in that line."""
    if expected == actual:
        return True
    pattern = "\n".join(
        ".*?".join(re.escape(part) for part in line.split("..."))
        for line in expected.split("\n")
    )
    return re.fullmatch(pattern, actual) is not None


def normalize(text: str, workdir: Path) -> str:
    for path in {str(workdir), str(workdir.resolve())}:
        text = re.sub(re.escape(path) + r"/b\d+/", "", text)
        text = text.replace(path + "/", "").replace(path, ".")
    lines = [line.expandtabs().rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


@dataclass
class Runner:
    """Runs the blocks of one Markdown file in ``workdir``."""

    workdir: Path
    module: types.ModuleType = field(init=False)
    count: int = 0

    def __post_init__(self) -> None:
        self.module = types.ModuleType(MODULE)
        self.module.__file__ = str(self.workdir / f"{MODULE}.py")
        sys.modules[MODULE] = self.module

    def python(self, code: str) -> str:
        self.count += 1
        path = self.workdir / f"b{self.count}" / f"{MODULE}.py"
        path.parent.mkdir()
        path.write_text(code)
        compiled = compile(code, str(path), "exec")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compiled, self.module.__dict__)
        return out.getvalue()

    def console(self, text: str) -> list[tuple[str, str, str]]:
        """(command, expected, actual) for each ``$ command`` of the block."""
        results = []
        for command, expected in split_console(text):
            actual = self.shell(command, expected)
            results.append((command, expected, actual))
        return results

    def shell(self, command: str, expected: str) -> str:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(SRC), env.get("PYTHONPATH", "")) if p
        )
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("NO_COLOR", None)
        env.pop("PYTHONBREAKPOINT", None)
        pdb_commands = re.findall(r"^\(Pdb\) (.*)$", expected, flags=re.M)
        stdin = "".join(f"{c}\n" for c in pdb_commands) if pdb_commands else None
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=self.workdir,
            env=env,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        output = result.stdout
        if pdb_commands:  # show each command after its prompt, as a terminal does
            parts = output.split("(Pdb) ")
            for i, command_text in enumerate(pdb_commands, start=1):
                if i < len(parts):
                    parts[i] = f"{command_text}\n{parts[i]}"
            output = "(Pdb) ".join(parts)
        return output


def split_console(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, f"console block must start with a $ command: {line!r}"
            pairs[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in pairs]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    shutil.copytree(
        ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("*.pyc")
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    sys.modules.pop(MODULE, None)
    for name in set(sys.modules) - before:  # modules the doc's code imported
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_code_runs_and_prints_what_it_shows(doc: Path, workdir: Path):
    lines = doc.read_text().splitlines(True)
    runner = Runner(workdir)
    last_output: str | None = None
    mismatches: list[str] = []
    updates: list[tuple[Block, str]] = []

    def compare(block: Block, expected: str, actual: str, what: str) -> bool:
        if same(normalize(expected, workdir), normalize(actual, workdir)):
            return True
        mismatches.append(
            f"{doc.name}:{block.start}: {what} prints\n"
            f"{normalize(actual, workdir)}\n--- but the doc shows ---\n"
            f"{normalize(expected, workdir)}"
        )
        return False

    for block in parse_blocks(lines):
        if block.file:
            (workdir / block.file).write_text(block.text)
            last_output = None
        elif block.language == "python" and "output" not in block.flags:
            if "no-run" in block.flags:
                continue
            try:
                last_output = runner.python(block.text)
            except Exception as error:  # noqa: BLE001 - report the doc's line
                raise AssertionError(
                    f"{doc.name}:{block.start}: the python block raised "
                    f"{type(error).__name__}: {error}"
                ) from error
        elif "output" in block.flags:
            assert (
                last_output is not None
            ), f"{doc.name}:{block.start}: an output block must follow a python block"
            if not compare(block, block.text, last_output, "the python block above"):
                updates.append((block, normalize(last_output, workdir) + "\n"))
            last_output = None
        elif block.language == "console" and "checked" in block.flags:
            fresh, changed = [], False
            for command, expected, actual in runner.console(block.text):
                if compare(block, expected, actual, f"$ {command}"):
                    actual = expected  # keep the doc's text (and its ... wildcards)
                else:
                    changed = True
                fresh.append(f"$ {command}\n{normalize(actual, workdir)}\n")
            if changed:
                updates.append((block, "".join(fresh)))
            last_output = None

    crashed = [text for _, text in updates if "Traceback (most recent call" in text]
    if UPDATE and mismatches and not crashed:  # never write a crash into the docs
        for block, text in reversed(updates):
            lines[block.start : block.end] = [text]
        doc.write_text("".join(lines))
        return
    if mismatches:
        pytest.fail("\n\n".join(mismatches), pytrace=False)


def test_parse_blocks_reads_info_strings():
    text = "a\n```python no-run\nx = 1\n```\n\n```console checked\n$ ls\n```\n"
    blocks = parse_blocks(text.splitlines(True))
    assert [(b.language, b.flags, b.text) for b in blocks] == [
        ("python", ["no-run"], "x = 1\n"),
        ("console", ["checked"], "$ ls\n"),
    ]


def test_docs_link_to_files_that_exist():
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to {target}"
