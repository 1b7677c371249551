"""Issue 15 (2, 6): `kith i18n`, a provider's own catalogs and overrides, the segment report."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.commands.i18n import extract, report_data, update
from bot.settings import load_settings
from conversations.definition import SHIPPED_SERVICES_DIR
from conversations.registry import load_registry

SHIPPED = ["en", "ur", "pa", "gu", "pl", "so", "ar", "bn", "ro"]


def _provider_copy(folder: Path, extra: str = "") -> None:
    """Derby's definition as a provider's own service, `somewhere-peer`."""
    text = (SHIPPED_SERVICES_DIR / "derby-peer-support.yaml").read_text(encoding="utf-8")
    text = text.replace("id: derby-peer-support", "id: somewhere-peer", 1)
    (folder / "somewhere-peer.yaml").write_text(text + extra, encoding="utf-8")


def test_a_providers_definitions_get_catalogs_in_their_own_folder(tmp_path: Path) -> None:
    _provider_copy(tmp_path)
    assert extract(tmp_path) == 0
    assert update(tmp_path) == 0
    po = tmp_path / "locales" / "pl" / "LC_MESSAGES" / "kith.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="pl")
    assert "How old are you?" in catalog  # the definition's prompts are extracted
    assert "Which language?" not in catalog  # the engine's own sentences are not
    catalog["How old are you?"].string = "Ile masz lat? (Somewhere)"
    with po.open("wb") as handle:
        write_po(handle, catalog)
    registry = load_registry(tmp_path)
    provider = registry.engine("somewhere-peer").translator("pl")
    assert provider.gettext("How old are you?") == "Ile masz lat? (Somewhere)"
    assert provider.gettext("Which language?") == "Jaki język?"  # Kith's catalog behind it
    shipped = registry.engine("derby-peer-support").translator("pl")
    assert shipped.gettext("How old are you?") == "Ile masz lat?"


def test_a_definition_overrides_one_text_for_one_language(tmp_path: Path) -> None:
    _provider_copy(
        tmp_path,
        '\ntranslations:\n  ur:\n    "Derby Peer Support": "ڈربی پیئر سپورٹ"\n'
        "languages: [ur, pl]\n",
    )
    registry = load_registry(tmp_path)
    engine = registry.engine("somewhere-peer")
    assert engine.translator("ur").gettext("Derby Peer Support") == "ڈربی پیئر سپورٹ"
    assert engine.translator("pl").gettext("Derby Peer Support") == "Derby Peer Support"
    assert engine.service.offered_languages() == ("en", "ur", "pl")
    assert registry.services["derby-peer-support"].offered_languages() == tuple(SHIPPED)


def test_an_unknown_language_in_a_definition_names_its_line(tmp_path: Path) -> None:
    from conversations.yamlfile import DefinitionError

    _provider_copy(tmp_path, "\nlanguages: [ur, xx]\n")
    with pytest.raises(DefinitionError, match="unknown language 'xx'"):
        load_registry(tmp_path)


def test_the_report_counts_every_language_and_service() -> None:
    settings = load_settings({"KITH_DATABASE_URL": "sqlite+aiosqlite://"}, Path("/nonexistent"))
    data = report_data(settings)
    assert list(data) == SHIPPED
    for code in SHIPPED:
        assert set(data[code]) == set(data["en"])
        for row in data[code].values():
            assert row["referral_segments"] and row["prompt_segments"]
    # A non-Latin script is sent as UCS-2: an SMS segment holds 70 characters, not 160.
    for service in data["en"]:
        english = data["en"][service]["referral_segments"]
        assert data["ur"][service]["referral_segments"] > english
