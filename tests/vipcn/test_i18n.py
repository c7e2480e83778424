"""English and Spanish: every string marked, the Spanish catalogue complete and consistent
with docs/glossary.md, the user's language applied, and no English left on any page.

The page test walks the URL conf and follows links (with demo data loaded), as each role, so
pages added later are covered without changing this file.
"""

import datetime
import importlib.util
import io
import re
import shutil
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urldefrag, urlsplit

import polib
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from tests.vipcn.urlwalk import named_patterns, sample_path
from vipcn.access import is_delegated

VISIBLE_ATTRS = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\{\s*\w+\s*\}\}")
EDGE_PUNCTUATION = " \t\n*:·.,;|()[]–—-"


def normalise(text):
    return " ".join(text.split()).strip(EDGE_PUNCTUATION).casefold()


class VisibleText(HTMLParser):
    """Text a reader sees or hears: text nodes and the visible attributes.

    Not counted: <script>/<style>/<template>; elements marked translate="no"; elements whose
    lang= names another language (the language switcher lists "English" in English, as it
    should); Django's permission pickers, whose permission names Django stores in the database
    in English and never translates (a known Django limitation, admin only).
    """

    def __init__(self, language="es"):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.chunks = []
        self._raw = 0
        self._no_translate = []  # open elements whose content is not checked

    def _skipped(self, tag, attrs):
        if (attrs.get("translate") or "").lower() == "no":
            return True
        lang = (attrs.get("lang") or "").lower()
        if tag != "html" and lang and not lang.startswith(self.language):
            return True
        return tag == "select" and (attrs.get("name") or "").endswith("permissions")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._raw += 1
        if self._skipped(tag, attrs):
            self._no_translate.append(tag)
        for name, value in attrs.items():
            if value and (
                name in VISIBLE_ATTRS
                or (
                    name == "value"
                    and tag == "input"
                    and (attrs.get("type") or "").lower() in BUTTON_TYPES
                )
            ):
                self._add(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._raw:
            self._raw -= 1
        if self._no_translate and self._no_translate[-1] == tag:
            self._no_translate.pop()

    def handle_data(self, data):
        if not self._raw:
            self._add(data)

    def _add(self, text):
        if not self._no_translate and text.strip():
            self.chunks.append(" ".join(text.split()))


def visible_text(html, language="es"):
    parser = VisibleText(language)
    parser.feed(html)
    parser.close()
    return parser.chunks


class EnglishDetector:
    """English msgids of the catalogue whose Spanish translation differs.

    A visible text is English left over when it equals such a msgid (also capitalised, or with
    a required-field asterisk or colon), or matches a msgid with placeholders
    ("GVIS meeting of %(date)s"), or contains a msgid of four words or more. Texts that are
    also a Spanish translation ("Alias", "VIP CN"), names and codes (not msgids) and texts
    stored in the database (see ``database_texts``) never match.
    """

    def __init__(self, catalogue_paths=None):
        if catalogue_paths is None:
            locale = Path(django_settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
            catalogue_paths = sorted(locale.glob("*.po"))
        self.exact = {}
        self.patterns = []
        self.long = []
        spanish = set()
        for path in catalogue_paths:
            for entry in polib.pofile(str(path)):
                translations = [entry.msgstr, *entry.msgstr_plural.values()]
                for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
                    if not any(translations) or msgid in translations:
                        continue
                    self._add(msgid)
                spanish.update(normalise(t) for t in translations if t)
        self.spanish = spanish
        for key in list(self.exact):
            if key in spanish:
                del self.exact[key]

    def _add(self, msgid):
        key = normalise(msgid)
        if not key or not any(ch.isalpha() for ch in PLACEHOLDER.sub("", key)):
            return
        if PLACEHOLDER.search(msgid):
            parts = PLACEHOLDER.split(msgid)
            literal = [p for i, p in enumerate(parts) if i % 2 == 0]  # split keeps group text
            regex = ".+?".join(re.escape(re.sub(r"\s+", " ", p)) for p in literal)
            words = re.findall(r"[^\W\d_]{2,}", "".join(literal))
            # "Edit %(name)s" would match any "Edit …" text: only distinctive patterns count.
            if len(words) >= 2 and sum(map(len, words)) >= 8:
                self.patterns.append((msgid, re.compile(f"^{regex}$", re.IGNORECASE)))
        else:
            self.exact[key] = msgid
            if len(key.split()) >= 4:
                self.long.append((key, msgid))

    def leftovers(self, html, data=frozenset()):
        """English msgids visible on the page; ``data`` holds normalised texts stored in the
        database (names, rank names, notes typed in English), which are not interface."""
        found = set()
        chunks = visible_text(html)
        for chunk in chunks:
            key = normalise(chunk)
            if key in self.spanish or key in data:
                continue
            if key in self.exact:
                found.add(self.exact[key])
                continue
            for msgid, pattern in self.patterns:
                if pattern.match(chunk.strip(EDGE_PUNCTUATION)):
                    found.add(msgid)
        page = normalise(" ".join(c for c in chunks if normalise(c) not in data))
        for key, msgid in self.long:
            if key in page:
                found.add(msgid)
        return sorted(found)


def database_texts():
    """Every short text stored in the database, normalised (and each line of longer ones):
    what users typed (a rank "Officer", an attendee "VIP Law Enforcement Lead", a note) is
    data shown as entered, not interface text left untranslated."""
    from django.apps import apps
    from django.db import models

    texts = set()
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                texts.add(normalise(str(value or "")))  # e.g. a textarea holding it all
                for line in str(value or "").splitlines():
                    if line.strip():
                        texts.add(normalise(line))
    return frozenset(texts)


_HREF = re.compile(r"""\bhref\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
# The admin pages of our own models; third-party apps' admin pages (auth, axes, django-otp)
# show those apps' own field names, which their authors did not mark for translation.
OUR_ADMIN = ("/admin/candidates/", "/admin/deliveries/", "/admin/vipcn/")
# Hard-coded English in third-party admin templates: Django's search box (alt="Search" in
# admin/search_form.html) and simple_history's history table header ("Object", no Spanish
# in its catalogue).
THIRD_PARTY_ADMIN_TEXTS = {"Search", "search", "Object", "object"}
NOT_FOLLOWED = ("/static/", "/media/", "/admin/doc/", "/accounts/logout/", "/language/")


def links(html):
    for href in _HREF.findall(html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        yield href


def view_name(path):
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def crawl(client, *, per_view=2, limit=400, include_admin=False):
    """Yield (path, response) for every page reachable from the URL conf and its links.

    At most ``per_view`` pages per URL name (two detail pages say as much as two hundred).
    """
    # Admin pages are reached through the admin's own links (sample ids mean nothing there).
    starts = [sample_path(r) for name, r, _cb in named_patterns() if not is_delegated(name)]
    queue = deque(["/", *starts, *(OUR_ADMIN if include_admin else [])])
    seen_paths, per_name, fetched = set(), {}, 0
    while queue and fetched < limit:
        path = queue.popleft()
        if path in seen_paths or path.startswith(NOT_FOLLOWED):
            continue
        if path.startswith("/admin/") and not (include_admin and path.startswith(OUR_ADMIN)):
            continue
        seen_paths.add(path)
        name = view_name(path) or "<404>"
        if per_name.get(name, 0) >= per_view:
            continue
        per_name[name] = per_name.get(name, 0) + 1
        response = client.get(path)
        fetched += 1
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            queue.append(response["Location"])
            continue
        if "text/html" not in response.get("Content-Type", "") or response.streaming:
            continue
        html = response.content.decode(response.charset or "utf-8", "replace")
        yield path, response, html
        queue.extend(links(html))


# =========================================================================== the tests

ROOT = Path(__file__).resolve().parents[2]
LOCALE_ES = ROOT / "locale" / "es" / "LC_MESSAGES"


def _load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


i18n_lint = _load_script("i18n_lint")
i18n_check = _load_script("i18n_check")
translations = _load_script("translations")


# --- 1. every user-facing string is marked for translation


def test_every_user_facing_string_is_marked_for_translation():
    findings = i18n_lint.check_tree(ROOT)
    assert findings == [], "mark these for translation:\n" + "\n".join(map(str, findings))


def test_the_lint_covers_the_whole_repository():
    templates = {p.relative_to(ROOT).as_posix() for p in i18n_lint.template_files(ROOT)}
    python = {p.relative_to(ROOT).as_posix() for p in i18n_lint.python_files(ROOT)}
    assert {"templates/base.html", "templates/registration/login.html"} <= templates
    assert {"candidates/models.py", "deliveries/models/cases.py", "vipcn/views.py"} <= python
    assert not any(p.startswith((".venv/", "tests/")) or "/migrations/" in p for p in python)


BAD_TEMPLATE = """{% load i18n %}
<h1>Cases</h1>
<p>{% translate "Fine" %} · 12 – {{ x }} &nbsp;</p>
<!-- a comment with words -->
<script src="/static/x.js"></script><style>.a{content:"words"}</style>
<input type="submit" value="Save"><input value="typed" type="text">
<a title="Open it" aria-label="{% translate 'ok' %}">{{ y|default:"None" }}</a>
<span>{{ d|date:"Y-m-d" }}</span><time datetime="{{ d|date:'c' }}">{{ d|date }}</time>
{% blocktranslate trimmed %}All <b>fine</b> {{ here }}{% endblocktranslate %}
<code>ID-1</code> <span translate="no">VIP <b>CN</b></span> after
{{ n|pluralize }} {% firstof a "Nobody" %}
<p>Deliberate</p>{# i18n: ignore #}
{% comment %}Not shown{% endcomment %}
<td>DLV-TRAIN</td><td>(J) · ID-2I · CN</td>{% include "x.html" with id="trend" %}
"""


def test_the_date_fixer_names_the_formats(tmp_path):
    page = tmp_path / "templates" / "page.html"
    page.parent.mkdir()
    page.write_text(
        "<time datetime=\"{{ d|date:'c' }}\">{{ d|date:\"Y-m-d\" }}</time> {{ t|date:'Y-m-d H:i' }}"
        ' {{ t|date:"Y-m-d H:i:s" }}'
    )
    left = i18n_lint.fix_dates(tmp_path)
    assert page.read_text() == (
        '<time datetime="{{ d|date:\'c\' }}">{{ d|date:"SHORT_DATE_FORMAT" }}</time> '
        '{{ t|date:"SHORT_DATETIME_FORMAT" }} {{ t|date:"Y-m-d H:i:s" }}'
    )
    assert left == ["templates/page.html:1: no named format for 'Y-m-d H:i:s'"]


def test_the_template_lint_finds_each_kind_of_unmarked_text():
    findings = i18n_lint.check_template(Path("t.html"), source=BAD_TEMPLATE)
    found = {(f.line, f.text) for f in findings}
    assert found == {
        (2, "Cases"),
        (6, "Save"),
        (7, "Open it"),
        (7, "None"),
        (8, 'd|date:"Y-m-d"'),
        (10, "after"),
        (11, "n|pluralize"),
        (11, "Nobody"),
    }


BAD_PYTHON = """
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy as _


class Kind(models.TextChoices):
    A = "a", _("Fine")
    B = "b", "Not fine"


class Thing(models.Model):
    name = models.CharField("Name", max_length=3)
    other = models.ForeignKey("self", verbose_name="Other", on_delete=models.CASCADE)
    ok = models.CharField(_("ok"), help_text=_("fine"), max_length=3)

    class Meta:
        verbose_name = "thing"


def view(request, form, n):
    messages.success(request, "Saved.")
    messages.error(request, _("Fine %(n)s") % {"n": n})
    form.add_error("name", "Bad name")
    raise ValidationError("Nope", code="x")


class Rule:
    def validate(self, s):
        raise self.fail("Blocked because %(x)s", x=1)

    def help_text(self):
        return "Something holds."

    def joined(self, n):
        return _("Hello") + " world", f"{_('Hi')} there", _(f"Dynamic {n}")

    def deliberate(self):
        messages.info(None, "Debug only")  # i18n: ignore


FROZEN = gettext("Frozen at import time")


def count(n):
    return gettext("Fine at run time"), format_html("<b>{}</b> items", n)
"""


def test_the_python_lint_finds_each_kind_of_unmarked_text():
    findings = i18n_lint.check_python(Path("t.py"), source=BAD_PYTHON)
    found = {(f.line, f.problem.split(" not marked")[0].split(";")[0]) for f in findings}
    assert found == {
        (11, "choice label"),
        (15, "model field verbose name"),
        (16, "verbose_name="),
        (20, "Meta.verbose_name"),
        (24, "messages.success()"),
        (26, "add_error() message"),
        (27, "ValidationError message"),
        (32, "Rule.fail() message"),
        (35, "help_text()"),
        (38, "translated fragment concatenated"),
        (38, "translated fragment inside an f-string"),
        (38, "_() of an expression: xgettext cannot extract it"),
        (44, "gettext() runs at import time, so the text stays in the default language"),
        (48, "format_html() text"),
    }


# --- 2. the Spanish catalogue is complete and follows the glossary


def _spanish_entries(memory=False):
    """Entries of the Spanish catalogues (and of the translation memory, memory=True)."""
    paths = sorted(LOCALE_ES.glob("*.po"))
    if memory:
        paths += sorted(LOCALE_ES.parent.glob("memory.po"))
    entries = []
    for path in paths:
        entries += [e for e in polib.pofile(str(path)) if not e.obsolete]
    return entries


def _translations(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_the_spanish_catalogue_has_no_empty_or_fuzzy_entry():
    entries = _spanish_entries()
    assert len(entries) > 100
    problems = [e.msgid for e in entries if "fuzzy" in e.flags or not e.translated()]
    assert problems == [], "translate these in locale/es (docs/glossary.md):\n" + "\n".join(
        problems
    )


def test_translations_keep_their_placeholders():
    entries = _spanish_entries(memory=True)
    wrong = [e.msgid for e in entries if not translations.placeholders_match(e)]
    assert wrong == []
    misspelt = polib.POEntry(msgid="Hi %(name)s", msgstr="Hola %(nombre)s", flags=["python-format"])
    assert not translations.placeholders_match(misspelt)
    for entry in entries:  # template placeholders and HTML links stay verbatim
        for pattern in (r"\{\{.*?\}\}", r"<[^>]+>"):
            for msgstr in _translations(entry):
                assert re.findall(pattern, entry.msgid) == re.findall(pattern, msgstr), entry.msgid


def test_the_translation_memory_fills_new_entries(tmp_path, monkeypatch):
    memory = polib.pofile(str(LOCALE_ES.parent / "memory.po"))
    assert all(e.translated() and "fuzzy" not in e.flags for e in memory)
    known = memory[0]
    (tmp_path / "es" / "LC_MESSAGES").mkdir(parents=True)
    memory.save(str(tmp_path / "es" / "memory.po"))
    catalogue = polib.POFile()
    catalogue.append(polib.POEntry(msgid=known.msgid, msgstr="", flags=["fuzzy"]))
    catalogue.append(polib.POEntry(msgid="Not in the memory", msgstr=""))
    catalogue.save(str(tmp_path / "es" / "LC_MESSAGES" / "django.po"))
    monkeypatch.setattr(translations, "LOCALE", tmp_path)
    translations.apply_memory()
    result = polib.pofile(str(tmp_path / "es" / "LC_MESSAGES" / "django.po"))
    assert [(e.msgstr, e.fuzzy) for e in result] == [(known.msgstr, False), ("", False)]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext not installed")
def test_every_msgid_of_the_source_is_in_the_spanish_catalogue():
    missing, _stale = i18n_check.compare(i18n_check.extract_fresh())
    assert missing == [], "run ./scripts/i18n_extract.sh and translate:\n" + "\n".join(
        i18n_check.describe(d, k) for d, k in missing
    )


def glossary_checks():
    text = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    section = text.split("## Consistency checks", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 2 and cells[0].startswith("`") and cells[1].startswith("`"):
            english, spanish = (c.strip("`").replace("\\|", "|") for c in cells)
            rows.append((re.compile(english, re.I), re.compile(spanish, re.I)))
    return rows


def test_translations_follow_the_glossary():
    checks = glossary_checks()
    assert len(checks) >= 20
    # Placeholders, template variables, rule IDs (C-DELIVER) and HTML tags are not words.
    strip = re.compile(r"%\(\w+\)[sdif]|\{\{.*?\}\}|\b[A-Z]+(?:-[A-Z0-9]+)+\b|<[^>]+>")
    wrong = []
    for entry in _spanish_entries(memory=True):
        english = strip.sub(" ", entry.msgid)
        for msgstr in _translations(entry):
            spanish = strip.sub(" ", msgstr)
            for en_pattern, es_pattern in checks:
                if en_pattern.search(english) and not es_pattern.search(spanish):
                    expected = es_pattern.pattern
                    wrong.append(f"{entry.msgid!r} -> {msgstr!r}: expected /{expected}/")
    assert wrong == [], "\n".join(wrong)


def test_the_glossary_check_catches_a_wrong_term():
    en_pattern, es_pattern = next(
        (en, es) for en, es in glossary_checks() if en.pattern == "influencer"
    )
    assert en_pattern.search("Other influencer")
    assert not es_pattern.search("Otro influencer")


# --- 3. Spanish at run time: per-user language, messages, formats


def test_models_and_rules_speak_spanish():
    from deliveries.models import CNCase
    from deliveries.policy.personnel import Active, Sworn

    person = SimpleNamespace(is_active=False, is_sworn=False, full_name="Ana Pérez")
    moment = datetime.datetime(2026, 11, 28, 12, tzinfo=datetime.UTC)
    with translation.override("es"):
        assert CNCase.State.READY.label == "Aprobado, listo para entregar"
        assert str(CNCase._meta.verbose_name) == "caso de CN"
        with pytest.raises(ValidationError) as program_rule:
            Active().validate(person, moment)
        with pytest.raises(ValidationError) as sop_rule:
            Sworn().validate(person, moment)
    assert program_rule.value.messages[0].startswith(
        "Bloqueado (regla del programa VIP, DLV-ACTIVE): Ana Pérez no es personal activo"
    )
    assert sop_rule.value.messages[0].startswith("Bloqueado (SOP 2-64-6 A, DLV-SWORN): Ana Pérez")


def test_dates_and_times_follow_the_active_language(settings):
    settings.TIME_ZONE = "America/Denver"
    template = Template("{{ d|date }}|{{ d|date:'SHORT_DATE_FORMAT' }}|{{ t }}")
    context = Context(
        {
            "d": datetime.date(2026, 11, 28),
            "t": datetime.datetime(2026, 11, 28, 21, 5, tzinfo=datetime.UTC),
        }
    )
    with translation.override("es"):
        spanish = template.render(context)
    with translation.override("en"):
        english = template.render(context)
    assert spanish == "28 de noviembre de 2026|28/11/2026|28 de noviembre de 2026 a las 14:05"
    assert english.startswith("Nov. 28, 2026|11/28/2026|Nov. 28, 2026, 2:05")


@pytest.mark.django_db
def test_it_works_in_spanish_end_to_end(client, staff_user):
    from tests.conftest import login_as
    from tests.factories import TEST_PASSWORD

    # The login page follows the browser's language before anyone signs in.
    page = client.get(reverse("login"), headers={"accept-language": "es"}).content.decode()
    assert "Aviso de uso del sistema" in page
    response = client.post(
        reverse("login"),
        {"username": staff_user.username, "password": TEST_PASSWORD},
        headers={"accept-language": "es"},
    )
    assert "Debe aceptar el aviso de uso del sistema" in response.content.decode()

    login_as(client, staff_user)  # every factor a real login has (see tests/conftest.py)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    home = client.get("/").content.decode()
    assert '<html lang="es">' in home
    assert "Le damos la bienvenida, Sam Staff" in home
    assert "Cerrar sesión" in home and "Personal del VIP" in home

    # The choice is the user's, not the browser's: a new session without the cookie and
    # with an English browser still gets Spanish.
    client.post(reverse("logout"))
    client.cookies.clear()
    login_as(client, staff_user)
    home = client.get("/", headers={"accept-language": "en"})
    assert home.headers["Content-Language"] == "es"
    assert "Cerrar sesión" in home.content.decode()
    assert "No encontrado" in client.get("/no/such/page/").content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").content.decode()


# --- 4. every page, as every role, in Spanish: no English left


def test_the_english_detector_finds_english_left_on_a_page():
    detector = EnglishDetector()
    page = (
        "<title>Inicio</title><a title='Log out'>x</a><p>Le damos la bienvenida, Ana</p>"
        "<label>First name*</label><p>GVIS meeting of 2026-01-05</p><p>Editar a Ana</p>"
        "<p>Ana María Núñez · ID-2 · 24-0001234</p><td>Officer</td>"
        "<span translate='no'>Home</span><script>var s = 'Change password';</script>"
    )
    assert detector.leftovers(page) == [
        "First name",
        "GVIS meeting of %(date)s",
        "Log out",
        "officer",
    ]
    # A rank typed in English by an administrator is data, not interface.
    assert "officer" not in detector.leftovers(page, data={"officer"})


@pytest.mark.django_db
def test_the_english_detector_flags_a_page_rendered_in_english(staff_client):
    leftovers = EnglishDetector().leftovers(staff_client.get("/").content.decode())
    assert "Log out" in leftovers and "Home" in leftovers


@pytest.mark.django_db
def test_every_page_is_in_spanish_for_every_role(client, settings):
    from django.core.management import call_command

    from tests.conftest import login_as
    from vipcn import demo, roles
    from vipcn.models import UserProfile

    settings.DEMO_MODE = True
    call_command("load_demo_data", stdout=io.StringIO())  # real records behind the links
    detector = EnglishDetector()
    data = database_texts()
    problems, pages = {}, 0
    for username, _first, _last, role in demo.DEMO_USERS:
        user = get_user_model().objects.get(username=username)
        UserProfile.objects.update_or_create(user=user, defaults={"language": "es"})
        login_as(client, user)
        admin = role == roles.ADMINISTRATOR
        for path, response, html in crawl(client, per_view=1 if admin else 2, include_admin=admin):
            pages += 1
            assert response.headers.get("Content-Language") == "es", path
            leftovers = detector.leftovers(html, data)
            if path.startswith("/admin/"):
                # The admin lists auth groups by their stored names, which are the role
                # identifiers (vipcn.roles); the application's pages show ROLE_LABELS.
                ignored = set(roles.ALL_ROLES) | THIRD_PARTY_ADMIN_TEXTS
                leftovers = [m for m in leftovers if m not in ignored]
            if leftovers:
                problems[f"{role} {path}"] = leftovers
        client.logout()
    assert pages >= 4 * len(demo.DEMO_USERS)
    assert problems == {}, "English left on Spanish pages:\n" + "\n".join(
        f"{page}: {found}" for page, found in problems.items()
    )
