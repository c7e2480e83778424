"""Each rule ID is one class with the one citation requirements.md gives it, and every citation
names a section of SOP 2-64 that exists and is not struck (issue 15, finding 8).

The SOP text and the requirements are read from ../shared/sop (or VIPCN_SOP_DIR), where the
program keeps them; they are not copied into the repository.
"""

import os
import re
from pathlib import Path

import pytest

from vipcn.policy import PROGRAM_RULE, RULES

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE_DIRS = [
    os.environ.get("VIPCN_SOP_DIR", ""),
    ROOT.parent / "shared" / "sop",
    "/work/shared/sop",
]


def sop_dir():
    for candidate in CANDIDATE_DIRS:
        if candidate and (Path(candidate) / "requirements.md").exists():
            return Path(candidate)
    pytest.skip("the SOP text is not on this machine (set VIPCN_SOP_DIR)")


# --- reading the redline ----------------------------------------------------------------------

STRUCK = re.compile(r"~~.*?~~")


def _unstruck(text):
    return STRUCK.sub("", text)


def live_sections(text):
    """Every section the redline keeps: "2-64-4", "2-64-4 C", "2-64-4 C.1", "2-64-4 C.1.d".

    Sub-items count by position among those not struck and not empty (requirements.md: the
    redline numbers 2-64-4 C.1 "a, a, c, a"; the JPO item is the second of 2-64-5 B.1)."""
    live = set()
    section = letter = number = None
    position = 0
    for line in text.splitlines():
        heading = re.match(r"^(?:~~)?(2-64-\d)(?:2-64-\d)?\s", line)
        if heading:
            section, letter, number = heading.group(1), None, None
            if _unstruck(line).strip():
                live.add(section)
            continue
        if section is None:
            continue
        letter_line = re.match(r"^(?:\d+\s+)?([A-G])\.\s", line)
        if letter_line:
            if _unstruck(line).strip():
                letter, number = letter_line.group(1), None
                live.update({section, f"{section} {letter}"})
            continue
        numbered = re.match(r"^-?\s?(\d)\.\s*(.*)", line)
        if numbered and letter is not None and not line.startswith(" "):
            if _unstruck(numbered.group(2)).strip():
                number, position = numbered.group(1), 0
                live.add(f"{section} {letter}.{number}")
            continue
        sub = re.match(r"^\s*-?\s*(?:~~)?([a-z]|\d)\.\s*(.*)", line)
        if sub and number is not None and line.startswith((" ", "- ~~")):
            rest = re.sub(r"^[\s-]*(?:(?:[a-z]|\d)\.)?\s*", "", _unstruck(line))
            if rest.strip():
                live.add(f"{section} {letter}.{number}.{'abcdefgh'[position]}")
                position += 1
    return live


# --- reading the requirements' table ------------------------------------------------------------

CITE = re.compile(r"2-64-\d(?: [A-G](?:\.\d+(?:\.[a-z])?)?)?")


def citations_table(requirements):
    """{rule ID: the citation requirements.md's table "Citations" gives it}."""
    table = requirements.split("## Citations", 1)[1]
    cited = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 2 or not re.match(r"^[A-Z]", cells[0]) or cells[0] == "ID":
            continue
        ids, text = cells
        text = re.sub(r"\s*\(.*\)\s*$", "", text)  # a note in parentheses is not the citation
        if "…" in ids:  # "ID-1 … ID-5": the k-th cites the k-th item of 2-64-4 A
            first = CITE.findall(text)[0]
            for k in range(1, 6):
                cited[f"ID-{k}"] = f"{first.rsplit('.', 1)[0]}.{k}"
            special = re.search(r"(ID-\w+) cites (2-64-[\d.A-Za-z ]+)", cells[1])
            if special:
                cited[special.group(1)] = special.group(2).strip()
            continue
        for rule_id in re.split(r",\s*", ids):
            cited[rule_id] = text
    return cited


def test_every_rule_id_is_one_class_with_its_citation():
    requirements = (sop_dir() / "requirements.md").read_text()
    table = citations_table(requirements)
    defined = RULES.all()
    assert set(table) <= set(defined), f"no class for {sorted(set(table) - set(defined))}"
    for rule_id, citation in table.items():
        assert defined[rule_id].cites == citation, (rule_id, defined[rule_id].cites, citation)


def test_every_citation_names_a_live_section():
    live = live_sections((sop_dir() / "SOP-2-64-draft-redline.txt").read_text())
    for rule_id, rule in RULES.all().items():
        if rule.cites == PROGRAM_RULE:
            continue
        for part in rule.cites.split(" / "):
            assert part in live, f"{rule_id} cites {part}, which the redline strikes or lacks"


def test_the_reading_of_the_redline():
    """The parser keeps what the requirements rely on and drops what the redline strikes."""
    live = live_sections((sop_dir() / "SOP-2-64-draft-redline.txt").read_text())
    for kept in ("2-64-4 C.1.a", "2-64-4 C.1.d", "2-64-5 B.1.b", "2-64-3 E", "2-64-6 A.2"):
        assert kept in live
    for struck in ("2-64-5 B.1.f", "2-64-5 B.1.d", "2-64-4 B.2", "2-64-4 C.3", "2-64-4 D.3"):
        assert struck not in live


def test_every_message_names_its_rule_and_citation():
    """A rule's refusal starts "Blocked by <citation> (<ID>):"."""
    for rule_id, rule in RULES.all().items():
        message = rule.fail("do the next step.").messages[0]
        assert message.startswith(f"Blocked by {rule.citation} ({rule_id}): "), message
        assert rule.fail("x").code == rule_id
        assert str(rule.label), f"{rule_id} has no label"
        assert str(rule.help_text()), f"{rule_id} has no help text"
