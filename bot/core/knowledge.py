"""The FAQ: entries, their YAML format and its validation.

Format (``knowledge/faq/*.yaml``, each file a YAML list)::

    - id: akim-appointment            # stable slug: a-z, 0-9 and "-"
      category: akims
      question: {ky: "...", ru: "..."}
      variants: {ky: ["...", ...], ru: ["...", ...]}
      answer: {ky: "...", ru: "..."}
      basis: {ky: "...", ru: "..."}
      reviewed: 2026-11-26

Validation collects every problem and names the file, the entry and the field, so a reviewer can fix a
whole file in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGS = ("ky", "ru")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Telegram's callback data holds at most 64 bytes and buttons carry the id ("faq:<id>:ky", "del:<id>:1"):
# 48 leaves room for every prefix the bot uses.
MAX_ID = 48
REQUIRED_FIELDS = ("id", "category", "question", "variants", "answer", "basis", "reviewed")
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS)
MAX_TEXT = 3500  # Telegram allows 4096 characters in a message; the rest is the frame around it
MAX_VARIANT = 300
# The question, the answer and the basis are sent as one message: together they must leave room for the
# frame (labels, tags) inside Telegram's 4,096 characters.
MAX_MESSAGE = 3900


def N_(message: str) -> str:
    """Marks a problem message for the gettext catalogs (``make messages``); the core stays free of
    gettext, and the bot translates the message where an admin sees it."""
    return message


class Problem(str):
    """One problem found in FAQ data. As a ``str`` it is the English text (the CLI, the logs); the bot shows
    an admin ``translated(gettext)``: the same message from the ky or ru catalog, with the same values."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Problem:
        self = super().__new__(cls, template.format(**params))
        self.template = template
        self.params = params
        return self

    def translated(self, gettext: Callable[[str], str]) -> str:
        values = {k: v.translated(gettext) if isinstance(v, Problem) else v for k, v in self.params.items()}
        return gettext(self.template).format(**values)


def translated(problem: str, gettext: Callable[[str], str]) -> str:
    """A problem in the reader's language when it carries its message; other text as it is."""
    return problem.translated(gettext) if isinstance(problem, Problem) else problem


class KnowledgeError(ValueError):
    """The knowledge files are invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class FaqEntry:
    id: str
    category: str
    question: Mapping[str, str]
    variants: Mapping[str, tuple[str, ...]]
    answer: Mapping[str, str]
    basis: Mapping[str, str]
    reviewed: dt.date
    source: str = field(default="", compare=False)

    def texts(self, lang: str) -> list[str]:
        """The canonical question and every variant in ``lang``: what the matcher indexes."""
        return [self.question[lang], *self.variants[lang]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "question": {lang: self.question[lang] for lang in LANGS},
            "variants": {lang: list(self.variants[lang]) for lang in LANGS},
            "answer": {lang: self.answer[lang] for lang in LANGS},
            "basis": {lang: self.basis[lang] for lang in LANGS},
            "reviewed": self.reviewed.isoformat(),
        }


def _where(source: str, index: int, entry_id: object) -> Problem:
    name = f"'{entry_id}'" if isinstance(entry_id, str) and entry_id else f"#{index + 1}"
    return Problem(N_("{source}: entry {name}"), source=source, name=name)


def _check_text(value: object, where: Problem, field_name: str, problems: list[str], limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(N_("{where}: field '{field}' must be a non-empty text"), where=where, field=field_name))
        return ""
    if len(value) > limit:
        problems.append(Problem(N_("{where}: field '{field}' is {size} characters, at most {limit}"), where=where,
                                field=field_name, size=len(value), limit=limit))
    return value.strip()


def _check_bilingual(raw: Mapping[str, Any], name: str, where: Problem, problems: list[str]) -> dict[str, str]:
    value = raw.get(name)
    if not isinstance(value, Mapping):
        problems.append(Problem(N_("{where}: field '{field}' must map ky and ru to texts"), where=where, field=name))
        return {}
    for extra in sorted(set(value) - set(LANGS), key=str):
        problems.append(Problem(N_("{where}: field '{field}' is not a known language (ky, ru)"), where=where,
                                field=f"{name}.{extra}"))
    limit = MAX_VARIANT if name == "question" else MAX_TEXT
    return {lang: _check_text(value.get(lang), where, f"{name}.{lang}", problems, limit) for lang in LANGS}


def _check_variants(raw: Mapping[str, Any], where: Problem, problems: list[str]) -> dict[str, tuple[str, ...]]:
    value = raw.get("variants")
    if not isinstance(value, Mapping):
        problems.append(Problem(N_("{where}: field 'variants' must map ky and ru to lists of texts"), where=where))
        return {lang: () for lang in LANGS}
    out: dict[str, tuple[str, ...]] = {}
    for extra in sorted(set(value) - set(LANGS), key=str):
        problems.append(Problem(N_("{where}: field '{field}' is not a known language (ky, ru)"), where=where,
                                field=f"variants.{extra}"))
    for lang in LANGS:
        items = value.get(lang)
        if not isinstance(items, list):
            problems.append(Problem(N_("{where}: field '{field}' must be a list of texts"), where=where,
                                    field=f"variants.{lang}"))
            out[lang] = ()
            continue
        texts = [_check_text(item, where, f"variants.{lang}[{i}]", problems, MAX_VARIANT) for i, item in enumerate(items)]
        out[lang] = tuple(t for t in texts if t)
    return out


def _check_date(value: object, where: Problem, problems: list[str]) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(Problem(N_("{where}: field 'reviewed' must be a date like 2026-11-26"), where=where))
    return dt.date.min


def parse_entry(raw: object, source: str, index: int, problems: list[str]) -> FaqEntry | None:
    """Validate one raw mapping; append problems and return None when it is not a valid entry."""
    if not isinstance(raw, Mapping):
        problems.append(Problem(N_("{source}: entry #{number} must be a mapping of fields"), source=source,
                                number=index + 1))
        return None
    entry_id = raw.get("id")
    where = _where(source, index, entry_id)
    before = len(problems)
    for missing in (f for f in REQUIRED_FIELDS if f not in raw):
        problems.append(Problem(N_("{where}: field '{field}' is missing"), where=where, field=missing))
    for unknown in sorted(set(raw) - KNOWN_FIELDS, key=str):
        problems.append(Problem(N_("{where}: field '{field}' is not a known field"), where=where, field=unknown))
    if "id" in raw and (not isinstance(entry_id, str) or not ID_RE.match(entry_id)):
        problems.append(Problem(N_("{where}: field 'id' must be a slug of a-z, 0-9 and '-'"), where=where))
    elif isinstance(entry_id, str) and len(entry_id) > MAX_ID:
        problems.append(Problem(N_("{where}: field 'id' is {size} characters, at most {limit} (it travels in buttons)"),
                                where=where, size=len(entry_id), limit=MAX_ID))
    category = raw.get("category")
    if "category" in raw and (not isinstance(category, str) or not category.strip()):
        problems.append(Problem(N_("{where}: field 'category' must be a non-empty text"), where=where))
    question = _check_bilingual(raw, "question", where, problems) if "question" in raw else {}
    answer = _check_bilingual(raw, "answer", where, problems) if "answer" in raw else {}
    basis = _check_bilingual(raw, "basis", where, problems) if "basis" in raw else {}
    variants = _check_variants(raw, where, problems) if "variants" in raw else {}
    reviewed = _check_date(raw.get("reviewed"), where, problems) if "reviewed" in raw else dt.date.min
    for lang in LANGS:
        size = sum(len(part.get(lang, "")) for part in (question, answer, basis))
        if size > MAX_MESSAGE:
            problems.append(Problem(N_("{where}: question, answer and basis in '{lang}' are {size} characters "
                                       "together, at most {limit} (one Telegram message)"),
                                    where=where, lang=lang, size=size, limit=MAX_MESSAGE))
    if len(problems) > before:
        return None
    return FaqEntry(
        id=str(entry_id),
        category=str(category).strip(),
        question=question,
        variants=variants,
        answer=answer,
        basis=basis,
        reviewed=reviewed,
        source=source,
    )


def parse_entries(items: object, source: str) -> tuple[list[FaqEntry], list[str]]:
    problems: list[str] = []
    if not isinstance(items, list):
        return [], [Problem(N_("{source}: the file must be a YAML list of entries"), source=source)]
    entries = [e for i, raw in enumerate(items) if (e := parse_entry(raw, source, i, problems))]
    return entries, problems


def check_unique(entries: Iterable[FaqEntry]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for entry in entries:
        if entry.id in seen:
            problems.append(Problem(N_("{source}: entry '{id}': field 'id' duplicates the entry in {other}"),
                                    source=entry.source, id=entry.id, other=seen[entry.id]))
        else:
            seen[entry.id] = entry.source
    return problems


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's C parser when installed
    """Safe YAML that refuses a key given twice in one mapping (YAML would silently keep the last)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
            )
        if isinstance(key, (str, int, float, bool)):
            seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_problem(source: str, exc: BaseException) -> str:
    """One line naming the file, the place and the cause, for every way a YAML text can be unreadable."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        cause = exc.problem or exc.context
        if mark:
            return Problem(N_("{source}: not valid YAML at line {line}, column {column}: {cause}"), source=source,
                           line=mark.line + 1, column=mark.column + 1, cause=cause)
        return Problem(N_("{source}: not valid YAML: {cause}"), source=source, cause=cause)
    if isinstance(exc, RecursionError):
        return Problem(N_("{source}: not valid YAML: nested too deeply"), source=source)
    # an impossible date such as 2026-13-45 (ValueError), and the rest
    return Problem(N_("{source}: not valid YAML: {cause}"), source=source, cause=str(exc))


def parse_yaml_text(text: str, source: str) -> list[FaqEntry]:
    """Parse one YAML document of entries; raise KnowledgeError naming every problem."""
    try:
        items = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise KnowledgeError([_yaml_problem(source, exc)]) from exc
    entries, problems = parse_entries(items, source)
    problems += check_unique(entries)
    if problems:
        raise KnowledgeError(problems)
    return entries


def read_text_file(path: Path) -> str:
    """A FAQ file's text, or KnowledgeError naming the file and why it cannot be read."""
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise KnowledgeError([f"{path}: is a directory, not a file"]) from exc
    except FileNotFoundError as exc:
        raise KnowledgeError([f"{path}: cannot be read (a broken link, or the file disappeared)"]) from exc
    except OSError as exc:  # permissions, a symlink loop, an I/O error
        raise KnowledgeError([f"{path}: cannot be read: {exc.strerror or exc}"]) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(
            [f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded); save the file as UTF-8"]
        ) from exc


def load_knowledge(directory: str | Path) -> list[FaqEntry]:
    """Load and validate every ``faq/*.yaml`` file below ``directory`` (or ``directory`` itself)."""
    root = Path(directory)
    if not root.exists():
        raise KnowledgeError([f"{root}: no such folder"])
    faq_dir = root / "faq" if (root / "faq").is_dir() else root
    try:
        files = sorted(faq_dir.glob("*.yaml")) + sorted(faq_dir.glob("*.yml"))
    except OSError as exc:
        raise KnowledgeError([f"{faq_dir}: cannot be listed: {exc.strerror or exc}"]) from exc
    if not files:
        raise KnowledgeError([f"{faq_dir}: no FAQ files (*.yaml) found"])
    entries: list[FaqEntry] = []
    problems: list[str] = []
    for path in files:
        try:
            entries += parse_yaml_text(read_text_file(path), str(path))
        except KnowledgeError as exc:
            problems += exc.problems
    problems += check_unique(entries)
    if problems:
        raise KnowledgeError(problems)
    return entries


class _ReviewableDumper(yaml.SafeDumper):
    """Multi-line texts as ``|-`` blocks and dates unquoted, like the hand-written files."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) and "\r" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_dict(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items())


_ReviewableDumper.add_representer(str, _represent_str)
_ReviewableDumper.add_representer(dict, _represent_dict)


def dump_entries(entries: Iterable[FaqEntry]) -> str:
    """YAML in the shipped format (the inverse of :func:`parse_yaml_text`)."""
    items = []
    for entry in entries:
        item = entry.to_dict()
        item["reviewed"] = entry.reviewed  # a YAML date, as in the shipped files
        items.append(item)
    return yaml.dump(items, Dumper=_ReviewableDumper, allow_unicode=True, sort_keys=False, width=110)


def export_to_directory(entries: Iterable[FaqEntry], directory: str | Path) -> list[Path]:
    """Write entries to ``directory/faq/*.yaml``, each into the file it came from (new ones: by category).

    Comment lines at the top of an existing file are kept, so the files stay reviewable in git.
    """
    faq_dir = Path(directory) / "faq"
    faq_dir.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[FaqEntry]] = {}
    for entry in entries:
        name = Path(entry.source).name if entry.source else f"{entry.category}.yaml"
        by_file.setdefault(name, []).append(entry)
    written = []
    for name, group in sorted(by_file.items()):
        path = faq_dir / name
        header = ""
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            header = "".join(line for line in lines[: next((i for i, l in enumerate(lines) if not l.startswith("#")), len(lines))])
            header += "\n" if header else ""
        path.write_text(header + dump_entries(group), encoding="utf-8")
        written.append(path)
    for stale in sorted(set(faq_dir.glob("*.yaml")) - set(written)):
        stale.unlink()  # every entry of that file was deleted
    return written
