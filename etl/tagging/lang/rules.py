"""Entity rules for languages without a usable model: Arabic, and a capitalised-name fallback.

Arabic (``arabic_entities``), hand-written, no learned weights:

- places: country names in Arabic from pycountry's locale files (LGPL-2.1; diacritics removed,
  official and common names), plus :data:`AR_PLACES` (capitals, big cities and regions written
  here); a name matches a whole word, with a clitic (و ب ل ف ك, وب ول, لل) glued in front as
  Arabic writes it ("وبريطانيا" is a place, span and all, as ANERcorp annotates it);
- organisations: :data:`AR_ORGS` and "<head> <name>" (حزب / حركة / تنظيم / منظمة / وزارة +
  the next word);
- persons: one or two words after a title or a speech verb (الرئيس، الشيخ، السيد، قال ...),
  optionally past a nationality adjective ("الرئيس الفرنسي جاك شيراك"); later mentions of a
  person's last name are that person (one sense per discourse).
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

_TASHKEEL = re.compile(r"[\u064B-\u0652\u0670\u0640]")
_AR_WORD = re.compile(r"[\u0621-\u064A\u0660-\u0669\u0671-\u06D3\u064B-\u0652\u0640]+")
_CLITICS = ("وبال", "ولل", "وال", "بال", "فال", "كال", "لل", "وب", "ول", "وك", "و", "ب", "ل",
            "ف", "ك")
AR_PLACES = """
بغداد الموصل البصرة كركوك أربيل الفلوجة الرمادي تكريت سامراء النجف كربلاء دمشق حلب حمص حماة
إدلب درعا دير الزور الرقة اللاذقية طرطوس بيروت طرابلس صيدا صور بعلبك القاهرة الإسكندرية سيناء
عمان الزرقاء إربد القدس غزة رفح خان يونس جنين نابلس رام الله الخليل تل أبيب حيفا الرياض جدة
مكة المدينة المنورة الدمام صنعاء عدن تعز الحديدة مأرب الخرطوم دارفور الفاشر أم درمان طرابلس
بنغازي مصراتة سرت تونس الجزائر وهران الرباط الدار البيضاء مراكش نواكشوط باماكو نيامي واغادوغو
مقديشو كابول قندهار طهران مشهد إسطنبول أنقرة موسكو كييف واشنطن نيويورك لندن باريس برلين روما
مدريد بكين طوكيو دبي أبوظبي الدوحة المنامة الكويت مسقط الشرق الأوسط الخليج أفريقيا أوروبا آسيا
أمريكا أميركا الضفة الغربية الجولان كردستان الأنبار نينوى ديالى صلاح الدين الساحل الصحراء
فلسطين إسرائيل اسرائيل العراق سوريا سورية لبنان مصر الأردن السعودية اليمن ليبيا السودان
الصومال تركيا إيران روسيا أوكرانيا فرنسا بريطانيا ألمانيا المانيا إيطاليا إسبانيا الصين
الهند باكستان أفغانستان الولايات المتحدة الإمارات قطر البحرين عمان المغرب موريتانيا مالي
النيجر نيجيريا تشاد إثيوبيا كينيا اليابان البرازيل فنزويلا كوبا المكسيك كندا الشيشان
""".split()
AR_MULTI_PLACES = ["دير الزور", "رام الله", "خان يونس", "تل أبيب", "المدينة المنورة",
                   "أم درمان", "الدار البيضاء", "الشرق الأوسط", "الشرق الاوسط",
                   "الضفة الغربية", "صلاح الدين", "الولايات المتحدة", "هونج كونج",
                   "كوريا الشمالية", "كوريا الجنوبية", "جنوب أفريقيا", "المملكة المتحدة",
                   "قطاع غزة", "الأراضي الفلسطينية"]
AR_ORGS = ["الأمم المتحدة", "الامم المتحدة", "مجلس الأمن", "مجلس الامن", "الاتحاد الأوروبي",
           "الاتحاد الاوروبي", "الاتحاد الأفريقي", "جامعة الدول العربية", "حلف الأطلسي",
           "حلف شمال الأطلسي", "الناتو", "حزب الله", "حماس", "فتح", "طالبان", "القاعدة",
           "تنظيم القاعدة", "داعش", "الحوثيون", "الحوثي", "رويترز", "فرانس برس", "الجزيرة",
           "العربية", "البنك الدولي", "صندوق النقد الدولي", "الكونغرس", "الكرملين",
           "البيت الأبيض", "البنتاغون", "أوبك", "اوبك", "الصليب الأحمر", "اليونيسف",
           "منظمة الصحة العالمية", "الجيش الإسرائيلي", "الجهاد الإسلامي", "بوكو حرام",
           "الشباب", "هيئة تحرير الشام", "قوات الدعم السريع", "أسوشيتد برس", "بي بي سي"]
_ORG_HEADS = ("حزب", "حركة", "تنظيم", "منظمة", "وزارة", "جماعة", "وكالة", "صحيفة", "جبهة")
_TITLES = frozenset("""الرئيس الشيخ السيد السيدة الدكتور الملك الإمام الأمير الوزير المستشار
الجنرال العقيد اللواء العميد النائب القاضي المتحدث الزعيم المرشد الفنان الكاتب الأستاذ
المدرب اللاعب""".split())
# speech verbs: a name follows only when its first word is not a common noun ("قال مسؤول")
_SPEECH = frozenset("""قال وقال قالت وقالت وأضاف أكد وأكد أعلن وأعلن ويقول وأوضح وأشار""".split())
_NOT_NAMES = frozenset("""مسؤول مسؤولون مصدر مصادر وزير وزيرة متحدث شهود شاهد مواطن سكان رئيس
نائب قائد ضابط مراسل بيان تقرير مدير عضو خبير محلل ناشط ناشطون""".split())
_STOP = frozenset("""في من إلى الى على عن أن إن ان مع هذا هذه ذلك التي الذي الذين كان كانت قد
لم لن ما لا و أو ثم بعد قبل عند حيث إنه انه أنه إنها أنها وفي وقد وكان كما هو هي هم يوم أمس
اليوم خلال بين حتى منذ لدى عبر ضد نحو كل بعض غير أي أيضا ايضا اليوم الذي إلا فقط حول""".split())
_NATIONALITY = re.compile(r"^ال[\u0621-\u064A]+(?:ي|ية)$")
_LATIN_NAME = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+(?:de|del|la|da|dos|van|von|ben|bin|al)?"
                         r"\s*[A-ZÀ-ÖØ-Þ][\w'’-]+)+")


def strip_diacritics(text: str) -> str:
    return _TASHKEEL.sub("", text)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    """Arabic name (diacritics removed) -> location | organization."""
    names: dict[str, str] = {}
    try:
        import pycountry

        ar = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"])
        for c in pycountry.countries:
            for attr in ("name", "common_name"):
                value = getattr(c, attr, None)
                if value:
                    local = strip_diacritics(ar.gettext(value))
                    if local != value and len(local) > 2:
                        names[local] = "location"
    except (ImportError, OSError):
        pass
    for name in AR_PLACES + AR_MULTI_PLACES:
        names[name] = "location"
    for name in AR_ORGS:
        names[name] = "organization"
    return names


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), strip_diacritics(m.group())) for m in _AR_WORD.finditer(text)]


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    return frozenset(k.split()[0] for k in _lexicon())


def _bare(word: str, lexicon: dict[str, str]) -> str | None:
    """``word``, or ``word`` without a leading clitic, when it starts a lexicon entry."""
    firsts = _first_words()
    if word in firsts:
        return word
    for c in _CLITICS:
        if word.startswith(c) and len(word) - len(c) >= 2:
            rest = word[len(c):]
            if c.endswith("ال") or c == "لل":
                rest = "ال" + rest
            if rest in firsts:
                return rest
    return None


def arabic_entities(text: str) -> list[tuple[int, int, str]]:
    """Places, organisations and persons in Arabic text by the rules above."""
    lexicon = _lexicon()
    toks = _tokens(text)
    out: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    i = 0
    while i < len(toks):
        hit = None
        for n in (4, 3, 2, 1):  # longest lexicon entry first
            if i + n > len(toks):
                continue
            first = _bare(toks[i][2], lexicon)
            if first is None:
                break
            words = [first] + [t[2] for t in toks[i + 1:i + n]]
            name = " ".join(words)
            if name in lexicon and _adjacent(text, toks[i:i + n]):
                hit = (toks[i][0], toks[i + n - 1][1], lexicon[name], n)
                break
        if hit:
            out.append(hit[:3])
            taken.update(range(i, i + hit[3]))
            i += hit[3]
            continue
        word = toks[i][2]
        bare = word[1:] if word.startswith("و") and word[1:] in _ORG_HEADS else word
        if bare in _ORG_HEADS and i + 1 < len(toks) and toks[i + 1][2] not in _STOP \
                and _adjacent(text, toks[i:i + 2]):
            out.append((toks[i][0], toks[i + 1][1], "organization"))
            taken.update((i, i + 1))
            i += 2
            continue
        i += 1
    surnames: set[str] = set()
    for i, (_s, _e, word) in enumerate(toks):
        if word not in _TITLES and word not in _SPEECH or i + 1 >= len(toks):
            continue
        j = i + 1
        if word in _SPEECH and (toks[j][2].startswith("ال") or toks[j][2] in _NOT_NAMES):
            continue
        if _NATIONALITY.match(toks[j][2]) and j + 1 < len(toks):
            j += 1  # "الرئيس الفرنسي جاك شيراك"
        name = []
        for k in (j, j + 1):
            if k >= len(toks) or k in taken or toks[k][2] in _STOP or toks[k][2] in _TITLES \
                    or toks[k][2] in _SPEECH \
                    or not _adjacent(text, toks[j:k + 1]) or _NATIONALITY.match(toks[k][2]):
                break
            name.append(k)
        if name:
            out.append((toks[name[0]][0], toks[name[-1]][1], "person"))
            taken.update(name)
            surnames.add(toks[name[-1]][2])
    for i, (s, e, word) in enumerate(toks):
        if word in surnames and i not in taken:
            out.append((s, e, "person"))
    return sorted(set(out))


def _adjacent(text: str, toks) -> bool:
    """The words are separated by plain spaces only (no punctuation between them)."""
    return all(not text[a[1]:b[0]].strip() for a, b in zip(toks, toks[1:], strict=False))


def capitalised_entities(text: str) -> list[tuple[int, int, str]]:
    """Runs of two or more capitalised words (Latin script), typed person: the fallback when a
    language's model is missing."""
    return [(m.start(), m.end(), "person") for m in _LATIN_NAME.finditer(text)]
