"""Images for issues: the type from the content, resized to 600 and 1,200 px, metadata
stripped, WebP made JPEG for Outlook, stable names; anything else refused."""

import io

import pytest
from PIL import Image

from mailer import images


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "folder", lambda: tmp_path / "images")
    return tmp_path


def encoded(kind: str, size=(2400, 1600), mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 80, 40) if mode == "RGB" else (200, 80, 40, 120)).save(
        out, kind, **options)
    return out.getvalue()


def stored(home, url: str) -> Image.Image:
    return Image.open(home / "images" / url.rsplit("/", 1)[1])


def test_a_jpeg_is_resized_and_loses_its_metadata(home):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x0112] = 6  # Orientation: turned on its side
    result = images.store(encoded("JPEG", exif=exif.tobytes()))
    small, large = stored(home, result["url"]), stored(home, result["url_2x"])
    # Upright first (1600 × 2400), then 600 and 1,200 px wide.
    assert small.size == (600, 900) and large.size == (1200, 1800)
    assert not small.getexif() and not large.getexif()
    assert result["url"].endswith(".jpg") and result["width"] == 600
    assert images.store(encoded("JPEG", exif=exif.tobytes()))["url"] == result["url"]


def test_webp_becomes_jpeg_or_png_with_transparency_and_small_ones_are_not_enlarged(home):
    assert images.store(encoded("WEBP"))["url"].endswith(".jpg")
    result = images.store(encoded("WEBP", size=(300, 200), mode="RGBA"))
    assert result["url"].endswith(".png") and result["width"] == 300
    assert stored(home, result["url"]).size == (300, 200)
    assert stored(home, result["url_2x"]).mode == "RGBA"


@pytest.mark.parametrize("data", [b"GIF89a not ours", b"<svg onload=alert(1)>",
                                  b"\xff\xd8\xff\xe0 a truncated JPEG", b""])
def test_anything_else_is_refused_whatever_its_name(data):
    with pytest.raises(images.ImageRefused) as refused:
        images.store(data)
    assert refused.value.reason == "image_type"


def test_a_gif_and_a_decompression_bomb_are_refused():
    with pytest.raises(images.ImageRefused):
        images.store(encoded("GIF", size=(10, 10)))
    with pytest.raises(images.ImageRefused) as refused:
        images.store(encoded("PNG", size=(10_000, 10_000), mode="RGB"))
    assert refused.value.reason == "image_too_large"


def test_the_email_shows_the_high_density_file_at_its_width_and_the_web_page_chooses(
        home, tmp_path, monkeypatch):
    """An image of ours: the email's src is the 1,200 px file with the 600 px box's width and
    height (mail clients ignore srcset); the web page offers both through srcset. Anyone
    else's image is used as given. The height scales on phones (no fixed CSS height)."""
    import re

    from mailer.render import render_file
    from mailer.settings import get_settings
    from tests.render.conftest import MINIMAL, write_issue

    monkeypatch.setenv("INFOLETTRE_BASE_URL", "https://lettre.example.org")
    get_settings.cache_clear()
    try:
        stored_image = images.store(encoded("JPEG", size=(2400, 1600)))
        ours, theirs = stored_image["url"], "https://photos.example.net/images/" + "a" * 24 + ".jpg"
        assert images.high_density(ours) == (stored_image["url_2x"], (1200, 800))
        assert images.high_density(theirs) is None
        assert images.high_density(ours.replace("https:", "http:")) is None
        assert images.high_density(ours + "?v=2") is None
        figures = "".join(f"""
          - url: {url}
            alt: {{fr: Une photo, en: A photo}}
            width: {width}""" for url, width in ((ours, 552), (theirs, 300)))
        text = MINIMAL.replace("        body:\n          fr: Un texte.",
                               f"        images:{figures}\n        body:\n          fr: Un texte.")
        editions = render_file(write_issue(tmp_path, text))
    finally:
        get_settings.cache_clear()
    html = editions["fr"].html
    email_images = re.findall(r"<img\b[^>]*>", html)
    mine = next(img for img in email_images if "Une photo" in img and stored_image["url_2x"] in img)
    assert 'width="552"' in mine and 'height="368"' in mine
    assert re.search(r"(?<![-\w])height:\s*auto", mine) and "srcset" not in mine
    assert f'src="{theirs}"' in html and "@2x" not in theirs
    web = editions["fr"].web_html
    assert f'srcset="{ours} 1x, {stored_image["url_2x"]} 2x"' in web
    assert f'src="{ours}"' in web
