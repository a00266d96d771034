"""Held-out labelled texts for the personal-data screen: measured by the benchmark, never tuned on.

Written before the screen was tuned, in the hurried styles officers actually use (lower case,
names in ordinary case, numbers in words, obfuscated e-mails, addresses without a number,
nicknames, indirect identification, English). The people, numbers and addresses are invented.
The development part, which the tests assert on, is ``privacy_corpus.py``.
"""

NAME = "person_name"
DOB = "date_of_birth"

IDENTIFYING: list[tuple[str, set[str]]] = [
    # names in lower case
    ("le fils de mohamed benali traîne devant le collège depuis la rentrée", {NAME}),
    ("signalement concernant karim haddad, connu des services", {NAME}),
    ("merci de vérifier si sofiane belkacem est toujours suivi", {NAME}),
    ("la mère, nadia bouzid, refuse tout contact avec l'ase", {NAME}),
    ("on nous signale que kevin lefebvre a quitté la commune", {NAME}),
    ("demande relative à yanis mebarki (suivi éducatif)", {NAME}),
    ("voir avec la prefecture pour julien moreau, employé municipal", {NAME}),
    ("elle s'appelle sarah cohen et travaille au service jeunesse", {NAME}),
    ("le jeune ilyes mansouri a été vu avec le groupe", {NAME}),
    ("anthony girard, agent des espaces verts, pose question", {NAME}),
    ("pour info thomas garnier ne vient plus aux réunions", {NAME}),
    ("ahmed traore et son frère sont hébergés au foyer", {NAME}),
    ("dossier de amina diallo transmis au cias", {NAME}),
    ("subvention demandée par le président, marc fontanel", {NAME}),
    ("le maire veut savoir si nicolas brunet est fiché", {NAME}),
    ("mr dupuis a appelé deux fois la mairie", {NAME}),
    ("mme benhamou souhaite un rendez-vous", {NAME}),
    ("concerne le nommé rachid amrani", {NAME}),
    ("c'est encore samir zerrouki qui pose problème au city stade", {NAME}),
    ("éducateur inquiet pour lucas perrin et ses fréquentations", {NAME}),
    # particles, compound and foreign names
    ("Concernant M. Jean-Baptiste de La Roche, animateur au centre social.", {NAME}),
    ("Le signalement vise Abdelkader Ben Youssef, employé du garage municipal.", {NAME}),
    ("Situation de Maria Dos Santos, agente d'entretien à l'école.", {NAME}),
    ("Pieter van der Berg, bénévole de l'association, inquiète les parents.", {NAME}),
    ("Demande sur Oumar Ould Cheikh, hébergé par le CCAS.", {NAME}),
    ("Le jeune Mamadou N'Diaye fréquente la mosquée du quartier.", {NAME}),
    ("Aleksandr Petrov, chauffeur de bus scolaire, est-il inscrit ?", {NAME}),
    ("Selon le club, Yusuf El Amrani aurait changé de comportement.", {NAME}),
    ("Anne-Sophie Le Goff, directrice de l'accueil de loisirs, a signalé un incident.", {NAME}),
    ("le dossier de fatima el hachimi est suivi par la mission locale", {NAME}),
    ("Question sur Wang Wei, gérant du commerce de la place.", {NAME}),
    ("Ibrahim Abou Bakr Al-Masri aurait quitté le territoire.", {NAME}),
    ("Mme Nguyen Thi Lan a demandé une aide exceptionnelle.", {NAME}),
    ("Le président de l'association est Hervé Le Bihan.", {NAME}),
    ("Signalement de Giovanni Di Stefano par son employeur.", {NAME}),
    # first name and surname in ordinary case
    ("Kevin Martin, agent technique, a tenu des propos inquiétants.", {NAME}),
    ("Nous souhaitons des informations sur Sébastien Rolland.", {NAME}),
    ("Mathilde Caron a été recrutée comme animatrice périscolaire.", {NAME}),
    ("Retour attendu sur Farid Meziane avant le conseil municipal.", {NAME}),
    ("Le club de boxe nous signale Dylan Marchal.", {NAME}),
    ("Inquiétude autour de Jonathan Lemaire depuis son retour.", {NAME}),
    ("Stéphanie Leroux, ATSEM, est-elle concernée ?", {NAME}),
    ("Objet : Bilal Chaouch, recrutement au service des sports.", {NAME}),
    ("Pouvez-vous nous dire si Inès Saadi est connue ?", {NAME}),
    ("Romain Vasseur a tagué des inscriptions sur la mairie.", {NAME}),
    ("Le conseiller a reçu Hamza Bensaid en entretien.", {NAME}),
    ("Charlotte Meunier, bénévole, a alerté la police municipale.", {NAME}),
    ("demande d'avis avant embauche de Lucie Renaud", {NAME}),
    ("Les parents de Noah Lambert sont inquiets.", {NAME}),
    ("Idriss Kone est revenu de Syrie selon la famille.", {NAME}),
    # phones in words
    ("son portable : zéro six douze trente-quatre cinquante-six soixante-dix-huit", {"phone"}),
    ("rappeler le père au zéro sept, quarante et un, vingt-deux, dix-neuf, zéro trois", {"phone"}),
    ("numéro zero six 45 douze 78 trente", {"phone"}),
    ("joignable au zéro six quatre-vingt-dix-neuf dix-huit vingt-sept quinze", {"phone"}),
    ("call him on zero seven one two three four five six seven eight", {"phone"}),
    ("tél zéro un quarante-cinq soixante-sept quatre-vingt-neuf dix", {"phone"}),
    ("le 06 douze 34 cinquante-six 78 est celui du frère", {"phone"}),
    ("Numéro de la mère : zéro six, onze, vingt-deux, trente-trois, quarante-quatre.", {"phone"}),
    # NIR in words
    (
        "NIR un quatre-vingt-cinq zéro cinq soixante-dix-huit zéro zéro six zéro "
        "quatre-vingt-quatre",
        {"nir"},
    ),
    (
        "numéro de sécu : deux quatre-vingt-douze zéro trois soixante-neuf cent vingt-trois "
        "quatre cent cinquante-six",
        {"nir"},
    ),
    ("sécu 1 huit cinq 05 78 006 084", {"nir"}),
    # dates of birth in words
    ("né le douze mars quatre-vingt-cinq à Lyon", {DOB}),
    ("née le trois juin deux mille huit", {DOB}),
    ("le jeune, né en deux mille six, est scolarisé au lycée", {DOB}),
    ("née le premier janvier mil neuf cent quatre-vingt-dix", {DOB}),
    ("date de naissance : vingt et un avril quatre-vingt-dix-neuf", {DOB}),
    ("born on the fourteenth of July 1992", {DOB}),
    ("né le 12 mars quatre-vingt-cinq", {DOB}),
    ("DDN quinze/zéro huit/quatre-vingt-sept", {DOB}),
    # obfuscated e-mails
    ("son mail : karim point benali arobase gmail point com", {"email", NAME}),
    ("écrire à jdupont at orange dot fr", {"email"}),
    ("adresse du père : m.leroy (at) free (dot) fr", {"email"}),
    ("contact kevin.martin[at]laposte[dot]net", {"email", NAME}),
    ("le courriel est lola75 arobase hotmail.fr", {"email"}),
    ("répondre à s.amrani chez yahoo point fr", {"email"}),
    ("email: fatou dot diallo at outlook dot com", {"email", NAME}),
    ("contact du président : asso.jeunesse26 arobase orange", {"email"}),
    ("m a i l : yanis.b @ gmail.com", {"email"}),
    ("mail perso j_moreau (arobase) sfr (point) fr", {"email"}),
    # addresses without a street number
    ("elle vit résidence Les Tilleuls, bâtiment C, appartement 12", {"address"}),
    ("logé au foyer, escalier B, 3e étage, porte gauche", {"address"}),
    ("domicilié chemin des Vignes à Saulce", {"address"}),
    ("habite cité Jean-Moulin, bât. 4, apt 23", {"address"}),
    ("la famille demeure au lieu-dit La Combe", {"address"}),
    ("réside chez sa tante, allée des Peupliers, Montélimar", {"address"}),
    ("appartement 7, résidence du Parc, escalier A", {"address"}),
    ("il squatte le bâtiment D de la résidence Bellevue, au 2e étage", {"address"}),
    ("domiciliée avenue de la Libération depuis mars", {"address"}),
    ("habite au Clos des Oliviers, villa 3", {"address"}),
    ("lives at flat 4, Rosewood Court, apartment 12", {"address"}),
    ("hébergé boulevard Gambetta, chez un ami, 4e étage droite", {"address"}),
    # nicknames
    ("un certain « Momo », surnommé le Chef dans le quartier", {NAME}),
    ("le jeune dit « Pitbull » traîne près du stade", {NAME}),
    ("individu connu sous le surnom de Zizou", {NAME}),
    ("alias Babou, il se fait aussi appeler Tonton", {NAME}),
    ("le meneur, surnommé le Marseillais, recrute des mineurs", {NAME}),
    ("known as Shorty among the youths of the estate", {NAME}),
    ("un homme dit le Gitan vend sur le parking", {NAME}),
    ("Le jeune, que l'on surnomme Scarface, a menacé un agent.", {NAME}),
    ("son surnom est Kiki, il fréquente la salle de sport", {NAME}),
    ("the man nicknamed Bigboss visits the mosque", {NAME}),
    # indirect identification
    ("le fils aîné de la famille B. ne va plus au collège", {NAME}),
    ("Karim, 16 ans, en 3e au collège Jean Moulin", {NAME}),
    ("la fille de l'épicier, Inès, 15 ans", {NAME}),
    ("un agent des espaces verts, Sofiane, 32 ans, tient des propos radicaux", {NAME}),
    ("sa sœur Yasmina travaille à la cantine", {NAME}),
    ("le petit Enzo (CM2, école Pasteur) parle de son père", {NAME}),
    ("Mme K., 45 ans, agente d'accueil à la mairie", {NAME}),
    ("M. A. B., employé au service des eaux", {NAME}),
    ("la famille Haddad, installée depuis peu", {NAME}),
    ("le frère de Mehdi est parti en Syrie", {NAME}),
    ("Yanis (17 ans) en terminale au lycée Camus", {NAME}),
    ("Lina, en seconde, est en rupture avec sa famille", {NAME}),
    ("le cousin de la famille T. a été interpellé", {NAME}),
    ("une élève de 4e B prénommée Aya", {NAME}),
    ("Kevin D., 19 ans, apprenti au garage", {NAME}),
    ("the eldest son of the Benali family, 17, at the high school", {NAME}),
    ("his brother Omar, 22, works at the warehouse", {NAME}),
    ("l'épouse de Rachid refuse le suivi", {NAME}),
    ("Jessica, 14 ans, fugue régulièrement", {NAME}),
    ("le neveu du boulanger, Adam, 18 ans", {NAME}),
    # English
    ("Request about John Smith, a municipal employee since 2019.", {NAME}),
    ("Is Mohamed Ali Hassan known to the services?", {NAME}),
    ("His phone number is +44 7700 900123.", {"phone"}),
    ("email him at john.smith@example.co.uk", {"email", NAME}),
    ("born 12/03/1985 in Algiers", {DOB}),
    ("lives at 14 rue des Lilas, 26200 Montélimar", {"address"}),
    ("passport number 19AB12345", {"id_document"}),
    ("plate AB-123-CD seen near the school", {"plate"}),
    ("Ms Sarah O'Connor, teaching assistant, reported him.", {NAME}),
    ("the youth worker David Cohen raised concerns", {NAME}),
    ("date of birth: 3 May 2007", {DOB}),
    ("Mr Dupont's son is now in year 10 at the college", {NAME}),
    ("contact: mike dot jones at gmail dot com", {"email", NAME}),
    ("we would like to know whether emma watson is registered", {NAME}),
    ("his ID card number is 880692310285", {"id_document"}),
    # structured identifiers, various spellings
    ("NIR 2 91 07 26 198 034 57", {"nir"}),
    ("sécu: 185072619803412", {"nir"}),
    ("tél 06.87.45.12.03", {"phone"}),
    ("portable +33 6 12 98 45 07", {"phone"}),
    ("joindre au 07-81-22-45-19", {"phone"}),
    ("mail : l.bernard@wanadoo.fr", {"email"}),
    ("habite 3 impasse des Roses", {"address"}),
    ("domicile : 18 bis avenue Jean Jaurès, 07000 Privas", {"address"}),
    ("CNI n° 120326100547", {"id_document"}),
    ("titre de séjour 7503012345", {"id_document"}),
    ("véhicule immatriculé GH 456 KL", {"plate"}),
    ("plaque 2345 ZT 26", {"plate"}),
    ("IBAN FR76 3000 6000 0112 3456 7890 189", {"iban"}),
    ("né le 04/11/2003 à Valence", {DOB}),
    ("née en 1998", {DOB}),
    ("Personne concernée : 23/06/1979", {DOB}),
    ("DUPONT Kévin, né le 02.02.2002", {NAME, DOB}),
    ("M. BENALI Karim, 06 12 34 56 78", {NAME, "phone"}),
    ("concerne Mme Leroy, 12 rue Pasteur, 26000 Valence", {NAME, "address"}),
    ("le nommé Traoré, permis de conduire 12AB34567", {NAME, "id_document"}),
    ("Nadia, née le 5 mai 2009, élève de 3e", {NAME, DOB}),
    ("jean moreau né le 14/02/1990", {NAME, DOB}),
    ("sa voiture (EF-789-GH) est garée devant chez lui, 5 place de la Gare", {"plate", "address"}),
]

LEGITIMATE: list[tuple[str, set[str]]] = [
    # eponyms: streets, schools, stadiums, festivals, associations
    ("Réunion au collège Jean Moulin le 12 mars 2026 avec la direction.", set()),
    ("Les Amis de Victor Hugo organisent une lecture au théâtre municipal.", set()),
    ("Sécurisation du stade Léo Lagrange pour le match de dimanche.", set()),
    ("Le gymnase Pierre de Coubertin accueillera le bureau de vote.", set()),
    ("Festival Jacques Brel : dispositif de sécurité à prévoir.", set()),
    ("Travaux rue Victor Hugo et avenue Jean Jaurès jusqu'en juin.", set()),
    ("Le lycée Marie Curie demande un point sur la posture Vigipirate.", set()),
    ("Point de situation sur l'école Jules Ferry après l'alerte.", set()),
    ("La médiathèque Simone Veil ferme le lundi.", set()),
    ("Cérémonie place Charles de Gaulle le 11 novembre.", set()),
    ("La salle Georges Brassens est réservée pour le CLSPD.", set()),
    ("Hommage à Samuel Paty au collège du Bois-d'Aulne le 16 octobre.", set()),
    ("Commémoration en mémoire de Dominique Bernard à Arras.", set()),
    ("Le centre social Louise Michel signale une hausse de la fréquentation.", set()),
    ("Sécurité du marché de Noël place Émile Zola.", set()),
    ("Prix Albert Londres : la cérémonie se tiendra en mairie.", set()),
    ("Le boulevard Maréchal Leclerc sera fermé pour le carnaval.", set()),
    ("Accueil de loisirs Antoine de Saint-Exupéry : plan de mise en sûreté.", set()),
    ("Le quartier Jean Macé fait partie de la zone de sécurité prioritaire.", set()),
    ("Inauguration de l'espace Nelson Mandela par le maire.", set()),
    ("Le tournoi Zinédine Zidane aura lieu au complexe sportif.", set()),
    ("Les élèves du groupe scolaire Paul Bert ont été évacués par précaution.", set()),
    ("Conférence à l'université Jean Monnet sur la prévention.", set()),
    ("Le parc Jean-Jacques Rousseau est sous vidéoprotection.", set()),
    ("Rassemblement prévu square Aimé Césaire samedi.", set()),
    ("The Victor Hugo high school asked for a security briefing.", set()),
    ("Ehpad Les Jardins de Marie : demande de renfort.", set()),
    ("La piscine Alain Bernard rouvre après les travaux.", set()),
    ("Exposition à la maison Jean Vilar en avril.", set()),
    ("Hôpital Édouard Herriot : coordination avec la cellule de crise.", set()),
    # offices and roles
    ("M. le Sous-Préfet présidera la réunion du CLSPD.", set()),
    ("Mme la Maire souhaite un retour avant vendredi.", set()),
    ("Monsieur le Préfet a validé le calendrier.", set()),
    ("Madame la Procureure de la République sera associée.", set()),
    ("M. le Directeur départemental de la sécurité publique est informé.", set()),
    ("La maire adjointe chargée de la sécurité participera.", set()),
    ("Le commissaire divisionnaire sera présent au CLSPD.", set()),
    ("Mme la Directrice de cabinet a demandé une synthèse.", set()),
    ("M. le Président du conseil départemental a été saisi.", set()),
    ("Le référent radicalisation de la préfecture rappellera la mairie.", set()),
    ("Madame la Secrétaire générale de la préfecture est en copie.", set()),
    ("Le colonel commandant le groupement de gendarmerie est associé.", set()),
    ("The sub-prefect will chair the meeting.", set()),
    ("Mr Mayor asked for a general briefing.", set()),
    ("Le DGS de la commune coordonnera la réponse.", set()),
    ("M. l'Adjoint délégué à la jeunesse a été informé.", set()),
    ("Mme la Conseillère municipale déléguée suivra le dossier.", set()),
    ("Le Procureur de Valence a donné son accord préalable.", set()),
    ("Réunion avec le Défenseur des droits reportée.", set()),
    ("Le délégué du préfet dans les quartiers sera présent.", set()),
    # towns and institutions
    ("Montélimar, Valence et Privas participent au CISPD.", set()),
    ("La commune de Saint-Paul-Trois-Châteaux demande un point.", set()),
    ("Réunion à Bourg-lès-Valence avec la police municipale.", set()),
    ("Les communes de Lens et Liévin mutualisent leur CLSPD.", set()),
    ("Coordination entre Arras et Saint-Laurent-Blangy.", set()),
    ("Le tribunal judiciaire de Valence est saisi.", set()),
    ("La caisse d'allocations familiales de la Drôme est partenaire.", set()),
    ("Pierrelatte et Donzère demandent un renfort de gendarmerie.", set()),
    ("Le conseil départemental de l'Ardèche finance le dispositif.", set()),
    ("Aubenas, Annonay et Tournon-sur-Rhône sont concernés.", set()),
    ("La mission locale Drôme Provence signale un besoin.", set()),
    ("France Travail participe à la cellule de suivi.", set()),
    ("Le Secours populaire de Montélimar a été contacté.", set()),
    ("Les Restos du Cœur demandent un point sécurité.", set()),
    ("La Croix-Rouge de Privas organise une collecte.", set()),
    ("Saint-Martin-d'Ardèche accueille le festival.", set()),
    ("Le centre hospitalier de Montélimar active son plan blanc.", set()),
    ("Liaison avec la DGSI et le SCRT de la Drôme.", set()),
    ("Le rectorat de Grenoble a été informé.", set()),
    ("Visite du ministre de l'Intérieur à Arras le 13 octobre.", set()),
    # dates, legal references and numbers
    ("Au titre de l'instruction NOR INTK1826096J du 13 novembre 2018.", set()),
    ("En application de l'article L. 132-3 du code de la sécurité intérieure.", set()),
    ("Vu la loi n° 2021-1109 du 24 août 2021 confortant le respect des principes.", set()),
    ("Le décret n° 2022-1234 du 14 septembre 2022 s'applique.", set()),
    ("Délibération n° 2026-045 du conseil municipal du 3 février 2026.", set()),
    ("Budget de 45 000 euros pour 2026, dont 12 000 de la FIPD.", set()),
    ("Réponse attendue sous 15 jours ouvrés, soit avant le 20/03/2026.", set()),
    ("Réunion du 05/02/2026 à 14 h 30, salle 204.", set()),
    ("Entre 2019 et 2025, le nombre de signalements a doublé.", set()),
    ("Article 40 du code de procédure pénale : signalement au procureur.", set()),
    ("Environ 1 200 élèves sont scolarisés dans les 6 écoles de la commune.", set()),
    ("Code INSEE 26198, 39 000 habitants.", set()),
    ("Référence du courrier : BR-2026-0141.", set()),
    ("Depuis le 1er septembre 2011, le dispositif est en place.", set()),
    ("Circulaire du 22 février 2018 relative aux CLSPD.", set()),
    ("La loi du 9 décembre 1905 et la laïcité : formation des agents.", set()),
    ("Créée le 14 juin 1985, l'association compte 300 adhérents.", set()),
    ("Le plan Vigipirate est au niveau urgence attentat depuis le 13 octobre 2023.", set()),
    ("Article R. 2212-5 du CGCT.", set()),
    ("Plus de 80 % des communes de plus de 10 000 habitants ont un CLSPD.", set()),
    ("Numéro vert national : 0 800 005 696.", set()),
    ("Durée de conservation : 3 ans à compter de la clôture.", set()),
    ("Loi n° 78-17 du 6 janvier 1978 relative à l'informatique et aux libertés.", set()),
    ("Le jugement du 3 mars 1999 a fixé la jurisprudence.", set()),
    ("La convention signée le 12/04/2004 est reconduite.", set()),
    ("Arrêté préfectoral n° 26-2026-01-15-001 du 15 janvier 2026.", set()),
    ("The law of 24 August 2021 on respect for the principles of the Republic applies.", set()),
    ("Subvention de 2 500 € votée le 12 janvier 2026.", set()),
    ("Le local fait 120 m², au 2e étage de la mairie annexe.", set()),
    ("Niveau de menace relevé le 24 mars 2024 après l'attentat de Moscou.", set()),
    # requests in hurried style without identifiers
    ("besoin d'un point général sur la menace avant le 14 juillet", set()),
    ("le maire veut savoir si des personnes fichées S résident dans la commune", set()),
    ("demande de retour sur le signalement fait par la mairie en janvier", set()),
    ("infos svp sur la situation au collège, les parents s'inquiètent", set()),
    ("un agent municipal tient des propos inquiétants, que faire ?", set()),
    ("merci de nous dire si l'association sportive pose problème", set()),
    ("point sur la radicalisation dans le quartier nord", set()),
    ("les jeunes du quartier se rassemblent le soir devant le gymnase", set()),
    ("demande d'accompagnement social pour une famille suivie par le CCAS", set()),
    ("suite au CLSPD, le maire souhaite un suivi des actions de prévention", set()),
    ("un employé en poste sensible a changé de comportement selon sa hiérarchie", set()),
    ("subvention à une association cultuelle : avis de la préfecture souhaité", set()),
    ("le directeur de l'école s'inquiète de propos tenus par un parent", set()),
    ("retour sur la réunion du groupe de travail, compte rendu à venir", set()),
    ("une famille est signalée par l'assistante sociale, merci de prendre contact", set()),
    ("please send a general briefing on the threat level", set()),
    ("the mayor asks whether any listed person lives in the town", set()),
    ("we need feedback on the report made in March", set()),
    ("le père d'un élève a tenu des propos hostiles à la laïcité", set()),
    ("la mère d'un enfant scolarisé nous a alertés, rappel souhaité", set()),
    ("un jeune de 16 ans a été vu avec des individus connus", set()),
    ("deux mineurs de 15 et 17 ans fréquentent le groupe", set()),
    ("la sœur d'un agent nous a contactés, sans plus de précisions", set()),
    ("le fils d'une employée municipale aurait quitté la France", set()),
    ("trois élèves de 3e ont tenu des propos d'apologie", set()),
    ("rappel : réunion cellule de veille jeudi à 10 h", set()),
    ("merci d'appeler la police municipale au numéro habituel", set()),
    ("les agents de la cantine signalent des tensions à la pause", set()),
    ("un bénévole de l'épicerie solidaire tient un discours inquiétant", set()),
    ("situation tendue au city stade du quartier ouest depuis la rentrée", set()),
    # ordinary-case words that look like names
    ("Point Rencontre Jeunes : horaires d'été.", set()),
    ("Le Bon Coin sert à des ventes suspectes selon la police.", set()),
    ("Réunion Prévention Jeunesse Sécurité du 4 avril.", set()),
    ("La Poste signale des dégradations de boîtes aux lettres.", set()),
    ("Marché Saint-Martin : renfort de la police municipale.", set()),
    ("Opération Tranquillité Vacances reconduite cet été.", set()),
    ("Le Conseil Local de Sécurité se réunit mardi.", set()),
    ("Le Petit Prince : spectacle des écoles, sécurité à prévoir.", set()),
    ("Notre-Dame de Paris : les scouts organisent une sortie.", set()),
    ("Association Grand Large : demande de subvention.", set()),
    ("La Maison France Services accueille le public le mardi.", set()),
    ("Le Printemps des Poètes aura lieu au parc.", set()),
    ("Saint-Valentin : pas de dispositif particulier.", set()),
    ("Le comité des fêtes de Sainte-Anne prépare la vogue.", set()),
    ("Le Rhône Express circule à nouveau.", set()),
    ("Fête de la Saint-Jean le 24 juin : feux d'artifice.", set()),
    ("La Marseillaise sera chantée par les élèves.", set()),
    ("Projet Cœur de Ville : sécurité des chantiers.", set()),
    ("Opération Sentinelle : patrouilles renforcées en centre-ville.", set()),
    ("Le Tour de France passe par Montélimar le 9 juillet.", set()),
    ("Les Restos du cœur et le Secours catholique s'associent.", set()),
    ("La mosquée Al-Forqane et l'église Saint-Joseph participent au dialogue.", set()),
    ("Marianne d'or décernée à la commune pour son CLSPD.", set()),
    ("Le Centre Pompidou prête des œuvres à la médiathèque.", set()),
    ("L'Olympique de Marseille joue à Valence en amical.", set()),
    ("Radio France Bleu Drôme Ardèche relaie l'appel.", set()),
    ("Le Mouv' organise un concert au parc Jouvet.", set()),
    ("Les Jeux Olympiques de Paris 2024 ont mobilisé les effectifs.", set()),
    ("Saint-Exupéry Aéroport : retour sur l'exercice.", set()),
    ("Le Grand Débat national a eu lieu en 2019.", set()),
]

# A second batch, written fresh before the screen's second round of changes (recall on the
# weak kinds: NIR, e-mail, identity documents, names in hard positions) and never tuned on.
IDENTIFYING += [
    (
        "Jan de Vries a été signalé par la directrice de l'école pour des propos inquiétants en "
        "classe, merci de nous dire si un suivi existe.",
        {NAME},
    ),
    (
        "signalement urgent : le nommé karim haddad, domicilié résidence les Tilleuls bâtiment C "
        "appartement 12 à Romans, aurait tenu des propos apologétiques.",
        {NAME, "address"},
    ),
    (
        "Mme la Maire souhaite savoir si Aïssatou Diallo-Ndiaye, animatrice au centre de loisirs, "
        "fait l'objet d'un suivi.",
        {NAME},
    ),
    (
        "Son numéro de sécu : 2 91 05 47 149 179 79, transmis par erreur par la mairie annexe.",
        {"nir"},
    ),
    (
        "nir 2470132197430 clé 12, merci de vérifier la situation de l'intéressée avant le "
        "conseil.",
        {"nir"},
    ),
    (
        "Numéro de sécurité sociale de l'agent concerné : deux quatre-vingt-quinze zéro neuf "
        "quarante et un trois cent vingt-huit quatre cent douze, clé trente-cinq.",
        {"nir"},
    ),
    ("Pour le recontacter : k.morel [at] laposte [dot] net, il répond le soir.", {"email"}),
    (
        "le frère écrit depuis lion.du.13 arobase gmail point com, faut-il lui répondre ?",
        {"email"},
    ),
    ("contact de la mère : sabrina.l (at) free.fr", {"email"}),
    (
        "Adresse mail perso de l'adjoint de sécurité : m_benaissa@outlook.fr (ne pas diffuser).",
        {"email"},
    ),
    (
        "The mayor's office forwarded the father's email, john dot okafor at yahoo dot co dot uk, "
        "asking whether the son is known to the services.",
        {"email"},
    ),
    (
        "Passeport n° 19AB12345 retrouvé dans le véhicule, merci de vérifier auprès du fichier.",
        {"id_document"},
    ),
    ("carte d'identité 880692310285 présentée lors du contrôle en mairie", {"id_document"}),
    (
        "Titre de séjour numéro 9912345678, expiré depuis janvier, l'intéressé demande un "
        "rendez-vous.",
        {"id_document"},
    ),
    (
        "Le permis de conduire n° 12AA34567 a été suspendu, la commune demande si l'employé peut "
        "conduire le minibus.",
        {"id_document"},
    ),
    ("CNI X4RTBPFW4 perdue par l'agent, déclarée en mairie le 3 février.", {"id_document"}),
    (
        "Le jeune, surnommé « le Chacal », traîne devant le gymnase Jean-Moulin tous les soirs.",
        {NAME},
    ),
    (
        "Un certain Dédé, alias dede13 sur les réseaux, recruterait à la sortie du lycée.",
        {NAME},
    ),
    (
        "mamadou, 16 ans, en 1re au lycée Mistral, a diffusé des vidéos de propagande.",
        {NAME},
    ),
    (
        "La fille aînée de M. Lefebvre, élève de CM2 à l'école Jules-Ferry, aurait été exposée à "
        "des contenus violents.",
        {NAME},
    ),
    (
        "né le 12/03/1987 à Valence, l'intéressé travaille aux services techniques.",
        {DOB},
    ),
    (
        "date de naissance : douze mars quatre-vingt-sept, d'après la fiche d'inscription.",
        {DOB},
    ),
    (
        "He was born on 4 July 1992 and works at the municipal swimming pool, according to the "
        "club.",
        {DOB},
    ),
    ("Tél du père : 06 12 34 56 78, il souhaite être rappelé.", {"phone"}),
    ("rappeler au zéro six quarante-deux dix-huit trente-trois soixante et onze", {"phone"}),
    (
        "Le véhicule immatriculé GH-482-KT stationne devant la mosquée chaque vendredi.",
        {"plate"},
    ),
    ("Virement vers FR76 3000 6000 0112 3456 7890 189 signalé par la banque.", {"iban"}),
    (
        "vu avec thierry lemoine, éducateur au foyer, qui confirme le départ du mineur.",
        {NAME},
    ),
    (
        "Selon le gardien, Pierre-Yves Le Goff occuperait un logement au-dessus du local "
        "associatif.",
        {NAME},
    ),
    (
        "Nguyen Van Thanh, gérant de l'épicerie, a reçu des menaces ; le maire demande protection.",
        {NAME},
    ),
    (
        "La demande concerne Mme Dos Santos Ferreira, employée à la cantine, absente depuis son "
        "retour de Turquie.",
        {NAME},
    ),
    (
        "Ahmed ben Youssef et son cousin auraient quitté la commune pour la Syrie.",
        {NAME},
    ),
    (
        "elle habite résidence du Parc, bâtiment B, 3e étage, porte gauche, à Montélimar.",
        {"address"},
    ),
    (
        "lieu-dit la Combe, chemin des Vignes, maison après le lavoir, 26200.",
        {"address"},
    ),
    (
        "Son fils Kevin, 14 ans, scolarisé au collège Europa, aurait menacé un professeur.",
        {NAME},
    ),
    (
        "Le dénommé Tarik, employé à la boulangerie de la place, aurait été vu avec le groupe.",
        {NAME},
    ),
    (
        "Concerne la famille Bouchard, rue des Écoles, dont le fils est suivi par la PJJ.",
        {NAME},
    ),
    ("Pour info le NIR de l'agent est 1 61 09 16 367 071, clé 45.", {"nir"}),
    ("N° SS 1.75.01.18.101.155.89 figurant sur le bulletin de paie transmis.", {"nir"}),
    (
        "Her name is Emily Watson-Clarke, she teaches English at the primary school and asked "
        "for help.",
        {NAME},
    ),
    ("The suspect, known as Big Mo, lives with his aunt near the station.", {NAME}),
    (
        "joseph n'guessan kouassi, agent d'entretien, a été vu filmant l'entrée de la crèche.",
        {NAME},
    ),
    (
        "Signalé par l'infirmière scolaire : Léa, 15 ans, en seconde B au lycée Camille-Vernet, "
        "en rupture familiale.",
        {NAME},
    ),
    (
        "D'après le bailleur, la locataire de l'appartement 24, escalier 2, résidence Les "
        "Érables, reçoit de nombreuses visites.",
        {"address"},
    ),
    (
        "adresse électronique de l'association mais au nom du président : f.garnier at wanadoo "
        "point fr",
        {"email"},
    ),
    ("vu l'urgence, écrire à secretariat-dupuis arobase orange.fr", {"email"}),
    (
        "Van der Berg Pieter, ressortissant néerlandais, titulaire du passeport NL n° NW7H3K2P1, "
        "hébergé au camping municipal.",
        {NAME, "id_document"},
    ),
    (
        "Titre de séjour n° 7503091234 de M. Ouédraogo à vérifier, il postule comme agent de "
        "surveillance.",
        {NAME, "id_document"},
    ),
    (
        "Marie-Claire Dubois-Leroy a démissionné du conseil des sages après l'incident.",
        {NAME},
    ),
    ("son oncle, Rachid dit « Rocky », tient le snack près de la gare.", {NAME}),
    (
        "Madame la Préfète, l'élu souhaite savoir si Stéphane Morin, conseiller municipal, est "
        "connu des services.",
        {NAME},
    ),
    (
        "L'ancien compagnon de la victime, M. Oliveira, travaille comme chauffeur de bus sur la "
        "ligne 4.",
        {NAME},
    ),
    (
        "Elle s'appelle fatou camara et vient d'arriver au foyer de jeunes travailleurs.",
        {NAME},
    ),
    (
        "Sécu: 2660265243146 20 — pièce jointe transmise par la mairie par erreur, à détruire.",
        {"nir"},
    ),
    ("permis n° 080426300512 retiré au conducteur du car scolaire", {"id_document"}),
]

LEGITIMATE += [
    (
        "Réunion du CLSPD au gymnase Jean-Moulin le 12 mars à 18 h, ordre du jour : sécurité des "
        "abords du lycée Victor-Hugo.",
        set(),
    ),
    (
        "Mme la Sous-Préfète de Nyons demande le bilan des interventions de la police municipale "
        "en 2025.",
        set(),
    ),
    (
        "Le festival Jean-Ferrat aura lieu du 4 au 6 juillet ; le maire sollicite un renfort de "
        "sécurité.",
        set(),
    ),
    (
        "Les Amis de Charles de Gaulle organisent une cérémonie place du Général-Leclerc le 18 "
        "juin.",
        set(),
    ),
    (
        "suite au courrier BR-2026-0311, M. le Préfet rappelle les règles de l'article L. 132-3 "
        "du CSI.",
        set(),
    ),
    ("Point sur les 42 signalements de l'année, dont 7 transmis au parquet de Valence.", set()),
    (
        "le collège Marcel-Pagnol signale une hausse des incidents, sans élément nominatif pour "
        "l'instant.",
        set(),
    ),
    (
        "The mayor asks whether the Victor Hugo high school needs extra patrols during the exam "
        "period, from 10 to 24 June.",
        set(),
    ),
    (
        "Décret n° 2021-1234 du 22 septembre 2021 : quelles conséquences pour la convention de "
        "coordination ?",
        set(),
    ),
    (
        "Le stade Pierre-de-Coubertin accueillera le match du 14 avril ; 3 000 spectateurs "
        "attendus.",
        set(),
    ),
    (
        "Demande de statistiques anonymisées sur les 15-25 ans suivis par la cellule, par tranche "
        "d'âge.",
        set(),
    ),
    (
        "le maire de Saint-Paul-Trois-Châteaux voudrait un point rapide avant la rentrée du 1er "
        "septembre.",
        set(),
    ),
    (
        "Rue Jean-Jaurès, travaux jusqu'au 30 avril : adapter l'itinéraire des rondes de nuit.",
        set(),
    ),
    (
        "Avis demandé sur l'arrêté municipal n° 2026-045 interdisant les rassemblements avenue "
        "Pasteur.",
        set(),
    ),
    (
        "la médiathèque Simone-Veil a reçu un tract anonyme, copie transmise par le canal "
        "sécurisé.",
        set(),
    ),
    (
        "Le lycée Émile-Loubet a 1 240 élèves ; la proviseure demande une sensibilisation en 2nde.",
        set(),
    ),
    (
        "Conformément à la loi du 24 août 2021 confortant le respect des principes de la "
        "République, bilan des contrôles d'associations.",
        set(),
    ),
    (
        "Mr le Procureur a été saisi le 3 février ; en attente de son retour avant toute action.",
        set(),
    ),
    (
        "Deux associations sportives sur 18 n'ont pas renouvelé leur agrément ; la DDETS en est "
        "informée.",
        set(),
    ),
    ("La piscine Alfred-Nakache sera fermée du 2 au 16 août pour vidange.", set()),
    (
        "Which documents does the town hall need to send before the CLSPD meeting on 5 May?",
        set(),
    ),
    (
        "Bilan 2025 : 312 mains courantes, 48 interpellations, 9 signalements au titre de la "
        "radicalisation.",
        set(),
    ),
    (
        "l'école maternelle Louise-Michel demande une présence policière à la sortie des classes "
        "à 16 h 30.",
        set(),
    ),
    (
        "Le rond-point Charles-Martel et le parking de l'espace Marcel-Cerdan seront équipés de "
        "caméras.",
        set(),
    ),
    (
        "Instruction INTK2400123J du 8 janvier 2024 : la commune est-elle concernée par le volet "
        "prévention ?",
        set(),
    ),
    ("Mme l'Adjointe à la sécurité demande la date de la prochaine cellule de suivi.", set()),
    (
        "Salle Georges-Brassens réservée le mardi 9 juin de 14 h à 17 h pour la formation des "
        "agents.",
        set(),
    ),
    (
        "Circulaire du Premier ministre n° 6000/SG du 13 novembre 2019 : modalités du partage "
        "d'informations.",
        set(),
    ),
    (
        "La commune compte 23 500 habitants et 4 quartiers prioritaires de la politique de la "
        "ville.",
        set(),
    ),
    ("Le centre social Nelson-Mandela souhaite être associé au réseau de vigilance.", set()),
    ("réf. interne 26-0412, dossier clos le 28/02/2026 sans suite.", set()),
    ("Le prix Albert-Londres a été remis au lycée ; rien à signaler côté sécurité.", set()),
    ("The sub-prefect of Die wants a summary of the 2025 figures by 15 March.", set()),
    (
        "Le boulevard du Maréchal-Foch sera piétonnisé pendant la fête de la musique, le 21 juin.",
        set(),
    ),
    (
        "Merci de confirmer la réception de notre courrier du 17 janvier (article 11-2 du code de "
        "procédure pénale).",
        set(),
    ),
    (
        "La maison de quartier Saint-Exupéry accueille une permanence du délégué du préfet le "
        "jeudi.",
        set(),
    ),
    (
        "Le conseil départemental a voté 250 000 € pour la prévention de la délinquance, dont "
        "40 000 € pour la commune.",
        set(),
    ),
    ("Quel est le délai de réponse prévu par la convention signée le 2 octobre 2025 ?", set()),
    (
        "mosquée de la rue Gambetta : demande d'évaluation de la sécurité pendant le ramadan, du "
        "18 février au 19 mars.",
        set(),
    ),
    ("Les numéros 17 et 112 restent les seuls à communiquer aux agents d'accueil.", set()),
    (
        "L'association Jeanne-d'Arc demande une salle pour le 8 mai ; avis du commissariat ?",
        set(),
    ),
    (
        "Le commissaire de Romans-sur-Isère souhaite un échange avec le chef de la police "
        "municipale.",
        set(),
    ),
    (
        "Article 40 du code de procédure pénale : le maire a-t-il l'obligation de signaler ces "
        "faits ?",
        set(),
    ),
    (
        "Lycée professionnel Gustave-Eiffel : 3 incidents en janvier, aucun lien établi avec la "
        "radicalisation.",
        set(),
    ),
    (
        "Prochain comité le 3e mardi du mois, salle du conseil, bâtiment A de l'hôtel de ville.",
        set(),
    ),
    (
        "Le square Anne-Frank sera réaménagé ; l'éclairage sera renforcé d'ici le 15 novembre.",
        set(),
    ),
    (
        "The town's 2026 budget includes €18,000 for video surveillance near the Jean Moulin "
        "sports hall.",
        set(),
    ),
    ("l'EHPAD Les Glycines signale des démarchages suspects, sans plus de précision.", set()),
    (
        "Demande de la mairie : combien de fiches S dans le département de la Drôme, ordre de "
        "grandeur ?",
        set(),
    ),
    (
        "Avenue du Président-Wilson, la vidéoprotection est en panne depuis le 2 mars, ticket "
        "n° 458712.",
        set(),
    ),
    (
        "Rapport n° 2026/17 de l'inspection générale de l'administration sur les CLSPD, pages 12 "
        "à 18.",
        set(),
    ),
    (
        "La brigade de gendarmerie de Pierrelatte assure la permanence du 24 au 31 décembre.",
        set(),
    ),
    (
        "Le collège Jean-Zay demande une intervention sur le harcèlement en ligne pour ses 4 "
        "classes de 3e.",
        set(),
    ),
    (
        "Mise à jour de la liste de diffusion : ajouter le service jeunesse et la direction de "
        "l'éducation.",
        set(),
    ),
    (
        "Le maire de Bourg-lès-Valence remercie M. le Directeur départemental pour la réunion du "
        "9 avril.",
        set(),
    ),
]
