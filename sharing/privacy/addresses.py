"""Postal addresses: number and street, residence wording and street, postcode and town."""

import re

from .lexicons import (
    COMMON_FIRST_NAMES,
    STOPWORDS,
    first_names,
    name_words,
    surnames,
    town_names,
)
from .scan import Scan, Spans, fold, starts_word

# Street types that, after a number, can only be an address; the others ("place", "cours",
# "route"…) are ordinary words too, so they also need a capitalised name or a particle + name.
_STREET_ONLY = (
    r"rue|avenue|impasse|all[ée]e|chemin|quai|lieu-dit|lieudit|faubourg|fbg|ruelle|venelle"
    r"|boulevard|bld|blvd"
)
_STREET_NAMED = (
    r"place|pl\.|cours|route|rte|square|sq\.|passage|voie|mail|clos|domaine|villa|cit[ée]"
    r"|r[ée]sidence|promenade|esplanade|parvis|mont[ée]e|traverse|hameau|lotissement|sentier"
    r"|chauss[ée]e|rond-point|av\.?|bd\.?|imp\.|ch\."
)
_BUILDING_PART = (
    r"b[âa]t(?:iment)?|b[âa]t\.|escalier|esc\.?|appartement|appart|appt|apt|app|porte|[ée]tage"
    r"|flat|apartment|floor|entr[ée]e|chambre|room|logement"
)
_STREET_ADDRESS = re.compile(
    r"\d{1,4}(?: ?(?i:bis|ter|quater|[a-d]))?,? +"
    rf"(?:(?i:{_STREET_ONLY})(?![\w-]) +(?:[dl]')?\w"
    rf"|(?i:{_STREET_NAMED})(?![\w-]) +(?:(?i:de la|de l'|du|des|de|d'|la|le|les|l') ?)?"
    r"[A-ZÀ-ÖØ-Þ0-9])"
)
# The number written in words: "allée des Tilleuls numéro douze", "rue Haute n° vingt-deux".
_NUMBER_WORDS = (
    r"(?:dix|vingt|trente|quarante|cinquante|soixante|cent)(?:[- ](?:et[- ])?(?:un|une|deux"
    r"|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize))?"
    r"|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|onze|douze|treize|quatorze|quinze|seize"
)
# The number after the street, or before it with "de la": "rue des Lilas n°12", "au 12 de la
# rue des Lilas".
_NUMBER_AFTER = re.compile(
    rf"(?<!\w)(?i:{_STREET_ONLY})(?![\w-]) +(?:(?i:de la|de l'|du|des|de|d'|la|le|les|l') ?)?"
    r"[^\W\d_][\w'-]*(?: [A-ZÀ-Þ][\w'-]*)?,? +(?i:n°|no\.?|num[ée]ro) *"
    rf"(?:\d{{1,4}}(?!\d)|(?i:{_NUMBER_WORDS})(?![\w-]))"
    r"|(?<!\w)(?i:au) \d{1,4}(?: ?(?i:bis|ter))?,? (?i:de la|de l'|du|des) "
    rf"(?i:{_STREET_ONLY})(?![\w-])"
)
_RESIDENCE_CUES = ("domicil", "demeur", "résid", "resid", "habit", "vit ", "viven", "log",
                   "héberg", "heberg", "squatt", "live")  # fmt: skip
_RESIDENCE = re.compile(
    r"(?<!\w)(?i:domicil(?:i[ée]e?s?|e)|demeur(?:ant|e|ent)|r[ée]sidant|habitant|r[ée]side(?:nt)?"
    r"|habite(?:nt)?|vit|vivent|log[ée]e?s?|h[ée]berg[ée]e?s?|squatte(?:nt)?|lives?|living)(?!\w)"
    rf"[^.;\n]{{0,40}}?(?<!\w)(?i:{_STREET_ONLY}|{_STREET_NAMED}|{_BUILDING_PART})(?![\w-])"
)
# Two parts of a building next to each other: "bâtiment C, appartement 12", "escalier B, 3e
# étage", "résidence Les Tilleuls, bât. 4".
_PART = (
    rf"(?:(?i:{_BUILDING_PART})\.? *(?:n° *)?(?:\d{{1,4}}|[A-Z](?![\w'])|(?i:droite|gauche))"
    r"|\d{1,2} ?(?:e|er|ème|eme|è|nd|rd|th|st)\.? (?i:[ée]tage|floor)"
    r"|(?i:r[ée]sidence|cit[ée]|clos|lotissement|hameau|foyer)"
    r" +(?:(?i:les|le|la|des|du|de) +)?[A-ZÀ-Þ]\w+"
    # In lower case the name needs its article: "appartement 12 résidence les lilas", not
    # "chambre 3, foyer municipal".
    r"|(?i:r[ée]sidence|cit[ée]|clos|lotissement|hameau) +(?:les|le|la|des|du|de) +[a-zà-ÿ]{3,})"
)
# "tour 12, 5e étage", "bloc 4, appartement 12": a tower or a block, then another part ("tour 1
# et tour 2" are rounds of an election).
_TOWER = r"(?i:tour|immeuble|bloc) +(?:n° *)?(?:\d{1,3}(?!\d)|[A-Z](?![\w']))"
_BUILDING = re.compile(rf"(?:{_PART}|{_TOWER})[ ,;/-]{{1,4}}(?:(?i:au|et|porte) +)?{_PART}")
_BUILDING_CUES = ("bât", "bat", "esc", "app", "apt", "étage", "etage", "porte", "résidence",
                  "residence", "flat", "floor", "cité", "cite", "clos", "foyer", "chambre",
                  "room", "tour ", "immeuble ", "bloc ")  # fmt: skip
# "dossier 0142 clos le 3 mars": a street word that is also a verb, then a date ("place du 8
# Mai 1945" keeps its "du").
_DATED = re.compile(
    r"(?i:.?(?<!\w)le \d\d?(?:er)? +(?:janv|f[ée]v|mars|avr|mai|juin|juil|ao[uû]t|sept|oct|nov"
    r"|d[ée]c))"
)
# "300 av. J.-C.": a year, not an avenue.
_BEFORE_CHRIST = re.compile(r"(?i:av\.? *J\.?-?C\b)")
# An abbreviated street type in lower case, with no residence word: "12 bd gambetta", "3 av.
# jean jaurès", "5 r. des lilas". "bd" is also a comic book and "av." also "avant" or "avis"
# ("12 bd achetées", "3 av. favorables"), so the street must be named: by a particle after
# "r.", or by a name of the lexicons that is no French word, or by one of the names and words
# French streets are most often given (some of them not in the lexicons, or French words).
_ABBREVIATED_STREET = re.compile(
    r"\d{1,4}(?: ?(?i:bis|ter))?,? +(?P<type>(?i:bd|bld|blvd|bvd|boul|av|r))\.?"
    r" +(?P<particle>(?i:de la|de l'|du|des|de|d'|l')(?: |(?<=')))?(?P<name>[^\W\d_]+)"
)
_STREET_NAMES = frozenset(
    """
republique liberation liberte egalite fraternite paix gare mairie victoire resistance europe
poste eglise marne general marechal president docteur colonel commandant capitaine abbe saint
sainte st ste gambetta gaulle haussmann clemenceau pasteur gallieni lattre mitterrand
tilleuls lilas acacias platanes peupliers chenes marronniers roses ecoles moulin fontaine
""".split()  # noqa: SIM905
)


def _named_street(m: re.Match[str]) -> bool:
    key = fold(m.group("name"))
    if key in _STREET_NAMES or key in COMMON_FIRST_NAMES:
        return True  # "12 bd pasteur", "3 av jean jaurès"
    if m.group("particle") and fold(m.group("type")) == "r":
        return True  # "5 r. des lilas"
    listed = key in surnames() or key in first_names() or key in town_names()
    return listed and key not in name_words() and key not in STOPWORDS and len(key) > 2


# The postcode right after the street, the town left out: "chemin des vignes 26200".
_STREET_POSTCODE = re.compile(
    rf"(?<!\w)(?i:{_STREET_ONLY})(?![\w-]) +(?:(?i:de la|de l'|du|des|de|d'|la|le|les|l') ?)?"
    r"[^\W\d_][\w'-]*(?: [^\W\d_][\w'-]*)?,? +(?:0[1-9]|[1-8]\d|9[0-8])\d{3}(?![\d,.]|"
    r" *(?i:€|eur|euros|m|m2|m²|km|habitants|ha)(?!\w))"
)
_POSTCODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3} +(?:[A-ZÀ-ÖØ-Þ][\w'-]+|CEDEX)")
_INSEE_CUE = re.compile(r"(?i:insee|code commune|code officiel)")


def address(scan: Scan) -> Spans:
    """Number + street type, residence wording + street, or postcode + town (not INSEE codes)."""
    text = scan.text
    for m in scan.at_numbers(_STREET_ADDRESS):
        if (
            starts_word(text, m.start(), ",.")
            and not _DATED.match(text, m.end() - 4)
            and not _BEFORE_CHRIST.search(text, m.start(), m.end() + 4)
        ):
            yield m.span()
    for m in scan.at_numbers(_ABBREVIATED_STREET):
        if starts_word(text, m.start(), ",.") and _named_street(m):
            yield m.span()
    yield from (m.span() for m in _NUMBER_AFTER.finditer(text))
    yield from (m.span() for m in _STREET_POSTCODE.finditer(text))
    yield from (m.span() for m in scan.near(_RESIDENCE_CUES, _RESIDENCE, before=5, after=60))
    yield from (m.span() for m in scan.near(_BUILDING_CUES, _BUILDING, before=40, after=60))
    for m in scan.at_numbers(_POSTCODE):
        start = m.start()
        if starts_word(text, start, "-") and not _INSEE_CUE.search(text, max(0, start - 25), start):
            yield m.span()
