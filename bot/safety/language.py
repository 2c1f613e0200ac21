"""Which language a message is written in, among the 24 the safety texts exist in."""

from __future__ import annotations

from functools import cache

SAFETY_LANGUAGES = (
    "en", "es", "pt", "fr", "de", "it", "nl", "pl", "ru", "uk",
    "tr", "ar", "hi", "zh", "ja", "ko", "vi", "th", "tl", "id", "fa", "ur", "bn", "sw",
)  # fmt: skip
CONFIDENT = 0.9  # below this, a language the lexicon matched in wins (romanised Hindi, Arabizi)


@cache
def _identifier() -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(SAFETY_LANGUAGES))
    return ident


def detect(text: str, hint: str | None = None) -> tuple[str | None, float]:
    """(language, confidence). `hint` is a language the lexicon matched the message in."""
    if not text.strip():
        return hint, 0.0
    lang, prob = _identifier().classify(text)  # type: ignore[attr-defined]
    if hint and hint != lang and prob < CONFIDENT:
        return hint, float(prob)
    return str(lang), float(prob)
