"""The plain-text part, from the same view as the HTML: headings underlined, lists with
bullets, and every link's URL written out (text clients cannot follow a hidden href).

Every text of the view comes typeset for the language it is written in (an English text a
French edition borrows keeps English spacing); only the punctuation the layout adds
(`Contact:`, `; ` between people) is the edition's, taken from the view's `colon` and
`semicolon`. The whole is never typeset again, which would give a borrowed text the
edition's rules."""

from __future__ import annotations

import textwrap
from typing import Any

WIDTH = 76


def _heading(title: str, rule: str) -> list[str]:
    return ["", title, rule * min(len(title), WIDTH), ""]


def _wrap(paragraphs: str, indent: str = "") -> list[str]:
    lines = []
    for paragraph in paragraphs.split("\n\n"):
        for line in paragraph.splitlines():
            bullet = line.startswith("  • ")
            lines += textwrap.wrap(
                line, WIDTH, initial_indent=indent,
                subsequent_indent=indent + ("    " if bullet else ""),
                break_long_words=False, break_on_hyphens=False,
            ) or [""]
        lines.append("")
    return lines


def _people(people: list[dict[str, str]]) -> list[str]:
    return [f"{p['name']} ({p['role']})" if p["role"] else p["name"] for p in people]


def render_text(view: dict[str, Any]) -> str:
    labels, urls, colon = view["labels"], view["urls"], view["colon"]
    out = [labels["network"], view["title"], f"{view['issue_number']} · {view['issue_date']}",
           "", f"{labels['view_online']}{colon} {urls['view_online']}"]
    if view["agenda"]:
        out += _heading(labels["agenda"].upper(), "=")
        for group in view["agenda"]:
            out.append(group["label"])
            for entry in group["entries"]:
                place = f", {entry['place']}" if entry["place"] else ""
                link = f" ({entry['link']})" if entry["link"] else ""
                if entry["link_text"]:
                    link = f" · {entry['link_text']}{colon} {entry['link']}"
                out += _wrap(f"  • {entry['when']} — {entry['title']}{place}{link}")[:-1]
            out.append("")
    if view["editorial"]:
        editorial = view["editorial"]
        out += _heading(labels["editorial"].upper(), "=")
        out += _wrap(editorial["body"])
        if editorial["closing"]:
            out += _wrap(editorial["closing"])
        out += [editorial["name"], editorial["role"]]
    for section in view["sections"]:
        out += _heading(section["label"].upper(), "=")
        for article in section["articles"]:
            out += _heading(article["title"], "-")
            out += _wrap(article["body"])
            if article["read_more"]:
                out += [f"{labels['read_more']}{colon} {article['read_more']}", ""]
            if article["link"]:
                out += [f"{labels['more_info']}{colon} {article['link']}", ""]
            for contact in article["contacts"]:
                who = contact["email"]
                if contact["name"]:
                    who = f"{contact['name']} <{who}>"
                out.append(f"{labels['contact']}{colon} {who}")
    if view["programme"]:
        programme = view["programme"]
        out += _heading(f"{labels['programme'].upper()} — {programme['title']}", "=")
        if programme["place"]:
            out.append(programme["place"])
        for day in programme["days"]:
            title = f" — {day['title']}" if day["title"] else ""
            out += _heading(f"{day['when']}{title}", "-")[1:]
            for slot in day["slots"]:
                out += _wrap(f"  • {slot['when']} · {slot['title']}")[:-1]
                if slot["description"]:
                    out += _wrap(slot["description"], indent="    ")[:-1]
                if slot["speakers"]:
                    people = f"{view['semicolon']} ".join(_people(slot["speakers"]))
                    out += _wrap(f"{labels['speakers']}{colon} {people}", "    ")[:-1]
    if view["closing"]:
        out += ["", ""] + _wrap(view["closing"])[:-1]
    out += ["", ""] + _wrap(f"{view['contact_text']} {view['contact_email']}")
    if view["team"]:
        out += [labels["team"]] + [f"  {person}" for person in _people(view["team"])]
    out += [""] + _wrap(labels["subscribe_cta"]) + [view["subscribe_url"], "", "-- "]
    out += _wrap(labels["footer"])[:-1]
    out += [f"{labels['unsubscribe']}{colon} {urls['unsubscribe']}",
            f"{labels['preferences']}{colon} {urls['preferences']}", view["site_url"], ""]
    return "\n".join(out)
