"""Every example in README.md and docs/ runs, verbatim, against a demo firm.

The problem: the docs showed commands, options and outputs that the code had stopped
accepting or printing, and nothing noticed. This test reads the examples out of the
documents and runs them, so a doc cannot drift from the code without a red test.

The rule (stated for writers in docs/cli.md, "Examples in these docs"):

- A ```` ```console ```` block is a transcript and is run: each `$ ` line is a command
  (it continues on the next line after a `\\` or while a quote is open), and the lines
  after it, up to the next `$ `, are what it prints.
- A ```` ```sh ````, ```` ```bash ```` or ```` ```shell ```` block is run too: every line
  is a command, with no output shown.
- Every other block (```` ```text ````, no language, json, toml, python) is never run:
  synopses with `[--option]` and `A|B`, grammars, sample files, outputs on their own.
- `<!-- not run: REASON -->` on the line above a console or sh block skips it; the
  reason is required and shows in the test report (a server, a cluster, minutes of work).
- A `$ trimtab` line outside a console block is an example no one runs: refused.

What a command must do:

- exit with the code shown by a `$ echo $?` right after it; otherwise, when its shown
  output starts with `error:`, fail with the code of a problem kind (2 to 6,
  docs/cli.md); otherwise exit 0. Never print a traceback.
- print every shown output line, loosely: whitespace is collapsed, any number matches
  any number (`1,204` matches `6`), `...` matches anything, and a word ending in `...`
  (`3f9c0e...`) matches any word. A command shown without output is not checked.

How it runs, and why so: the demo firm is built once per test session by the recipe of
the Makefile's `demo` target (read from the Makefile, so it is exactly what `make demo`
does) with 200 accounts instead of 2,000 and without serving it at the end. Each
document then gets its own copy of that database and its own working folder, and its
commands run in document order, each in its own `bash -c` with `trimtab` on the PATH
(this interpreter's `-m trimtab`), so `cd`, `export` and variables last one line, as in
a fresh terminal tab. The working
folder holds links to the repository's top-level entries, so `examples/...` and
`docs/contracts/...` resolve as from the repository root while files a command writes
(`--out out/study`) land in the temporary folder. Tests are parametrized by
(document, line) so a failure names both; under pytest-xdist each worker replays the
earlier commands of a document it needs, so a command always sees the state its
predecessors in the document left, whichever worker runs it.

Example: docs/cli.md carries

    ```console
    $ trimtab corporate-actions apply NO-SUCH-ID
    error: NO-SUCH-ID: no corporate action with this id
    $ echo $?
    3
    ```

which becomes the test `docs/cli.md:55`: the command must exit 3 and print that line.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("**/*.md"))]
RUN_LANGUAGES = {"console", "sh", "bash", "shell"}
DEMO_ACCOUNTS = 200
# as `make demo DEMO_ACCOUNTS=200 DEMO_SERVE=0`: a smaller firm, and no server left running
MAKE_DEMO_OVERRIDES = {"DEMO_ACCOUNTS": str(DEMO_ACCOUNTS), "DEMO_SERVE": "0"}
COMMAND_TIMEOUT = 240  # seconds; a command waiting forever must fail, not stall the suite
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<language>[\w-]*)\s*$")
NOT_RUN = re.compile(r"^\s*<!--\s*not run(?::\s*(?P<reason>.*?))?\s*-->\s*$")
PROMPT = "$ "
PROBLEM_EXIT_CODES = range(2, 7)  # invalid .. unavailable (trimtab.domain.problems)


@dataclass(frozen=True)
class Example:
    """One command of a document, with what the document says it does."""

    document: str  # relative to the repository, e.g. "docs/cli.md"
    line: int  # 1-based line of the command in the document
    command: str
    output: tuple[str, ...] = ()
    exit_code: int | None = None  # shown by `$ echo $?`

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"

    @property
    def fails_on_purpose(self) -> bool:
        return bool(self.output) and self.output[0].startswith("error:")


@dataclass(frozen=True)
class Skipped:
    document: str
    line: int
    reason: str


@dataclass
class Document:
    path: str
    examples: list[Example] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_document(path: Path) -> Document:
    """The examples of one document, its skipped blocks and where it breaks the rule."""
    relative = path.relative_to(REPO).as_posix()
    document = Document(relative)
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, language = opening["indent"], opening["language"]
        body_start = index + 1
        end = body_start
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        body = [
            (number + 1, lines[number].removeprefix(indent)) for number in range(body_start, end)
        ]
        index = end + 1
        before = next((lines[n] for n in range(body_start - 2, -1, -1) if lines[n].strip()), "")
        marker = NOT_RUN.match(before)
        where = f"{relative}:{body_start}"
        if language not in RUN_LANGUAGES:
            document.problems += [
                f"{relative}:{number}: a `$ trimtab` example in a ```{language} block is never "
                "run: make the block ```console, or mark it <!-- not run: REASON -->"
                for number, text in body
                if text.startswith(PROMPT + "trimtab")
            ]
            continue
        if marker:
            if not marker["reason"]:
                document.problems.append(f"{where}: <!-- not run --> must say why")
            document.skipped.append(Skipped(relative, body_start, marker["reason"] or ""))
            continue
        parse = _console if language == "console" else _script
        examples, problems = parse(relative, body)
        document.examples += examples
        document.problems += problems
    return document


def _joined(body: list[tuple[int, str]], start: int) -> tuple[str, int]:
    """The command starting at body[start], with its continuations; the next index.

    A command continues on the next line after a `\\`, or while a quote is open (a JSON
    history typed between single quotes). The line breaks are kept: bash joins the
    lines as a reader's shell would.
    """
    text = body[start][1]
    at = start
    while (text.endswith("\\") or _quote_open(text)) and at + 1 < len(body):
        at += 1
        text = text + "\n" + body[at][1]
    return text, at + 1


def _quote_open(command: str) -> bool:
    try:
        shlex.split(command, comments=True)
    except ValueError:  # "No closing quotation"
        return True
    return False


def _console(document: str, body: list[tuple[int, str]]) -> tuple[list[Example], list[str]]:
    examples: list[Example] = []
    problems: list[str] = []
    at = 0
    while at < len(body):
        number, text = body[at]
        if not text.startswith(PROMPT):
            if text.strip():
                problems.append(f"{document}:{number}: output before any `$ ` command")
            at += 1
            continue
        command, at = _joined(body, at)
        command = command.removeprefix(PROMPT)
        output: list[str] = []
        while at < len(body) and not body[at][1].startswith(PROMPT):
            if body[at][1].strip():
                output.append(body[at][1])
            at += 1
        if command.strip() == "echo $?":
            if not examples or len(output) != 1 or not output[0].strip().isdigit():
                problems.append(
                    f"{document}:{number}: `$ echo $?` needs a command before it "
                    "and one exit code after it"
                )
                continue
            last = examples.pop()
            examples.append(
                Example(last.document, last.line, last.command, last.output, int(output[0]))
            )
            continue
        examples.append(Example(document, number, command, tuple(output)))
    return examples, problems


def _script(document: str, body: list[tuple[int, str]]) -> tuple[list[Example], list[str]]:
    examples: list[Example] = []
    at = 0
    while at < len(body):
        number, text = body[at]
        if not text.strip() or text.lstrip().startswith("#"):
            at += 1
            continue
        command, at = _joined(body, at)
        if command.startswith(PROMPT):
            return [], [f"{document}:{number}: a `$ ` prompt in a script block: use ```console"]
        examples.append(Example(document, number, command))
    return examples, []


def shown_line_matches(shown: str, printed: str) -> bool:
    """Whether a line the document shows appears, loosely, in what the command printed."""
    words = []
    for word in shown.split():
        if word.endswith(("...", "…")) and word not in ("...", "…"):
            words.append(r"\S*")
            continue
        parts = re.split(r"(\.\.\.|…|\d[\d,]*(?:\.\d+)?)", word)
        pattern = ""
        for part in parts:
            if part in ("...", "…"):
                pattern += ".*?"
            elif re.fullmatch(r"\d[\d,]*(?:\.\d+)?", part):
                pattern += r"\d[\d,]*(?:\.\d+)?"
            else:
                pattern += re.escape(part)
        words.append(pattern)
    return re.search(r"\s+".join(words), " ".join(printed.split())) is not None


ALL = [read_document(path) for path in DOCUMENTS]
EXAMPLES = [example for document in ALL for example in document.examples]
SKIPPED = [skipped for document in ALL for skipped in document.skipped]


# --- the demo firm and the per-document runners ----------------------------------------


def _demo_recipe() -> list[str]:
    """The commands of the Makefile's `demo` target, as `make demo` runs them.

    With the Makefile's own defaults (`VAR ?= value`) except 200 accounts and no server
    at the end, as `make demo DEMO_ACCOUNTS=200 DEMO_SERVE=0` would; `$(BIN)/trimtab`
    is the trimtab on the PATH. A variable this test does not know fails loudly.
    """
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    variables = dict(re.findall(r"^(\w+)\s*\?=\s*(.*?)\s*$", text, flags=re.MULTILINE))
    variables.update(MAKE_DEMO_OVERRIDES)
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("demo:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        command = line.strip().removeprefix("@").replace("$(BIN)/", "")
        unknown = set(re.findall(r"\$\((\w+)\)", command)) - variables.keys()
        assert not unknown, f"Makefile demo recipe uses {unknown}, unknown to this test: {line}"
        recipe.append(re.sub(r"\$\((\w+)\)", lambda name: variables[name[1]], command))
    assert recipe, "the Makefile has no demo recipe"
    return recipe


def _environment(bin_dir: Path, database: Path, workdir: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRIMTAB_")}
    environment.update(
        PATH=f"{bin_dir}{os.pathsep}{environment.get('PATH', '')}",
        TRIMTAB_DATABASE_URL=f"sqlite:///{database}",
        TMPDIR=str(workdir / "tmp"),
        COLUMNS="200",  # a table or message is not wrapped at 80 columns
        NO_COLOR="1",
    )
    return environment


def _run(command: str, cwd: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one command in bash; on timeout kill its whole process group, not just bash.

    A server or watcher started by the command would otherwise outlive bash, keep the
    output pipes open and hang the test it was meant to fail.
    """
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        stderr += f"\n(killed after {COMMAND_TIMEOUT} s: the command did not finish)"
        return subprocess.CompletedProcess(command, -signal.SIGKILL, stdout, stderr)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.fixture(scope="session")
def trimtab_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose `trimtab` is this interpreter's trimtab, to put first on the PATH."""
    folder = tmp_path_factory.mktemp("bin")
    script = folder / "trimtab"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m trimtab "$@"\n')
    script.chmod(0o755)
    return folder


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory, trimtab_bin: Path) -> Path:
    """The demo firm, built once for the whole session (shared by xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        base = base.parent  # the folder every worker's basetemp lives in
    folder = base / "documented-examples-demo"
    folder.mkdir(exist_ok=True)
    database = folder / "trimtab.db"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds, the others wait
        if not (folder / "built").exists():
            (folder / "tmp").mkdir(exist_ok=True)
            environment = _environment(trimtab_bin, database, folder)
            for command in _demo_recipe():
                done = _run(command, folder, environment)
                assert done.returncode == 0, (
                    f"make demo's `{command}` failed ({done.returncode}):\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
                )
            (folder / "built").touch()
    return database


class DocumentRunner:
    """One document's commands, run in order on the document's own copy of the firm."""

    def __init__(self, document: str, folder: Path, demo: Path, bin_dir: Path) -> None:
        self.examples = [e for e in EXAMPLES if e.document == document]
        self.workdir = folder / "work"
        self.workdir.mkdir()
        (self.workdir / "tmp").mkdir()
        for entry in REPO.iterdir():  # the repository's files, but writes land here
            if not entry.name.startswith(".") and not entry.name.startswith("trimtab.db"):
                (self.workdir / entry.name).symlink_to(entry)
        database = folder / "trimtab.db"
        shutil.copyfile(demo, database)
        self.environment = _environment(bin_dir, database, self.workdir)
        self.results: list[subprocess.CompletedProcess[str]] = []

    def result_of(self, example: Example) -> subprocess.CompletedProcess[str]:
        position = self.examples.index(example)
        while len(self.results) <= position:
            self.results.append(
                _run(self.examples[len(self.results)].command, self.workdir, self.environment)
            )
        return self.results[position]


@pytest.fixture(scope="session")
def runners(
    tmp_path_factory: pytest.TempPathFactory, demo_database: Path, trimtab_bin: Path
) -> dict[str, DocumentRunner]:
    return {
        document.path: DocumentRunner(
            document.path,
            tmp_path_factory.mktemp(document.path.replace("/", "-")),
            demo_database,
            trimtab_bin,
        )
        for document in ALL
        if document.examples
    }


# --- the tests ---------------------------------------------------------------------------


def test_the_documents_follow_the_examples_rule() -> None:
    problems = [problem for document in ALL for problem in document.problems]
    assert not problems, "\n".join(problems)


def test_the_documents_have_examples_to_run() -> None:
    # a parser that silently found nothing would make every other test here vacuous
    assert len(EXAMPLES) >= 20, [e.id for e in EXAMPLES]
    assert any(e.id.startswith("docs/cli.md:") and e.exit_code == 3 for e in EXAMPLES)


@pytest.mark.parametrize("skipped", SKIPPED, ids=[f"{s.document}:{s.line}" for s in SKIPPED])
def test_a_skipped_block_says_why(skipped: Skipped) -> None:
    assert len(skipped.reason) >= 10, f"{skipped.document}:{skipped.line}: say why it is not run"


@pytest.mark.slow  # the demo firm, then about 40 commands: two minutes on two shared cores
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_documented_example(example: Example, runners: dict[str, DocumentRunner]) -> None:
    done = runners[example.document].result_of(example)
    printed = done.stdout + done.stderr
    about = (
        f"{example.id}: $ {example.command}\nexit {done.returncode}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
    )
    assert "Traceback (most recent call last)" not in printed, about
    if example.exit_code is not None:
        assert done.returncode == example.exit_code, about
    elif example.fails_on_purpose:
        assert done.returncode in PROBLEM_EXIT_CODES, about
    else:
        assert done.returncode == 0, about
    missing = [shown for shown in example.output if not shown_line_matches(shown, printed)]
    assert not missing, f"not printed: {missing}\n{about}"


@pytest.mark.parametrize(
    ("shown", "printed", "matches"),
    [
        ("1,204 entries, chain intact", "6 entries, chain intact\n", True),
        ("head: entry 1204 3f9c0e...", "head: entry 6 cf79c31\n", True),
        (
            "error: no database at (/tmp/tmp.../trimtab.db)",
            "error: no database at\n(/tmp/tmp.x1/trimtab.db)",
            True,
        ),
        ("6 entries, chain intact", "6 entries, chain broken", False),
    ],
)
def test_shown_output_is_matched_loosely(shown: str, printed: str, matches: bool) -> None:
    assert shown_line_matches(shown, printed) is matches
