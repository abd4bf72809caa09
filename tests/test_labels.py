"""Every catalogue of words has the same keys in each language, and every word a template
asks for is in it: a missing label would otherwise render as an empty string."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# (catalogue folder, templates that read it, the name templates give it)
CATALOGUES = [
    ("templates/labels", ["templates/email", "templates/archive", "templates"], "labels"),
    ("subscribers/labels", ["subscribers/templates/subscribers"], "t"),
    ("mailer/console/labels", ["mailer/console/templates/console"], "t"),
]
# Methods of mailer.labels.Labels, not entries of the catalogue.
METHODS = {"date", "date_range", "time_range", "locale", "get"}


def _catalogues(folder: str) -> dict[str, dict]:
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted((ROOT / folder).glob("*.yaml"))}


@pytest.mark.parametrize(("folder", "templates", "name"), CATALOGUES)
def test_every_language_has_every_label_the_templates_use(folder, templates, name):
    catalogues = _catalogues(folder)
    assert {"fr", "en"} <= set(catalogues)
    keys = {language: set(words) for language, words in catalogues.items()}
    for language, have in keys.items():
        assert have == keys["fr"], f"{folder}/{language}.yaml differs from fr.yaml"
    used = set()
    for directory in templates:
        for template in (ROOT / directory).glob("*.*"):
            used |= set(re.findall(rf"\b{name}\.([a-z_]+)", template.read_text("utf-8")))
    assert used - METHODS - keys["fr"] == set()


def test_the_console_names_every_state_class_and_role():
    # Words looked up by a computed key (`t["status_" ~ s.status]`), which the scan above
    # cannot see.
    from mailer.bounces import classify
    from mailer.bounces.review import VERDICTS
    from mailer.console.models import Role
    from subscribers.models import EventKind, Status
    from workers.models import CampaignState

    kinds = [getattr(classify, name) for name in ("HARD", "SOFT", "DELAY", "COMPLAINT",
                                                  "NOT_BOUNCE", "UNSUBSCRIBE", "UNKNOWN")]
    needed = ({f"campaign_{state}" for state in CampaignState}
              | {f"status_{status}" for status in Status}
              | {f"event_{kind}" for kind in EventKind}
              | {"delivery_failed", "delivery_unknown"}
              | {f"kind_{kind}" for kind in kinds}
              | {f"verdict_{verdict}" for verdict in VERDICTS}
              | {f"role_{role.name.lower()}" for role in Role}
              | {f"role_name_{role.name.lower()}" for role in Role}
              | {f"state_{state}" for state in CampaignState}
              | {f"reason_{name}" for name in _reasons()})
    for language, words in _catalogues("mailer/console/labels").items():
        assert needed - set(words) == set(), language  # language names come from Babel
    pages = {f"state_{status}" for status in Status}  # the preferences page
    for language, words in _catalogues("subscribers/labels").items():
        assert pages - set(words) == set(), language


def _reasons() -> set[str]:
    return {"no_answer"}  # the rest: the bounce reasons' own words (cause_…)


def test_every_catalogue_key_is_documented():
    import importlib.util

    spec = importlib.util.spec_from_file_location("catalogue_doc",
                                                  ROOT / "scripts" / "catalogue_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = (ROOT / "docs" / "catalogues.md").read_text(encoding="utf-8")
    assert written == module.render(), "run scripts/catalogue_doc.py"


def test_fallback_words_carry_their_language(tmp_path, monkeypatch):
    """A key German lacks comes from English and says so in HTML; a language without any
    file is the fallback's words; language names come from Babel."""
    from markupsafe import escape

    from mailer.catalogue import Word, language_name
    from mailer.labels import load_labels
    from mailer.settings import get_settings
    from subscribers.i18n import labels

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "de.yaml").write_text("subscribe_button: Abonnieren\n", "utf-8")
    monkeypatch.setenv("INFOLETTRE_CATALOGUES_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        words = labels("de")
        assert words["subscribe_button"] == "Abonnieren" and words.language == "de"
        assert isinstance(words["email_label"], Word)
        assert str(escape(words["email_label"])) == '<span lang="en">Email address</span>'
        assert labels("it").language == "en" and labels("it")["email_label"] == "Email address"
        assert load_labels("de").locale == "de" and load_labels("fr").locale == "fr_FR"
    finally:
        get_settings.cache_clear()
    assert (language_name("de"), language_name("fr")) == ("Deutsch", "Français")
    assert language_name("de", "fr") == "allemand" and language_name("xx") == "xx"


class _Unique(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (PyYAML keeps the last one silently)."""


def _no_twice(loader, node, deep=False):
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise yaml.constructor.ConstructorError(None, None, f"keys given twice: {twice}",
                                                node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_Unique.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_twice)


@pytest.mark.parametrize("folder", [folder for folder, _, _ in CATALOGUES])
def test_no_key_is_given_twice(folder):
    """A second `reason:` once silently replaced the first in every page that used it."""
    for path in sorted((ROOT / folder).glob("*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=_Unique)  # noqa: S506


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_held_class_claims_no_more_than_is_known(language):
    # Held reports were titled "tied to no message we sent" on the bounce pages, yet most
    # are about an address we did write to: a complaint without our VERP, a report naming
    # several subscribers. What they share is that nothing proves they are about our mail.
    held = _catalogues("mailer/console/labels")[language]["kind_held"]
    assert "aucun message" not in held and "no message" not in held
    assert ("rien ne prouve" if language == "fr" else "nothing proves") in held


def test_counts_take_their_language_s_plural():
    from mailer.counting import counted, how_many

    assert [how_many(n, "row", "rows") for n in (0, 1, 2, 1200)] == [
        "0 rows", "1 row", "2 rows", "1,200 rows"]
    forms = {"one": "{n} ligne", "other": "{n} lignes"}
    # French says 0 and 1 in the singular (CLDR), and groups with a narrow no-break space.
    assert [counted(forms, n, "fr") for n in (0, 1, 2)] == ["0 ligne", "1 ligne", "2 lignes"]
    assert counted(forms, 1200, "fr") == "1\u202f200 lignes"
