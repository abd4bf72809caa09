"""The rendered email and web page in a real Chromium: phones, dark mode, accessibility."""

import pytest

from tests.support.browser import TEXT_STYLES, axe_violations, contrast

LANGUAGES = ["fr", "en"]


@pytest.fixture
def open_html(page, tmp_path):
    """Load an HTML string as a file page; every request leaving the machine is refused
    and recorded, so a test can assert that no font or stylesheet was wanted."""
    requests = []

    def refuse(route):
        requests.append((route.request.resource_type, route.request.url))
        route.abort()

    page.route("http*://**", refuse)

    def load(html: str, width: int = 600, dark: bool = False):
        page.set_viewport_size({"width": width, "height": 900})
        page.emulate_media(color_scheme="dark" if dark else "light")
        path = tmp_path / "page.html"
        path.write_text(html, encoding="utf-8")
        page.goto(path.as_uri())
        return requests

    return load


@pytest.mark.parametrize("language", LANGUAGES)
def test_phone_width_has_no_horizontal_scroll_and_no_tiny_text(editions, open_html, page,
                                                                language):
    open_html(editions[language].html, width=375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    sizes = page.evaluate(TEXT_STYLES)
    assert sizes
    small = [s for s in sizes if s["size"] < 13]
    assert not small, small[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_column_on_phones(editions, open_html, page, language):
    open_html(editions[language].html, width=375)
    widths = page.evaluate(
        "[...document.querySelectorAll('[class*=mj-column]')].map(c => c.offsetWidth)"
    )
    assert widths and all(width >= 375 - 2 for width in widths)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_font_or_stylesheet_is_fetched(editions, open_html, language):
    requests = open_html(editions[language].html)
    assert not [r for r in requests if r[0] in ("font", "stylesheet")], requests


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_text_keeps_its_contrast_in_light_and_dark_mode(editions, open_html, page,
                                                        language, dark):
    open_html(editions[language].html, dark=dark)
    poor = [
        s for s in page.evaluate(TEXT_STYLES)
        if contrast(s["color"], s["background"]) < 4.5
    ]
    assert not poor, poor[:5]


@pytest.mark.parametrize("kind", ["html", "web_html"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_wcag_21_aa_violation(editions, open_html, page, language, kind):
    open_html(getattr(editions[language], kind))
    assert axe_violations(page) == []


def test_escaped_script_stays_text_in_the_browser(open_html, page, tmp_path):
    from mailer.render import render_file
    from tests.render.conftest import MINIMAL, write_issue

    text = MINIMAL.replace("A title", "<script>window.pwned = 1</script>")
    open_html(render_file(write_issue(tmp_path, text))["en"].html)
    assert page.evaluate("window.pwned") is None
    assert "<script>window.pwned = 1</script>" in page.inner_text("body")


@pytest.fixture(scope="module")
def winter_editions():
    from mailer.render import render_file
    from tests.render.conftest import ROOT

    return render_file(ROOT / "issues" / "092.yaml")


@pytest.mark.parametrize("width", [600, 375])
@pytest.mark.parametrize("language", LANGUAGES)
def test_winter_example_holds_its_layout_and_raised_ordinals_stay_legible(
        winter_editions, open_html, page, language, width):
    open_html(winter_editions[language].html, width=width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    small = [s for s in page.evaluate(TEXT_STYLES) if s["size"] < 13]
    assert not small, small[:5]
    assert axe_violations(page) == []
    if language == "fr":  # "1er février": the ordinal raised, its line no taller than others
        heights = page.evaluate(
            "[...document.querySelectorAll('li')].slice(0, 2).map(li => {"
            " const r = document.createRange(); r.selectNodeContents(li);"
            " return [...r.getClientRects()].map(x => x.height); })")
        assert heights and max(max(h) for h in heights) <= 26, heights
