"""Country names as the lists spell them → ISO 3166-1 alpha-2 codes.

The lists write countries in prose ("Korea, North", "Iran (Islamic Republic of)",
"Former USSR Currently Ukraine", "Pakistan."). Screening compares codes, so every parser
runs its country strings through `country_code`; a name with no known code is kept as
written (the schema allows that) rather than dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cftwatch.lists._iso3166 import ISO_NAMES

_ALIASES: dict[str, str] = {
    "antigua and barbuda": "AG",
    "bahamas": "BS",
    "bahamas, the": "BS",
    "belrus": "BY",
    "bolivia (plurinational state of)": "BO",
    "bosnia and herzegovina": "BA",
    "bosnia-herzegovina": "BA",
    "britain": "GB",
    "british virgin islands": "VG",
    "virgin islands, british": "VG",
    "burma": "MM",
    "cabo verde": "CV",
    "cape verde": "CV",
    "china, hong kong special administrative region": "HK",
    "congo": "CG",
    "congo, republic of the": "CG",
    "republic of the congo": "CG",
    "congo (democratic republic)": "CD",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "cote d ivoire": "CI",
    "cote d'ivoire": "CI",
    "côte d'ivoire": "CI",
    "czech republic": "CZ",
    "czechia": "CZ",
    "dprk": "KP",
    "democratic people's republic of korea": "KP",
    "korea, north": "KP",
    "north korea": "KP",
    "korea, democratic people's republic of": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "gambia": "GM",
    "the gambia": "GM",
    "german": "DE",
    "guinea bissau": "GW",
    "guinea-bissau": "GW",
    "iran (islamic republic of)": "IR",
    "iran, islamic republic of": "IR",
    "kosovo": "XK",
    "lao people's democratic republic": "LA",
    "laos": "LA",
    "man, isle of": "IM",
    "moldovan": "MD",
    "republic of moldova": "MD",
    "repubic of moldova": "MD",
    "moldova, republic of": "MD",
    "netherlands antilles": "AN",
    "north macedonia, the republic of": "MK",
    "north macedonia": "MK",
    "occupied palestinian territories": "PS",
    "palestinian": "PS",
    "palestinian territories": "PS",
    "state of palestine": "PS",
    "palestine": "PS",
    "possibly palestinian": "PS",
    "gaza": "PS",
    "west bank": "PS",
    "russia": "RU",
    "russian": "RU",
    "russian federation": "RU",
    "russia (ussr)": "RU",
    "saint kitts and nevis": "KN",
    "saint vincent and the grenadines": "VC",
    "samoa": "WS",
    "sundan": "SD",
    "syria": "SY",
    "syrian arab republic": "SY",
    "trinidad and tobago": "TT",
    "türkiye": "TR",
    "turkiye": "TR",
    "turkey": "TR",
    "uk": "GB",
    "united kingdom": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "united republic of tanzania": "TZ",
    "tanzania": "TZ",
    "united states of america": "US",
    "united states": "US",
    "usa": "US",
    "uzbekhistan": "UZ",
    "venezuela (bolivarian republic of)": "VE",
    "viet nam": "VN",
    "vietnam": "VN",
    "myanmar": "MM",
    "brunei": "BN",
    "micronesia": "FM",
    "macau": "MO",
    "macao": "MO",
    "hong kong": "HK",
    "taiwan": "TW",
    "eswatini": "SZ",
    "swaziland": "SZ",
    "central african republic": "CF",
    "american samoa": "AS",
    "saint lucia": "LC",
    "st lucia": "LC",
    "sao tome and principe": "ST",
    "turks and caicos islands": "TC",
    "cocos (keeling) islands": "CC",
    "palestinian authority": "PS",
    "holy see": "VA",
    "vatican city": "VA",
    "bolivia": "BO",
    "venezuela": "VE",
    "kyrgyz republic": "KG",
    "libyan arab jamahiriya": "LY",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
}
_NOW = re.compile(r"(?:\(|,\s*|\b)(?:now|currently)\s+([^()]+?)\)?$", re.IGNORECASE)
_NULLS = {"", "-", "-0-", "na", "n/a", "undetermined", "unknown", "none"}


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """ISO alpha-2 code for a country as a list writes it; the cleaned name if unknown;
    None for empty or placeholder values."""
    if name is None:
        return None
    text = " ".join(str(name).split()).strip().rstrip(".").strip()
    if text.lower() in _NULLS:
        return None
    if len(text) == 2 and text.upper() in ISO_NAMES:
        return text.upper()
    found = _lookup(text)
    if found:
        return found
    now = _NOW.search(text)
    if now:
        found = _lookup(now.group(1).strip().rstrip("."))
        if found:
            return found
    # "Russia (former USSR)", "Iraq (previous address)", "Germany. Russia"
    head = re.split(r"[(.,]", text, maxsplit=1)[0].strip()
    found = _lookup(head)
    return found or text


def _lookup(text: str) -> str | None:
    key = text.lower()
    if key in _ALIASES:
        return _ALIASES[key]
    return _BY_NAME.get(key)


_BY_NAME: dict[str, str] = {n.lower(): c for c, n in ISO_NAMES.items()}
_BY_NAME.update({n.lower().replace("&", "and"): c for c, n in ISO_NAMES.items()})
