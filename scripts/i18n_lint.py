"""Find user-facing strings that are not marked for translation, in templates and Python.

usage: python scripts/i18n_lint.py [PATH ...]   # default: the whole repository; exit 1 on findings
       python scripts/i18n_lint.py --fix-dates  # |date:"Y-m-d" -> |date:"SHORT_DATE_FORMAT", ...

Templates (*.html, *.txt under any templates/ directory) are read with Django's own template
Lexer, then the text between tags goes through a small HTML scanner:
  - visible text outside {% translate %} / {% blocktranslate %} (whitespace, punctuation,
    numbers, HTML entities, codes such as DLV-TRAIN, ID-2I or CN, template variables and
    tags, HTML comments and the content of
    <script>, <style>, <code>, <kbd>, <samp>, <pre> and of any element with translate="no"
    are ignored);
  - visible attributes (title, alt, placeholder, aria-label, ..., value of a submit button,
    data-*confirm/message/label/title/text) holding literal words;
  - literals printed by a variable: {{ "text" }}, |default:"text", |default_if_none, |yesno,
    {% firstof ... "text" %}, {% include ... with title="text" %};
  - |pluralize (English plurals only; use {% blocktranslate count %});
  - |date / |time with a hard-coded format in visible text (dates follow the reader's
    language: no format, or a named one such as "SHORT_DATE_FORMAT"; machine formats are fine
    inside attributes, e.g. <time datetime="{{ d|date:'c' }}">).
Python (every .py outside tests, scripts, migrations and the virtualenv) is read with ast:
  string literals passed as label=, help_text=, verbose_name=, verbose_name_plural=,
  empty_label=, message=, description=, error_messages={...}; a model field's first positional
  argument, and a model field with no verbose name at all (its label would be the English
  attribute name; editable=False fields excepted); Meta.verbose_name(_plural) and permission
  names; TextChoices labels (and members without a label, whose label would be the English
  name); choices=[...] literals;
  messages.success/error/warning/info/debug/add_message(...) and ModelAdmin.message_user;
  ValidationError(...); form.add_error(field, ...); Rule.fail(...) and Rule.help_text();
  format_html("text ...") literals; plus gettext misuse: a translated fragment concatenated
  with + or inside an f-string, gettext(...) of an f-string or expression that xgettext
  cannot extract, and eager gettext() at module or class level (frozen at import time).

A deliberate exception is written on the line itself: "# i18n: ignore" in Python, or
{# i18n: ignore #} in a template.
"""

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {
    ".venv",
    "venv",
    ".git",
    "node_modules",
    "staticfiles",
    "media",
    "locale",
    "migrations",
    "tests",
    "scripts",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "test-artifacts",
}
PRAGMA = "i18n: ignore"


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    problem: str
    text: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.problem}: {self.text!r}"


_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


# Codes read the same in every language: rule IDs (DLV-TRAIN, ID-2I, J-GUARDIAN), case and
# statute numbers, short acronyms (CN, GVIS, ECC, "(J)"). A text made only of such tokens is
# not prose to translate.
_CODE = re.compile(r"^(?=[A-Z0-9./-]*[-\d])[A-Z0-9][A-Z0-9./-]*$|^[A-Z]{1,4}$")
_EDGE = "()[]{}.,;:·|*\"'«»“”"


def has_words(text):
    """True when text, once entities are removed, holds a word a reader would read."""
    text = _ENTITY.sub(" ", text)
    words = [w.strip(_EDGE) for w in text.split()]
    return any(any(ch.isalpha() for ch in word) and not _CODE.match(word) for word in words if word)


def _short(text):
    return " ".join(text.split())[:80]


# --------------------------------------------------------------------------- templates

VISIBLE_ATTRS = {
    "title",
    "alt",
    "placeholder",
    "label",
    "aria-label",
    "aria-description",
    "aria-placeholder",
    "aria-roledescription",
    "aria-valuetext",
    "abbr",
}
VISIBLE_DATA_ATTR = re.compile(r"^data-.*(confirm|message|label|title|text|prompt|placeholder)")
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Elements whose content is not prose to translate (code, machine text) or not text at all.
NO_TEXT_ELEMENTS = {"code", "kbd", "samp", "pre", "svg", "math", "template"}
RAW_TEXT_ELEMENTS = {"script", "style"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
# Filters that print their (literal) argument.
PRINTING_FILTERS = {"default", "default_if_none", "yesno"}
DATE_FILTERS = {"date", "time"}
NAMED_FORMAT = re.compile(r"^[A-Z_]+_FORMAT$")
# A fixed format that has a named equivalent; --fix-dates rewrites these.
FORMAT_FIXES = {
    "Y-m-d": "SHORT_DATE_FORMAT",
    "m/d/Y": "SHORT_DATE_FORMAT",
    "d/m/Y": "SHORT_DATE_FORMAT",
    "Y-m-d H:i": "SHORT_DATETIME_FORMAT",
    "m/d/Y H:i": "SHORT_DATETIME_FORMAT",
    "M Y": "YEAR_MONTH_FORMAT",
    "F Y": "YEAR_MONTH_FORMAT",
    "H:i": "TIME_FORMAT",
    "N j, Y": "DATE_FORMAT",
    "F j, Y": "DATE_FORMAT",
}
# {% include %} "with" keys whose value is shown (an id= or css= is not).
VISIBLE_INCLUDE_KEY = re.compile(
    r"title|heading|label|text|message|caption|help|placeholder|legend|description|empty|"
    r"button|hint|summary|alt|name_display|confirm",
    re.IGNORECASE,
)
SKIPPED_BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}


def _split_outside_quotes(text, sep):
    parts, buf, quote = [], [], None
    for ch in text:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            buf.append(ch)
        elif ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _literal(expr):
    """The text of a template literal "..." / '...', or None (variables, _("...") are fine)."""
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == expr[-1] and expr[0] in "\"'":
        return expr[1:-1]
    return None


class TemplateScanner:
    """Feeds a template's tokens through a minimal HTML state machine."""

    def __init__(self, rel_path, source, html=True):
        self.path = rel_path
        self.lines = source.splitlines()
        self.html = html
        self.findings = []
        self.state = "data"
        self.text = []  # current visible text run
        self.text_line = 0
        self.line = 1
        self.skip_stack = []  # element names whose content is not checked
        self.raw_until = None  # "script" / "style" while inside one
        self.tag = ""
        self.closing = False
        self.attrs = {}
        self.attr = ""
        self.value = []
        self.value_line = 0
        self.quote = None
        self.date_formats = []  # (line, fixed format) in visible text, for --fix-dates

    # -- helpers
    def add(self, line, problem, text):
        source_line = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if PRAGMA in source_line:
            return
        self.findings.append(Finding(self.path, line, problem, _short(text)))

    def flush_text(self):
        text = "".join(self.text)
        if text and not self.skip_stack and has_words(text):
            self.add(self.text_line, "text not marked for translation", text)
        self.text = []

    def in_attribute_value(self):
        return self.state in ("attr_value_quoted", "attr_value_unquoted")

    # -- tokens
    def scan(self, source):
        tokens = Lexer(source).tokenize()
        skipping_until = None
        for token in tokens:
            self.line = token.lineno
            if skipping_until:
                if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == [
                    skipping_until
                ]:
                    skipping_until = None
                continue
            if token.token_type == TokenType.TEXT:
                self.feed(token.contents)
            elif token.token_type == TokenType.VAR:
                self.variable(token.contents)
                self.separator()
            elif token.token_type == TokenType.BLOCK:
                bits = token.contents.split()
                name = bits[0] if bits else ""
                if name in SKIPPED_BLOCKS:
                    skipping_until = SKIPPED_BLOCKS[name]
                else:
                    self.block(name, token.contents)
                self.separator()
            # COMMENT tokens ({# #}) are invisible.
        self.flush_text()
        return self.findings

    def separator(self):
        """A template variable or tag splits visible text into separately checked runs."""
        if self.state == "data":
            self.flush_text()
        elif self.in_attribute_value():
            self.value.append(" ")

    def variable(self, contents):
        parts = _split_outside_quotes(contents, "|")
        in_raw = self.raw_until is not None or self.state == "comment"
        visible = not in_raw and not self.skip_stack and self.state in ("data",)
        visible = visible or (self.in_attribute_value() and self._attr_is_visible(self.attr))
        if not self.html:
            visible = True
        head = _literal(parts[0])
        if head is not None and visible and has_words(head):
            self.add(self.line, "literal printed by a variable, not translated", head)
        for part in parts[1:]:
            name, _sep, arg = part.partition(":")
            name = name.strip()
            literal = _literal(arg) if arg else None
            if name == "pluralize" and not in_raw:
                self.add(
                    self.line,
                    "|pluralize makes English plurals; use {% blocktranslate count %}",
                    contents,
                )
            elif name in PRINTING_FILTERS and literal is not None and visible:
                if has_words(literal):
                    self.add(self.line, f"|{name} argument not translated", literal)
            elif name in DATE_FILTERS and literal is not None and self.state == "data":
                if visible and not NAMED_FORMAT.match(literal) and literal not in ("Y",):
                    self.date_formats.append((self.line, literal))
                    self.add(
                        self.line,
                        f"|{name} with a fixed format; use |{name} alone or a named format "
                        "(e.g. SHORT_DATE_FORMAT) so the reader's language decides",
                        contents,
                    )

    def block(self, name, contents):
        if self.raw_until is not None or self.skip_stack:
            return
        if name == "firstof":
            for bit in _split_outside_quotes(contents, " ")[1:]:
                if bit == "as":
                    break
                literal = _literal(bit)
                if literal and has_words(literal):
                    self.add(self.line, "{% firstof %} literal not translated", literal)
        elif name == "include" and " with " in contents:
            _head, _sep, tail = contents.partition(" with ")
            for bit in _split_outside_quotes(tail, " "):
                key, eq, value = bit.partition("=")
                literal = _literal(value) if eq else None
                visible = VISIBLE_INCLUDE_KEY.search(key) or " " in (literal or "").strip()
                if literal and visible and has_words(literal):
                    self.add(self.line, f"{{% include %}} with {key}= not translated", literal)

    # -- HTML
    def _attr_is_visible(self, attr):
        attr = attr.lower()
        if attr in VISIBLE_ATTRS or VISIBLE_DATA_ATTR.match(attr):
            return True
        if attr == "value" and self.tag == "input":
            return self.attrs.get("type", "").strip().lower() in BUTTON_INPUT_TYPES
        return False

    def feed(self, text):
        if not self.html:
            for offset, chunk in enumerate(text.split("\n")):
                self.text_line = self.line + offset
                self.text = [chunk]
                self.flush_text()
            self.line += text.count("\n")
            return
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if self.raw_until is not None:
                end = text.lower().find("</" + self.raw_until, i)
                if end < 0:
                    self.line += text.count("\n", i)
                    return
                self.line += text.count("\n", i, end)
                self.raw_until = None
                i = end  # the closing tag is parsed normally
                continue
            if self.state == "data":
                if ch == "<" and text.startswith("<!--", i):
                    self.flush_text()
                    self.state = "comment"
                    i += 4
                    continue
                if ch == "<" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] in "/!"):
                    self.flush_text()
                    self.state = "tag_open"
                    self.tag, self.attrs, self.closing = "", {}, False
                    i += 1
                    continue
                if not self.text:
                    self.text_line = self.line
                self.text.append(ch)
            elif self.state == "comment":
                if text.startswith("-->", i):
                    self.state = "data"
                    i += 3
                    continue
            elif self.state == "tag_open":
                if ch == "/":
                    self.closing = True
                elif ch == "!":  # <!doctype ...>
                    self.state = "declaration"
                elif ch.isspace():
                    self.state = "in_tag" if self.tag else "tag_open"
                elif ch == ">":
                    self.end_tag()
                else:
                    self.tag += ch.lower()
            elif self.state == "declaration":
                if ch == ">":
                    self.state = "data"
            elif self.state == "in_tag":
                if ch == ">":
                    self.end_tag()
                elif ch == "/" or ch.isspace():
                    pass
                else:
                    self.attr = ch
                    self.state = "attr_name"
            elif self.state == "attr_name":
                if ch == "=":
                    self.state = "before_value"
                elif ch.isspace():
                    self.state = "after_attr_name"
                elif ch == ">":
                    self.attrs[self.attr.lower()] = ""
                    self.end_tag()
                else:
                    self.attr += ch
            elif self.state == "after_attr_name":
                if ch == "=":
                    self.state = "before_value"
                elif ch == ">":
                    self.attrs[self.attr.lower()] = ""
                    self.end_tag()
                elif not ch.isspace():
                    self.attrs[self.attr.lower()] = ""
                    self.attr = ch
                    self.state = "attr_name"
            elif self.state == "before_value":
                if ch in "\"'":
                    self.quote, self.value, self.value_line = ch, [], self.line
                    self.state = "attr_value_quoted"
                elif ch == ">":
                    self.end_tag()
                elif not ch.isspace():
                    self.quote, self.value, self.value_line = None, [ch], self.line
                    self.state = "attr_value_unquoted"
            elif self.state == "attr_value_quoted":
                if ch == self.quote:
                    self.end_value()
                    self.state = "in_tag"
                else:
                    self.value.append(ch)
            elif self.state == "attr_value_unquoted":
                if ch.isspace() or ch == ">":
                    self.end_value()
                    self.state = "in_tag"
                    if ch == ">":
                        self.end_tag()
                else:
                    self.value.append(ch)
            if ch == "\n":
                self.line += 1
            i += 1

    def end_value(self):
        value = "".join(self.value)
        name = self.attr.lower()
        self.attrs[name] = value
        self.attr = ""
        if self.skip_stack or name == "value" or not self._attr_is_visible(name):
            return
        if has_words(value):
            self.add(self.value_line, f"attribute {name}= not marked for translation", value)

    def end_tag(self):
        self.state = "data"
        tag = self.tag
        if not tag:
            return
        # A value attribute is visible only on button-like inputs: checked once type is known.
        if tag == "input" and not self.skip_stack and has_words(self.attrs.get("value", "")):
            if self.attrs.get("type", "").strip().lower() in BUTTON_INPUT_TYPES:
                value = self.attrs["value"]
                self.add(self.line, "attribute value= not marked for translation", value)
        if self.closing:
            if self.skip_stack and self.skip_stack[-1] == tag:
                self.skip_stack.pop()
            return
        if tag in RAW_TEXT_ELEMENTS:
            self.raw_until = tag
            return
        if tag in VOID_ELEMENTS:
            return
        skip = tag in NO_TEXT_ELEMENTS or self.attrs.get("translate", "").lower() == "no"
        if skip or self.skip_stack and self.skip_stack[-1] == tag:
            # Nested element of the same name inside a skipped one keeps the region open.
            self.skip_stack.append(tag)


def check_template(path, root=ROOT, source=None):
    source = path.read_text(encoding="utf-8") if source is None else source
    rel = str(path.relative_to(root)) if path.is_absolute() else str(path)
    return TemplateScanner(rel, source, html=path.suffix != ".txt").scan(source)


# --------------------------------------------------------------------------- Python

GETTEXT_FUNCS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "gettext_noop",
}
TEXT_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "empty_label",
    "message",
    "description",
}
EAGER_GETTEXT = {"gettext", "ngettext", "pgettext", "npgettext"}
MESSAGE_LEVELS = {"success", "error", "warning", "info", "debug"}
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _func_name(call):
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_gettext(node):
    return isinstance(node, ast.Call) and _func_name(node) in GETTEXT_FUNCS


def unmarked_text(node):
    """The literal words in an expression that reaches the user untranslated, or None."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if has_words(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return text if has_words(text) else None
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod):
            return unmarked_text(node.left)
        if isinstance(node.op, ast.Add):
            return unmarked_text(node.left) or unmarked_text(node.right)
        return None
    if isinstance(node, ast.IfExp):
        return unmarked_text(node.body) or unmarked_text(node.orelse)
    if isinstance(node, ast.Call):
        # "text".format(...) / "sep".join(...)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return unmarked_text(node.func.value)
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            found = unmarked_text(element)
            if found:
                return found
    return None


class PythonChecker(ast.NodeVisitor):
    def __init__(self, rel_path, source):
        self.path = rel_path
        self.lines = source.splitlines()
        self.findings = []
        self.class_stack = []
        self.function_stack = []
        self.eager_names = set()  # local names of gettext/ngettext/... (not the lazy ones)

    def add(self, node, problem, text):
        line = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", line) or line
        span = range(max(line, 1), min(end, len(self.lines)) + 1)
        if any(PRAGMA in self.lines[i - 1] for i in span):
            return
        self.findings.append(Finding(self.path, line, problem, _short(text)))

    def expect_marked(self, node, what):
        text = unmarked_text(node)
        if text:
            self.add(node, f"{what} not marked for translation", text)

    # -- classes: TextChoices, Meta
    def visit_ImportFrom(self, node):
        if node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in EAGER_GETTEXT:
                    self.eager_names.add(alias.asname or alias.name)
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        base_names = {
            b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases
        }
        self.class_stack.append((node.name, base_names))
        if any(name.endswith("Choices") for name in base_names):
            self.check_choices_class(node)
        if node.name == "Meta":
            self.check_meta(node)
        self.generic_visit(node)
        self.class_stack.pop()

    def check_choices_class(self, node):
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
                continue
            target = stmt.targets[0]
            if not isinstance(target, ast.Name) or not target.id.isupper():
                continue
            value = stmt.value
            if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
                self.expect_marked(value.elts[-1], "choice label")
            elif isinstance(value, ast.Constant):
                self.add(
                    stmt,
                    "choice without a label (Django would show the English member name)",
                    target.id,
                )

    def check_meta(self, node):
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign):
                continue
            names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            if names & {"verbose_name", "verbose_name_plural"}:
                self.expect_marked(stmt.value, "Meta." + sorted(names)[0])
            if "permissions" in names and isinstance(stmt.value, (ast.List, ast.Tuple)):
                for perm in stmt.value.elts:
                    if isinstance(perm, ast.Tuple) and len(perm.elts) == 2:
                        self.expect_marked(perm.elts[1], "permission name")

    # -- functions: Rule.help_text()
    def visit_FunctionDef(self, node):
        self.function_stack.append(node.name)
        self.generic_visit(node)
        self.function_stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Return(self, node):
        if self.function_stack and self.function_stack[-1] == "help_text":
            self.expect_marked(node.value, "help_text()")
        self.generic_visit(node)

    def visit_Assign(self, node):
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "short_description":
                self.expect_marked(node.value, "short_description")
        self.generic_visit(node)

    # -- calls
    def visit_Call(self, node):
        name = _func_name(node)
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id in self.eager_names
            and not self.function_stack
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            self.add(
                node,
                f"{func.id}() runs at import time, so the text stays in the default language; "
                "use gettext_lazy at module and class level",
                node.args[0].value,
            )
        if name == "format_html" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                words = re.sub(r"<[^>]*>|\{[^}]*\}", " ", first.value)
                if has_words(words):
                    self.add(node, "format_html() text not marked for translation", words)
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS:
                self.expect_marked(keyword.value, f"{keyword.arg}=")
            elif keyword.arg == "error_messages" and isinstance(keyword.value, ast.Dict):
                for value in keyword.value.values:
                    self.expect_marked(value, "error_messages")
            elif keyword.arg == "choices" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                for choice in keyword.value.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        self.expect_marked(choice.elts[1], "choice label")

        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "models"
            and (name.endswith("Field") or name in RELATION_FIELDS)
        ):
            self.check_model_field(node, name)

        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id == "messages" and name in MESSAGE_LEVELS and len(node.args) >= 2:
                self.expect_marked(node.args[1], f"messages.{name}()")
            if func.value.id == "messages" and name == "add_message" and len(node.args) >= 3:
                self.expect_marked(node.args[2], "messages.add_message()")
        if name == "message_user" and len(node.args) >= 2:
            self.expect_marked(node.args[1], "message_user()")
        if name == "ValidationError" and node.args:
            self.expect_marked(node.args[0], "ValidationError message")
        if name == "add_error" and len(node.args) >= 2:
            self.expect_marked(node.args[1], "add_error() message")
        if name == "fail" and isinstance(func, ast.Attribute) and node.args:
            self.expect_marked(node.args[0], "Rule.fail() message")

        if name in GETTEXT_FUNCS and node.args:
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                if isinstance(first, (ast.JoinedStr, ast.BinOp, ast.Call)):
                    self.add(
                        node,
                        f"{name}() of an expression: xgettext cannot extract it; "
                        "pass one literal with %(name)s placeholders",
                        ast.unparse(first),
                    )
        self.generic_visit(node)

    def check_model_field(self, node, name):
        keywords = {k.arg: k.value for k in node.keywords}
        if name not in RELATION_FIELDS and node.args:
            self.expect_marked(node.args[0], "model field verbose name")
            return
        if "verbose_name" in keywords:
            return  # checked with the other text keywords
        editable = keywords.get("editable")
        if isinstance(editable, ast.Constant) and editable.value is False:
            return  # never on a form
        if self.class_stack and not self.function_stack:
            self.add(
                node,
                "model field without a verbose name (Django would show the English field "
                "name); add verbose_name=_(...)",
                ast.unparse(node)[:60],
            )

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Add) and (_is_gettext(node.left) or _is_gettext(node.right)):
            self.add(
                node,
                "translated fragment concatenated; use one string with %(name)s placeholders",
                ast.unparse(node),
            )
        self.generic_visit(node)

    def visit_JoinedStr(self, node):
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and _is_gettext(value.value):
                self.add(
                    node,
                    "translated fragment inside an f-string; use one string with %(name)s "
                    "placeholders",
                    ast.unparse(node),
                )
        self.generic_visit(node)


def check_python(path, root=ROOT, source=None):
    source = path.read_text(encoding="utf-8") if source is None else source
    rel = str(path.relative_to(root)) if path.is_absolute() else str(path)
    checker = PythonChecker(rel, source)
    checker.visit(ast.parse(source, filename=rel))
    return checker.findings


# --------------------------------------------------------------------------- discovery


def _skipped(path, root):
    return any(part in SKIP_DIRS for part in path.relative_to(root).parts[:-1])


def python_files(root=ROOT):
    return sorted(p for p in root.rglob("*.py") if not _skipped(p, root))


def template_files(root=ROOT):
    found = []
    for p in root.rglob("*"):
        if p.suffix not in (".html", ".txt") or _skipped(p, root):
            continue
        if "templates" in p.relative_to(root).parts:
            found.append(p)
    return sorted(found)


def check_tree(root=ROOT):
    findings = []
    for path in template_files(root):
        findings += check_template(path, root)
    for path in python_files(root):
        findings += check_python(path, root)
    return sorted(findings)


def fix_dates(root=ROOT):
    """Rewrite fixed |date/|time formats in visible text to the named format that means the
    same (Y-m-d -> SHORT_DATE_FORMAT, ...), so the reader's language decides. Returns what was
    left for a person to decide (formats with no named equivalent, e.g. with seconds)."""
    left = []
    for path in template_files(root):
        source = path.read_text(encoding="utf-8")
        scanner = TemplateScanner(str(path.relative_to(root)), source)
        scanner.scan(source)
        if not scanner.date_formats:
            continue
        lines = source.splitlines(keepends=True)
        for line, literal in scanner.date_formats:
            named = FORMAT_FIXES.get(literal)
            if named is None:
                left.append(f"{scanner.path}:{line}: no named format for {literal!r}")
                continue
            for quote in "\"'":
                for name in DATE_FILTERS:
                    lines[line - 1] = lines[line - 1].replace(
                        f"|{name}:{quote}{literal}{quote}", f'|{name}:"{named}"'
                    )
        path.write_text("".join(lines), encoding="utf-8")
    return left


def main(argv):
    if argv[:1] == ["--fix-dates"]:
        left = fix_dates()
        print("\n".join(left) or "every fixed date format had a named equivalent")
        return 1 if left else 0
    if argv:
        findings = []
        for arg in argv:
            path = Path(arg).resolve()
            files = [path] if path.is_file() else sorted(path.rglob("*"))
            for f in files:
                if f.suffix == ".py":
                    findings += check_python(f)
                elif f.suffix in (".html", ".txt"):
                    findings += check_template(f)
    else:
        findings = check_tree()
    for finding in findings:
        print(finding)
    print(f"{len(findings)} string(s) not marked for translation")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
