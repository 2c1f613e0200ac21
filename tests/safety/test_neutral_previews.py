"""The first line of every DM the bot starts about safety, abuse, a report or a case is all a
lock screen shows, on a phone someone else may read: in every language it must say nothing of
why the bot wrote. This lists each such message, the key of its first line, and checks that
line in every language against words that must not appear there."""

from __future__ import annotations

import pytest

from bot.kernel import i18n
from bot.safety import replies
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.safety

# Each DM the bot starts about safety, abuse, a report or a case -> where its first line comes
# from: ("replies", key) in content/safety/replies/*.yaml, ("catalog", key) in the locales.
FIRST_LINES = {
    "safety reply: suicide, danger, control, suicide_directory, suicide_unknown": (
        "replies",
        "preview",
    ),
    "/help-now answer": ("replies", "preview"),
    "report receipt": ("catalog", "core.preview"),
    "report closed": ("catalog", "core.preview"),
    "case notice: warned, timed out, kicked, banned": ("catalog", "core.preview"),
    "appeal accepted or denied": ("catalog", "core.preview"),
    "automod removed or held a message": ("catalog", "core.preview"),
    "is it safe to talk? check-in": ("catalog", "core.preview"),
}
# Readable over a shoulder once opened: the check-in says nothing of why either.
ALSO_NEUTRAL = ("safety.checkin.text", "safety.checkin.yes", "safety.checkin.later")

# Words (lower-case stems) that would give away why the bot wrote, per language.
FORBIDDEN = {
    "en": ["safe", "abus", "violen", "danger", "crisis", "suicid", "help", "hotline", "police",
           "report", "moderat", "case", "warn", "ban", "partner", "husband", "wife", "visa",
           "immigra", "emergenc", "harm", "threat", "control", "support"],
    "ar": ["أمان", "آمن", "عنف", "إساءة", "خطر", "أزمة", "انتحار", "مساعدة", "شرطة", "بلاغ",
           "مشرف", "طوارئ", "زوج", "دعم"],
    "bn": ["নিরাপ", "নির্যাতন", "সহিংস", "বিপদ", "সংকট", "আত্মহত্যা", "সাহায্য", "পুলিশ",
           "রিপোর্ট", "মডারেটর", "জরুরি"],
    "de": ["sicher", "missbrauch", "gewalt", "gefahr", "krise", "suizid", "selbstmord", "hilfe",
           "notruf", "polizei", "meldung", "moderat", "notfall", "partner", "ehemann", "verwarn"],
    "es": ["segur", "abuso", "violencia", "peligro", "crisis", "suicid", "ayuda", "policía",
           "denuncia", "moderaci", "emergencia", "pareja", "marido", "apoyo"],
    "fa": ["امن", "خشونت", "آزار", "خطر", "بحران", "خودکشی", "کمک", "پلیس", "گزارش", "ناظر",
           "اضطرار"],
    "fr": ["sécurité", "abus", "violence", "danger", "crise", "suicid", "aide", "police",
           "signalement", "modérat", "urgence", "conjoint", "soutien"],
    "hi": ["सुरक्षा", "हिंसा", "दुर्व्यवहार", "ख़तरा", "खतरा", "संकट", "आत्महत्या", "मदद", "सहायता",
           "पुलिस", "रिपोर्ट", "मॉडरेटर", "आपात"],
    "id": ["aman", "kekerasan", "pelecehan", "bahaya", "krisis", "bunuh diri", "bantuan",
           "tolong", "polisi", "laporan", "moderator", "darurat"],
    "it": ["sicurezza", "abus", "violenza", "pericolo", "crisi", "suicid", "aiuto", "polizia",
           "segnalazione", "moderat", "emergenza"],
    "ja": ["安全", "虐待", "暴力", "危険", "危機", "自殺", "助け", "支援", "警察", "通報", "報告",
           "モデレーター", "緊急", "相談"],
    "ko": ["안전", "학대", "폭력", "위험", "위기", "자살", "도움", "경찰", "신고", "운영진",
           "긴급", "상담"],
    "nl": ["veilig", "misbruik", "geweld", "gevaar", "crisis", "zelfmoord", "suïcide", "hulp",
           "politie", "melding", "moderator", "nood"],
    "pl": ["bezpiecz", "przemoc", "nadużyc", "niebezpiecz", "kryzys", "samobój", "pomoc",
           "policj", "zgłosz", "moderat", "nagł"],
    "pt": ["segur", "abuso", "violência", "perigo", "crise", "suicíd", "ajuda", "polícia",
           "denúncia", "moderaç", "emergência", "apoio"],
    "ru": ["безопас", "насили", "опасн", "кризис", "суицид", "самоубий", "помощ", "полици",
           "жалоб", "модерат", "экстрен"],
    "sw": ["usalama", "unyanyasaji", "ukatili", "hatari", "dharura", "kujiua", "msaada",
           "polisi", "ripoti", "msimamizi"],
    "th": ["ปลอดภัย", "ความรุนแรง", "ทำร้าย", "อันตราย", "วิกฤต", "ฆ่าตัวตาย", "ช่วยเหลือ",
           "ตำรวจ", "รายงาน", "ผู้ดูแล", "ฉุกเฉิน"],
    "tl": ["ligtas", "karahasan", "pang-aabuso", "panganib", "krisis", "pagpapakamatay",
           "tulong", "pulis", "report", "moderator"],
    "tr": ["güvenli", "istismar", "şiddet", "tehlike", "kriz", "intihar", "yardım", "polis",
           "şikayet", "moderat", "acil"],
    "uk": ["безпек", "насильств", "небезпек", "криз", "суїцид", "самогуб", "допомог", "поліці",
           "скарг", "модерат"],
    "ur": ["حفاظت", "تشدد", "زیادتی", "خطرہ", "بحران", "خودکشی", "مدد", "پولیس", "رپورٹ",
           "موڈریٹر", "ہنگامی"],
    "vi": ["an toàn", "bạo lực", "lạm dụng", "nguy hiểm", "khủng hoảng", "tự tử", "giúp",
           "cảnh sát", "báo cáo", "điều hành", "khẩn cấp"],
    "zh": ["安全", "虐待", "暴力", "危险", "危机", "自杀", "帮助", "求助", "警察", "举报", "版主",
           "紧急"],
}  # fmt: skip


def _words(language: str) -> list[str]:
    base = language.replace("_", "-").split("-")[0]
    return [*FORBIDDEN["en"], *FORBIDDEN[base]]  # English words give it away anywhere


def _texts(source: str, key: str) -> dict[str, str]:
    if source == "replies":
        return {lang: texts[key] for lang, texts in replies.catalog().items()}
    return {loc: i18n.t(key, loc) for loc in i18n.locales()}


def test_every_language_has_a_list_of_words_that_give_it_away() -> None:
    languages = {
        *replies.catalog(),
        *(loc.replace("_", "-").split("-")[0] for loc in i18n.locales()),
    }
    assert languages <= set(FORBIDDEN)


@pytest.mark.parametrize("message", sorted(FIRST_LINES))
def test_the_first_line_says_nothing_of_why_in_any_language(message: str) -> None:
    source, key = FIRST_LINES[message]
    texts = _texts(source, key)
    assert len(texts) >= (24 if source == "replies" else 12)
    for language, text in texts.items():
        assert text.strip() and "\n" not in text, (message, language)
        assert len(text) <= 60, (message, language)  # one short line, whole on a lock screen
        found = [w for w in _words(language) if w in text.lower()]
        assert not found, f"{message} ({language}): {text!r} gives away {found}"


@pytest.mark.parametrize("key", ALSO_NEUTRAL)
def test_the_check_in_says_nothing_of_why_in_any_language(key: str) -> None:
    for language, text in _texts("catalog", key).items():
        found = [w for w in _words(language) if w in text.lower()]
        assert not found, f"{key} ({language}): {text!r} gives away {found}"


def test_every_catalog_language_translates_the_preview() -> None:
    english = i18n.t("core.preview", "en")
    for loc in i18n.locales():
        if loc != "en":
            assert i18n.translated("core.preview", loc) not in (None, english), loc
    english = replies.text("preview", "en")
    for lang, texts in replies.catalog().items():
        assert lang == "en" or texts["preview"] != english, lang


async def test_case_and_report_dms_open_with_the_preview(community: RecordingConsole) -> None:
    """The case notices and report outcomes above, as the members get them."""
    await community.type("/as Admin admin", "/settings queue #moderators")
    await community.type("/as Noor moderator", "/as Sam", "/as Amira", "/in #general")
    await community.type("/report member:@sam reason:spam", '/submit details:"rude"')
    await community.type("/as Noor", "/in #moderators", "/click Warn", '/submit reason:"Be kind."')
    preview = i18n.t("core.preview", "en")
    for member in ("sam", "amira"):
        sent = [
            m.text
            for m in community.platform.messages.values()
            if m.channel == f"@{member}" and m.author_id == "crossings-bot" and not m.ephemeral
        ]
        assert sent, member
        assert all(text.split("\n", 1)[0] == preview for text in sent), (member, sent)
