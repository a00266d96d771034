"""Word lists the name detectors read: open-data name lexicons and the words that are not names.

``data/first_names.txt.gz`` and ``data/surnames.txt.gz`` are the most frequent first names
(about 10,600) and surnames (40,000) given in France, folded to lower case without accents,
most frequent first. They come from the lists of the ``prenoms`` package (MIT licence), built
from INSEE's open data (fichier des prénoms, noms de famille; Licence Ouverte); see
``data/README.md``. ``data/name_words.txt.gz`` holds the names of those two lists that are
also French words ("petit", "blanc", "fontaine", "olivier"), drawn from the lemmatiser tables
of spaCy's French model (spacy-lookups-data, MIT licence). Town names come from the INSEE
extract in ``accounts/data``.
"""

import csv
import gzip
import io
from functools import cache
from pathlib import Path

from .scan import fold

_DATA = Path(__file__).resolve().parent / "data"
_COMMUNES = Path(__file__).resolve().parents[2] / "accounts" / "data" / "communes.csv.gz"


def words(block: str) -> frozenset[str]:
    return frozenset(block.split())


@cache
def first_names() -> frozenset[str]:
    """Folded first names: the open-data list, less the words that are headings, acronyms,
    offices or towns ("France", "Paris", "Maire"), and the hand-kept list below."""
    listed = _read_list("first_names.txt.gz")
    return (listed - NOT_FIRST_WORDS - NOT_SURNAMES - town_names()) | COMMON_FIRST_NAMES


@cache
def surnames() -> frozenset[str]:
    """Folded surnames of the open-data list, without the particles written apart."""
    return _read_list("surnames.txt.gz")


@cache
def name_words() -> frozenset[str]:
    """Folded first names and surnames that are also French words: after "l'agent", "petit"
    or "fontaine" may be a word, "bouzid" is a name."""
    return _read_list("name_words.txt.gz")


@cache
def town_names() -> frozenset[str]:
    """Folded names of the 34,875 communes, whole ("saint-etienne", "aix-en-provence")."""
    with gzip.open(_COMMUNES, "rt", encoding="utf-8") as handle:
        return frozenset(fold(row["name"]) for row in csv.DictReader(io.StringIO(handle.read())))


def _read_list(name: str) -> frozenset[str]:
    with gzip.open(_DATA / name, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


# Common first names in France, folded; words that are also ordinary capitalised nouns
# (France, Marine, Rose, Grâce, Avril, Mai, Noël, Prince, Islam…) are left out on purpose.
COMMON_FIRST_NAMES = words("""
jean pierre michel andre philippe rene louis alain jacques bernard marcel daniel roger robert
paul claude christian henri georges nicolas francois patrick gerard christophe joseph julien
david eric frederic laurent stephane pascal sebastien thierry olivier thomas alexandre vincent
maurice raymond lucien guy didier dominique bruno sylvain romain mathieu matthieu guillaume
jerome antoine fabrice franck gilles jeremy kevin anthony maxime benjamin cedric cyril arnaud
florian ludovic loic yann yannick herve serge yves denis regis remi emmanuel xavier gregory
mickael michael damien adrien hugo lucas leo gabriel raphael arthur jules adam nathan ethan enzo
theo tom noah mael sacha victor martin clement baptiste quentin valentin alexis dylan jordan
corentin bastien mathis axel timothee simon samuel gael killian kylian erwan tristan marius
aurelien benoit bertrand charles edouard etienne fabien gaetan gauthier hector joel jonathan
lionel marc mathias morgan pierrick rodolphe thibault thibaut tony william yoann johan jimmy
steve steven teddy cyrille luc hugues alphonse albert alfred armand emile eugene fernand
gaston gustave leon leonard raoul roland max noe ilan elias sami lenny nolan evan kenzo malo
loris gaspard jan
marie jeanne francoise monique catherine nathalie isabelle sylvie anne martine christine nicole
sophie valerie sandrine stephanie celine veronique chantal brigitte patricia jacqueline
christiane laurence helene julie aurelie emilie caroline virginie claire camille lea manon
chloe emma ines jade louise alice lina anna juliette lucie zoe lola charlotte mathilde pauline
margaux clara sarah laura oceane elodie melanie audrey amandine justine morgane marion celia
eva nina mila agathe victoria sabrina jessica vanessa cindy laetitia severine corinne delphine
florence karine myriam muriel nadine odile pascale sabine solange suzanne yvette yvonne
genevieve denise madeleine simone colette josiane danielle michele gisele huguette annie
evelyne beatrice agnes cecile gaelle gwenaelle maryse mireille noemie anais elise estelle
fanny heloise ludivine maelle maeva romane salome jennifer elisabeth elizabeth therese
mohamed mohammed mohamad muhammad mohammad ahmed ahmad ali karim mehdi youssef yousef youcef
rachid said farid nordine nourredine abdel abdelkader abdellah abdallah abdelaziz abderrahmane
hamid hakim kamel kamal samir sofiane sofian yacine yassine yanis ilyes ilyas bilal hamza amine
omar othmane walid nabil mourad mustapha moustapha khaled khalid redouane reda tarik tarek
hichem hicham hassan hussein brahim ibrahim ismail ismael aziz djamel jamel jamal malik mounir
nassim nadir riad ryad rayan zakaria adel adil aymen ayoub anis imad lotfi lyes salim slimane
toufik yazid zinedine abdelhakim abdelkrim boualem messaoud mokhtar
fatima fatma aicha khadija leila nadia samira karima malika naima nora noura nour rachida
saida salima soraya yasmina yasmine zohra zineb meriem amel amina houda hafsa imane kenza
lamia latifa loubna nawel nesrine rania safia sana siham wafa dounia farida hanane hayat
djamila habiba ikram jamila maissa ouarda selma souad warda sonia
mamadou moussa amadou ousmane boubacar ibrahima abdoulaye souleymane cheikh modou seydou issa
oumar adama aliou alassane lamine mamadi sekou sidy yaya bakary demba kofi kwame koffi
djibril youssouf fatou aminata awa mariam mariama kadiatou hawa oumou assa astou binta coumba
djeneba fanta khady maimouna ndeye rokia salimata aissatou aissata
joao jose manuel antonio joaquim fernando paulo ricardo nuno rui carlos luis miguel pedro
diogo tiago goncalo sergio vitor armando artur maria ana sandra sofia catarina joana rita
filipa paula teresa conceicao
mehmet ahmet mustafa emre murat hakan kemal yusuf huseyin osman ozan burak ayse elif zeynep
emine hatice merve ivan igor dmitri sergei sergey andrei vasile ion bogdan piotr olga natalia
irina svetlana tatiana katarzyna magomed ramzan aslan khamzat rustam timur anzor minh john
james
""")
# People streets and schools are named after; mentioning them identifies no one concerned.
EPONYMS = frozenset({
    "jean jaures", "jean moulin", "victor hugo", "jules ferry", "louis pasteur", "marie curie",
    "pierre curie", "emile zola", "paul langevin", "jean zay", "simone veil", "jean mace",
    "paul bert", "louise michel", "albert camus", "jacques prevert", "jean monnet",
    "robert schuman", "samuel paty", "dominique bernard", "jean rostand", "paul eluard",
    "marcel pagnol", "alphonse daudet", "emile loubet", "jean bouin", "leo lagrange",
    "pierre mendes", "louis aragon", "paul valery", "jacques brel", "georges brassens",
    "martin luther", "jean giono", "jean vilar", "louis armstrong", "jean ferrat",
    "jules verne", "anne frank", "charles peguy", "paul cezanne", "claude monet",
    "romain rolland", "jacques cartier", "pablo picasso",
    "emmanuel macron", "francois hollande", "nicolas sarkozy", "jacques chirac",
    "francois mitterrand", "charles de gaulle", "georges pompidou", "valery giscard",
    "gerald darmanin", "christophe castaner", "bruno retailleau", "laurent nunez",
    "elisabeth borne", "gabriel attal", "michel barnier", "francois bayrou", "edouard philippe",
    "jean castex", "manuel valls", "bernard cazeneuve", "arnaud beltrame", "xavier jugele",
    "ahmed merabet", "franck brinsolaro", "clarissa jean-philippe", "jacques hamel",
    "nelson mandela", "martin luther king", "rosa parks", "aime cesaire", "frantz fanon",
    "edith piaf", "johnny hallyday", "claude lelouch", "boris cyrulnik", "albert londres",
    "pierre de coubertin", "leo ferre", "charles aznavour", "serge gainsbourg", "zinedine zidane",
    "kylian mbappe", "michel platini", "laure manaudou", "alain bernard", "marcel cerdan",
    "antoine de saint-exupery", "gustave eiffel", "jean-jacques rousseau", "voltaire",
    "jean de la fontaine", "moliere", "honore de balzac", "guy de maupassant", "george sand",
    "alexandre dumas", "arthur rimbaud", "paul verlaine", "charles baudelaire", "olympe de gouges",
    "simone de beauvoir", "germaine tillion", "lucie aubrac", "missak manouchian",
    "josephine baker", "gisele halimi", "robert badinter", "abbe pierre", "coluche",
})  # fmt: skip
CIVILITIES = frozenset({"M", "MM", "Mr", "Mme", "Mmes", "Mlle", "Mlles", "Melle", "Monsieur",
                         "Madame", "Mademoiselle", "Messieurs", "Mesdames", "Dr", "Docteur", "Pr",
                         "Professeur", "Me", "Maître"})  # fmt: skip
FUNCTIONS = words("""
prefet prefete sous-prefet sous-prefete maire president presidente directeur directrice
procureur procureure ministre commissaire colonel general generale capitaine commandant
lieutenant adjoint adjointe conseiller conseillere secretaire depute deputee senateur
senatrice juge delegue deleguee chef inspecteur inspectrice recteur rectrice substitut
officier brigadier major doyen elu elue monsieur madame mademoiselle messieurs mesdames
""")
STOPWORDS = words("""
le la les l de du des d et ou en au aux un une pour par sur sous dans avec sans chez mais donc
car ni si que qui quoi ce cet cette ces son sa ses leur leurs il elle ils elles on nous vous je
tu selon suite objet vu cf ainsi alors apres avant depuis entre vers contre pendant lors
janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre lundi
mardi mercredi jeudi vendredi samedi dimanche
""")
PARTICLES = words(
    "le la les de du des del della di da dos das van von der ben bou el al ait ibn ould"
)
# Places and institutions named after people: "collège Jean Moulin", "rue Victor Hugo".
PLACE_WORDS = words("""
rue avenue boulevard bd place allee impasse chemin quai cours square college lycee ecole groupe
gymnase stade salle centre hopital clinique quartier residence cite espace mediatheque
bibliotheque parc pont maison foyer complexe institut fondation prix universite faculte campus
caserne aeroport gare station musee theatre piscine halle eglise mosquee promenade jardin
etablissement ehpad saint sainte st ste
""")
# Capitalised words that often precede an acronym or a heading in upper case.
HEADWORDS = words("""
demande requete reunion plan dispositif operation cellule commune ville mairie prefecture
departement region service services direction programme logiciel fichier application base
plateforme procedure reference ref dossier courrier note rapport instruction circulaire loi
decret arrete code article niveau posture alerte comite conseil groupe commission association
collectif projet secteur zone site signalement information informations retour suivi point
bilan etat menace risque urgence police gendarmerie brigade commissariat parquet tribunal cour
agence caisse office ministere republique europe union equipe unite mission pole bureau cabinet
secretariat participation inscription fiche fiches liste registre convention charte protocole
contrat accord subvention aide aides action actions mesure mesures seance session ordre annexe
titre chapitre section partie volet axe phase etape version numero reponse relance rappel compte
audience avis decision deliberation synthese cadre categorie motif statut classement diffusion
mention priorite vigilance lettre message reseau agent agents personnel contexte demandeur club
festival
""")
# Upper-case words that are acronyms or headings, never surnames (folded).
NOT_SURNAMES = words("""
fsprt clspd cispd cpraf crpa csi cpp cp cgct casf ceseda cjm cpi nor intk sgdsn dgsi dgse drsd
dnred tracfin scrt sdat pnat pj dcpj dipn ddsp ddpn ddets dreets ddcs drpj gir ase ccas cias rsa
caf cpam msa epci zsp qpv rgpd cnil cada ce caa ta tj tgi pv ars sg sgar sidpc cipdr cipdrr fipd
fipdr emopt ged gign raid bri bac pjj spip dap pmi mdph udaf apl aah css cmu hlm oph anru anct
cdad sncf ratp edf insee siret siren rna iban rib nir cni ddn dob agdref ofii ofpra cnda oqtf
itf opj apj apja ads asvp pm pn gn csp clsp cdd cdi drh dgs dga dgst sdis samu smur mjc pij cio
cfa iut bts cap bep dut cnrs ehpad ime itep cmp cmpp chu chs chr gip idf paca aura ue onu otan
usa fr ong jo jorf bo jaf jld jap ji nrbc cta ppr pnr sdis crs bst psig dir dr dg cm cm1 cm2
vigipirate sentinelle urgence urgent attentat attentats attaque objet confidentiel restreint
diffusion secret defense nb ps ref tel fax mail email ttc ht eur euros ok non oui ras etc pdf
faq ar lrar sms cv attention important rappel note info information demande reponse relance
copie cc annexe suite vu action decision accord refus france republique francaise etat prefet
prefete prefecture mairie maire commune departement region police gendarmerie nationale
municipale interieur justice ministere drome ardeche arras lens valence privas montelimar
janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre jan fev
mar avr jui juil aou sep sept oct nov dec lundi mardi mercredi jeudi vendredi samedi dimanche
nord sud est ouest centre agglo agglomeration metropole communaute pays ville provisoire
""")
NOT_FIRST_WORDS = HEADWORDS | STOPWORDS | FUNCTIONS | PLACE_WORDS
