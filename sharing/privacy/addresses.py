"""Postal addresses: number and street, residence wording and street, postcode and town."""

import re

from .scan import Scan, Spans, starts_word

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
    r"b[âa]t(?:iment)?|b[âa]t\.|escalier|esc\.?|appartement|appart|apt|app|porte|[ée]tage"
    r"|flat|apartment|floor|entr[ée]e|chambre|room|logement"
)
_STREET_ADDRESS = re.compile(
    r"\d{1,4}(?: ?(?i:bis|ter|quater|[a-d]))?,? +"
    rf"(?:(?i:{_STREET_ONLY})(?![\w-]) +(?:[dl]')?\w"
    rf"|(?i:{_STREET_NAMED})(?![\w-]) +(?:(?i:de la|de l'|du|des|de|d'|la|le|les|l') ?)?"
    r"[A-ZÀ-ÖØ-Þ0-9])"
)
# The number after the street, or before it with "de la": "rue des Lilas n°12", "au 12 de la
# rue des Lilas".
_NUMBER_AFTER = re.compile(
    rf"(?<!\w)(?i:{_STREET_ONLY})(?![\w-]) +(?:(?i:de la|de l'|du|des|de|d'|la|le|les|l') ?)?"
    r"[^\W\d_][\w'-]*(?: [A-ZÀ-Þ][\w'-]*)?,? +(?i:n°|no\.?|num[ée]ro) *\d{1,4}(?!\d)"
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
    r" +(?:(?i:les|le|la|des|du|de) +)?[A-ZÀ-Þ]\w+)"
)
_BUILDING = re.compile(rf"{_PART}[ ,;/-]{{1,4}}(?:(?i:au|et|porte) +)?{_PART}")
_BUILDING_CUES = ("bât", "bat", "esc", "app", "apt", "étage", "etage", "porte", "résidence",
                  "residence", "flat", "floor", "cité", "cite", "clos", "foyer", "chambre",
                  "room")  # fmt: skip
# "dossier 0142 clos le 3 mars": a street word that is also a verb, then a date ("place du 8
# Mai 1945" keeps its "du").
_DATED = re.compile(
    r"(?i:.?(?<!\w)le \d\d?(?:er)? +(?:janv|f[ée]v|mars|avr|mai|juin|juil|ao[uû]t|sept|oct|nov"
    r"|d[ée]c))"
)
_POSTCODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3} +(?:[A-ZÀ-ÖØ-Þ][\w'-]+|CEDEX)")
_INSEE_CUE = re.compile(r"(?i:insee|code commune|code officiel)")


def address(scan: Scan) -> Spans:
    """Number + street type, residence wording + street, or postcode + town (not INSEE codes)."""
    text = scan.text
    for m in scan.at_numbers(_STREET_ADDRESS):
        if starts_word(text, m.start(), ",.") and not _DATED.match(text, m.end() - 4):
            yield m.span()
    yield from (m.span() for m in _NUMBER_AFTER.finditer(text))
    yield from (m.span() for m in scan.near(_RESIDENCE_CUES, _RESIDENCE, before=5, after=60))
    yield from (m.span() for m in scan.near(_BUILDING_CUES, _BUILDING, before=40, after=60))
    for m in scan.at_numbers(_POSTCODE):
        start = m.start()
        if starts_word(text, start, "-") and not _INSEE_CUE.search(text, max(0, start - 25), start):
            yield m.span()
