"""Issue 17: invisible and look-alike characters, Urdu/Arabic script, compounds, place words."""

from __future__ import annotations

import pytest

from cftwatch.screening import normalize_name
from cftwatch.screening.chars import clean_characters, fold_arabic_letters
from cftwatch.screening.normalize import is_place_word, split_place_words


@pytest.mark.parametrize(
    ("dirty", "what"),
    [
        ("Mas\u200bood Azhar", "zero-width space"),
        ("Ma\u00adsood Azhar", "soft hyphen"),
        ("Masood\u200d Azhar", "zero-width joiner"),
        ("\u202eMasood Azhar\u202c", "bidi control"),
        ("Masood\ufeff Azhar", "zero-width no-break space"),
        ("M\u0430sood Azh\u0430r", "look-alike"),  # Cyrillic а
        ("Mas\u03bfod Azhar", "look-alike"),  # Greek ο
    ],
)
def test_invisible_and_confusable_characters_are_stripped_and_reported(
    dirty: str, what: str
) -> None:
    name = normalize_name(dirty)
    assert name.tokens == normalize_name("Masood Azhar").tokens
    assert any(what in note for note in name.stripped), name.stripped


def test_clean_name_reports_nothing() -> None:
    assert normalize_name("Masood Azhar").stripped == ()
    assert clean_characters("Masood Azhar") == ("Masood Azhar", ())


def test_wholly_cyrillic_name_is_not_read_as_latin() -> None:
    text, notes = clean_characters("Абу Мухаммад")
    assert text == "Абу Мухаммад" and notes == ()
    assert normalize_name("Абу Мухаммад").tokens == ("abu", "muhammad")


def test_arabic_letter_variants_fold_to_one_form() -> None:
    # Arabic yeh/kaf/heh/teh marbuta and Urdu's forms of them are one letter each
    assert fold_arabic_letters("علي") == fold_arabic_letters("علی")
    assert fold_arabic_letters("لشكر") == fold_arabic_letters("لشکر")
    assert fold_arabic_letters("طيبة") == fold_arabic_letters("طیبہ")
    assert fold_arabic_letters("لشکرِ") == "لشکر"  # izafat kasra is a vowel mark


@pytest.mark.parametrize(
    ("urdu", "latin"),
    [
        ("لشکر طیبہ", "Lashkar-e-Tayyiba"),
        ("لشکرِ طیبہ", "Lashkar-e-Tayyiba"),
        ("لشکر طیبة", "Lashkar-e-Tayyiba"),
        ("جماعۃ الدعوۃ", "Jamaat-ud-Dawa"),
        ("جماعت الدعوہ", "Jamaat-ud-Dawa"),
        ("فلاح انسانیت فاؤنڈیشن", "Falah-e-Insaniat Foundation"),
        ("الاختر ٹرسٹ", "Al-Akhtar Trust"),
        ("الرشید ٹرسٹ", "Al Rashid Trust"),
        ("لشکر جھنگوی", "Lashkar-e-Jhangvi"),
        ("حقانی نیٹ ورک", "Haqqani Network"),
        ("جیشِ محمد", "Jaish-e-Mohammed"),
    ],
)
def test_urdu_spellings_of_listed_groups_normalise_like_the_latin(urdu: str, latin: str) -> None:
    assert normalize_name(urdu).key == normalize_name(latin).key


@pytest.mark.parametrize(
    ("listed", "original_script"),
    [
        # UN consolidated list: Latin name and NAME_ORIGINAL_SCRIPT of the same entry
        ("SANAULLAH GHAFARI", "ثناء اللہ غفاری"),  # QDi.431
        ("NASIRUDDIN HAQQANI", "نصیر الدین حقانی"),  # TAi.146
        ("SIRAJUDDIN JALLALOUDINE HAQQANI", "سراج الدين جلال الدين حقانى"),  # TAi.144
        ("NOOR MOHAMMAD SAQIB", "نور محمد ثاقب"),  # TAi.110
        ("ABDUL GHAFAR SHINWARI", "عبدالغفار شینواری"),  # TAi.139
        ("ABDUL QUDDUS MAZHARI", "عبد القدوس مظهری"),  # TAi.135
        ("AAMIR ALI CHAUDHRY", "عامر علی چوہدری"),  # QDi.312
    ],
)
def test_real_original_script_names_agree_with_their_latin_part_by_part(
    listed: str, original_script: str
) -> None:
    from cftwatch.screening.normalize import consonants

    latin, script = normalize_name(listed), normalize_name(original_script)
    assert len(latin.tokens) == len(script.tokens)
    for a, b in zip(latin.tokens, script.tokens, strict=True):
        # the script side leaves short vowels unwritten: compare consonant skeletons
        assert a == b or consonants(a)[:3] == consonants(b)[:3], (a, b)


def test_initial_alif_and_ayn_are_a_vowel_not_dropped() -> None:
    assert normalize_name("اسلم").tokens[0].startswith("a")
    assert normalize_name("عمران").tokens == normalize_name("Imran").tokens
    assert normalize_name("ظہیر احمد").tokens == ("zaheer", "ahmad")


@pytest.mark.parametrize(
    ("variant", "listed"),
    [
        ("Sana Ullah Ghafari", "Sanaullah Ghafari"),
        ("Sana-ullah Ghafari", "Sanaullah Ghafari"),
        ("Jalal-ud-Din Haqqani", "Jalaluddin Haqqani"),
        ("Jalal ud Din Haqqani", "Jalaluddin Haqqani"),
        ("Jalal Uddin Haqqani", "Jalaluddin Haqqani"),
        ("Salah al-Din", "Salahuddin"),
        ("Abd Allah", "Abdullah"),
        ("Lashkaretaiba", "Lashkar-e-Tayyiba"),
        ("LashkareTayyaba", "Lashkar-e-Tayyiba"),
        ("Jamaatuddawa", "Jamaat-ud-Dawa"),
        ("JamatudDawa", "Jamaat-ud-Dawa"),
        ("Hizbulmujahideen", "Hizb-ul-Mujahideen"),
        ("Hizbul Mujahideen", "Hizb-ul-Mujahideen"),
        ("Harkatulmujahideen", "Harakat ul-Mujahidin"),
        ("Jaishemuhammad", "Jaish-e-Mohammed"),
        ("TehreekeTaliban Pakistan", "Tehrik-e-Taliban Pakistan"),
        ("FalaheInsaniat Foundation", "Falah-i-Insaniat Foundation"),
        ("MilliMuslimLeague", "Milli Muslim League"),
        ("Alrehmat Trust", "Al Rehmat Trust"),
        ("HafizSaeed", "Hafiz Saeed"),
    ],
)
def test_split_and_joined_compounds_give_the_listed_keys(variant: str, listed: str) -> None:
    assert normalize_name(variant).key == normalize_name(listed).key


@pytest.mark.parametrize("name", ["Ansari", "Usmani", "Shahid Afridi", "Rasul", "McDonald"])
def test_ordinary_names_are_not_split(name: str) -> None:
    assert len(normalize_name(name).tokens) == len(name.split())


def test_place_words_split_off_an_organisation_query() -> None:
    assert split_place_words("Al Rasheed Trust Karachi") == ("Al Rasheed Trust", ("Karachi",))
    assert split_place_words("Jamaat-ud-Dawa Pakistan") == ("Jamaat-ud-Dawa", ("Pakistan",))
    assert split_place_words("Al Akhtar Trust Karachi Pakistan") == (
        "Al Akhtar Trust",
        ("Karachi", "Pakistan"),
    )
    # nothing but places, a place that is the name's own, or no place: the name whole
    assert split_place_words("Pakistan") == ("Pakistan", ())
    assert split_place_words("Bank of Punjab") == ("Bank of Punjab", ())
    assert split_place_words("Al Rashid Trust") == ("Al Rashid Trust", ())
    assert is_place_word("Muridke") and not is_place_word("Rashid")
