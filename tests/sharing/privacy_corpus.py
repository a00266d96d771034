"""Labelled texts for the personal-data screen: (text, kinds expected), empty for legitimate ones.

Written as a legal officer or a prefecture liaison would write them. The people, numbers and
addresses are invented; NIR keys and IBAN checksums are computed so that they are valid.
"""

LEGITIMATE: list[tuple[str, set[str]]] = [
    (
        "Demande d'information générale sur l'état de la menace terroriste dans la commune, "
        "en vue du CLSPD du 14 mars 2026.",
        set(),
    ),
    (
        "Le maire souhaite savoir si des personnes inscrites au FSPRT résident dans la commune.",
        set(),
    ),
    ("Retour sur le signalement transmis par courrier sécurisé BR-2026-0141.", set()),
    (
        "Un agent municipal affecté à la surveillance des écoles : vérification au titre de "
        "l'instruction NOR INTK1826096J.",
        set(),
    ),
    (
        "Subvention de 12 000 euros à une association sportive du quartier : le conseil "
        "municipal doit délibérer le 3 avril 2026, avis de la préfecture souhaité.",
        set(),
    ),
    (
        "Suivi d'une famille accompagnée par le CCAS dans le cadre de l'accompagnement social : "
        "la situation est décrite dans le courrier BR-2026-0152.",
        set(),
    ),
    (
        "Point sur le niveau Vigipirate « urgence attentat » et ses conséquences pour les fêtes "
        "de fin d'année organisées place de la République.",
        set(),
    ),
    (
        "Échange d'informations confidentielles dans le cadre du groupe de travail du CLSPD "
        "(art. L.132-5 CSI).",
        set(),
    ),
    (
        "Information du maire par le procureur de la République au titre de l'article 11-2 CPP, "
        "si la procédure le permet.",
        set(),
    ),
    (
        "Suite à l'attentat d'Arras d'octobre 2023, le maire demande un point de situation sur "
        "la sécurité des établissements scolaires.",
        set(),
    ),
    (
        "Demande de participation de la commune à la prochaine séance de la CPRAF, prévue le "
        "22 mai 2026.",
        set(),
    ),
    ("Relance de la demande 26198-2026-0007 restée sans réponse depuis le 2 février 2026.", set()),
    (
        "Environ 15 % des agents de la police municipale ont suivi la formation de "
        "sensibilisation à la radicalisation ; une session est-elle prévue au second semestre ?",
        set(),
    ),
    (
        "La commune compte 3 écoles, 2 collèges et 1 lycée ; le maire demande une évaluation "
        "générale de la menace aux abords de ces établissements.",
        set(),
    ),
    (
        "Un candidat à un poste d'animateur périscolaire : le recrutement appelle-t-il une "
        "vigilance particulière ? Éléments d'identification transmis par le canal sécurisé "
        "(réf. BR-2026-0163).",
        set(),
    ),
    (
        "Demande d'avis sur la charte de confidentialité signée le 12 janvier 2026 entre le "
        "préfet, le maire et le procureur.",
        set(),
    ),
    (
        "Le conseil municipal se réunira le 14/05/2026 ; le maire souhaite disposer auparavant "
        "d'un bilan général de la menace.",
        set(),
    ),
    (
        "Au titre de la circulaire du 29 avril 2014, la commune souhaite être associée aux "
        "travaux de la cellule de prévention de la radicalisation.",
        set(),
    ),
    (
        "Demande de rendez-vous bilatéral avec le référent radicalisation de la préfecture de la "
        "Drôme, à Valence, au cours de la semaine du 9 mars 2026.",
        set(),
    ),
    (
        "Le maire de Montélimar demande la liste des personnes fichées S résidant dans la "
        "commune, comme il l'a indiqué publiquement.",
        set(),
    ),
    (
        "Madame la Maire sollicite un échange avec Monsieur le Préfet sur la sécurisation du "
        "marché de Noël.",
        set(),
    ),
    (
        "M. le Maire souhaite connaître la position de la préfecture sur l'opportunité de réunir "
        "le CLSPD en formation restreinte.",
        set(),
    ),
    (
        "Association culturelle ayant sollicité une subvention de fonctionnement : demande "
        "d'avis préalable, les statuts ont été transmis par courrier sécurisé.",
        set(),
    ),
    (
        "Retour d'information demandé sur le signalement effectué par le maire le 18 février "
        "2026 auprès du référent de l'État.",
        set(),
    ),
    (
        "Prolongation du délai de réponse demandée : l'accord du parquet et du service de "
        "renseignement est en attente.",
        set(),
    ),
    (
        "Un bénévole intervenant auprès des mineurs dans le cadre du dispositif de soutien "
        "scolaire : demande de vérification, identité communiquée hors plateforme.",
        set(),
    ),
    (
        "La commune a reçu 4 signalements d'habitants depuis janvier ; elle souhaite savoir "
        "comment les transmettre au bon interlocuteur.",
        set(),
    ),
    (
        "Demande portant sur la sécurité du festival d'été (environ 25 000 spectateurs attendus "
        "les 11 et 12 juillet 2026).",
        set(),
    ),
    (
        "Conformément à la loi du 6 janvier 1978 et au RGPD, aucune donnée nominative n'est "
        "transmise par cette plateforme.",
        set(),
    ),
    (
        "Note de cadrage : le maire souhaite comprendre ce que l'instruction du 13 novembre 2018 "
        "permet de partager avec les élus.",
        set(),
    ),
    (
        "Le service jeunesse accompagne un mineur suivi par l'ASE ; un échange en CPRAF est-il "
        "opportun ? (réf. BR-2026-0177)",
        set(),
    ),
    (
        "Demande d'information sur le dispositif de sécurité prévu pour la cérémonie du 8 mai "
        "au monument aux morts.",
        set(),
    ),
    (
        "Le gymnase municipal accueillera une manifestation associative le 21/06/2026 ; un "
        "renforcement de la posture Vigipirate est-il envisagé ?",
        set(),
    ),
    (
        "Demande de statistiques agrégées : nombre de signalements transmis par la commune en "
        "2024 et 2025, sans aucune donnée individuelle.",
        set(),
    ),
    (
        "Objet : participation au groupe de travail CLSPD « prévention de la radicalisation » ; "
        "ordre du jour joint au courrier BR-2026-0190.",
        set(),
    ),
    (
        "Le collège Jean Moulin a signalé des tensions ; la commune souhaite un point de "
        "situation général, sans information nominative.",
        set(),
    ),
    (
        "Réunion de la cellule de veille prévue salle du conseil, à la mairie, le 30 mars 2026 "
        "à 14 h.",
        set(),
    ),
    (
        "Le maire souhaite savoir si l'association sportive locale fait l'objet d'une attention "
        "particulière avant le renouvellement de la convention d'objectifs.",
        set(),
    ),
    (
        "Demande d'accès à la synthèse départementale de la menace présentée au comité "
        "départemental de sécurité le 2 octobre 2025.",
        set(),
    ),
    (
        "Refus motivé par le secret de l'enquête ; la commune prend acte et demande une "
        "réorientation vers la CPRAF.",
        set(),
    ),
    (
        "La DDSP de la Drôme et la gendarmerie sont invitées au prochain CLSPD ; la commune "
        "demande que la préfecture coordonne.",
        set(),
    ),
    (
        "Demande d'un rappel du cadre : instruction NOR INTK1826096J, articles L.132-5 et "
        "D.132-7 du CSI, article 11-2 du CPP.",
        set(),
    ),
    (
        "Les attentats du 13 novembre 2015 et de Nice en juillet 2016 ont conduit la commune à "
        "revoir son plan communal de sauvegarde ; demande d'avis.",
        set(),
    ),
    (
        "Une agente d'entretien des écoles recrutée en CDD en 2025 : vérification au titre de "
        "l'instruction de 2018, identité transmise par le canal sécurisé.",
        set(),
    ),
    (
        "Le centre social a observé une hausse de 30 % des sollicitations ; la commune souhaite "
        "un échange sur l'accompagnement des familles.",
        set(),
    ),
    (
        "Demande de prolongation jusqu'au 15/04/2026 en raison de la consultation du procureur.",
        set(),
    ),
    (
        "La mairie de Privas souhaite organiser une réunion d'information des élus avec le "
        "sous-préfet le 5 juin 2026.",
        set(),
    ),
    (
        "Le maire de Lens demande un point sur les suites données à sa saisine du 7 janvier 2026.",
        set(),
    ),
    (
        "Seuls 2 agents habilités consulteront la réponse, sous la charte de confidentialité "
        "du CLSPD.",
        set(),
    ),
    (
        "Demande de précision : la subvention de 4 500 € à l'association de quartier doit-elle "
        "être suspendue dans l'attente de l'avis ?",
        set(),
    ),
    (
        "Retrait de la demande : la situation a été traitée en séance du CLSPD du 12 février 2026.",
        set(),
    ),
    (
        "Aucune information nominative ne sera échangée par écrit ; restitution orale lors d'un "
        "entretien bilatéral en préfecture.",
        set(),
    ),
    (
        "Le référent de l'État dans le Pas-de-Calais, à Arras, est sollicité pour un bilan "
        "semestriel de la menace (au moins deux fois par an).",
        set(),
    ),
    (
        "La commune de Valence demande quelles sont les modalités de signalement au numéro vert "
        "national 0 800 005 696.",
        set(),
    ),
    (
        "Avis demandé sur une autorisation d'occupation du domaine public pour un rassemblement "
        "prévu place Charles de Gaulle le 1er mai 2026.",
        set(),
    ),
    (
        "URGENT : point de situation souhaité avant la manifestation prévue samedi ; la "
        "préfecture est sollicitée via la cellule de crise.",
        set(),
    ),
    (
        "Le CCAS et la CAF accompagnent une famille au titre du RSA ; la commune sollicite un "
        "échange en CPRAF.",
        set(),
    ),
    (
        "Les fiches S ne peuvent être communiquées ; la commune demande quelles informations "
        "générales peuvent l'être.",
        set(),
    ),
    (
        "Une association loi 1901 créée le 3 mars 1998 sollicite une subvention "
        "exceptionnelle ; avis préalable demandé.",
        set(),
    ),
    (
        "Demande de bilan après les faits survenus en 2019 aux abords de la gare ; aucune "
        "personne n'est visée.",
        set(),
    ),
    (
        "Clarification : la demande concerne l'agent dont le dossier a été transmis sous la "
        "référence BR-2026-0141, et non un nouvel agent.",
        set(),
    ),
    (
        "Le maire d'Arras demande une réunion en présence du procureur de la République et de "
        "la DGSI, si possible avant le 30/06/2026.",
        set(),
    ),
    (
        "Demande relative au quartier des Alexis, classé QPV : la commune souhaite un état "
        "général de la menace avant l'été.",
        set(),
    ),
    (
        "Décision : refus, secret de la défense nationale. Restitution orale en CLSPD le "
        "10 avril 2026.",
        set(),
    ),
    (
        "Le dispositif Sentinelle sera-t-il renforcé aux abords de la mosquée et de la "
        "synagogue pendant les fêtes ? La Préfecture de la Drôme est sollicitée.",
        set(),
    ),
    # Headings, eponyms and historical dates that look like identifiers and are not.
    ("Collège ALPHONSE DAUDET : demande de sécurisation des abords à la rentrée.", set()),
    (
        "Une réunion avec la Direction JEUNESSE et le service Prévention SÉCURITÉ est "
        "souhaitée avant l'été.",
        set(),
    ),
    ("Les manifestations organisées par Montélimar ANIMATIONS cet été appellent un avis.", set()),
    ("Salle ESPACE CULTUREL DIDEROT : demande de renfort pour le concert du 4 avril 2026.", set()),
    ("Les établissements Jules Ferry et Marcel Pagnol sont concernés par la demande.", set()),
    ("Le contrat local de sécurité du 20 juin 2008 doit être actualisé en CLSPD.", set()),
    ("Depuis le 1er septembre 2011, la commune dispose d'une police municipale.", set()),
    (
        "Décret n° 2015-1475 du 14 novembre 2015 portant application de la loi n° 55-385 du "
        "3 avril 1955 : la commune demande ce qu'il change pour elle.",
        set(),
    ),
    (
        "Plan Vigipirate URGENCE ATTENTAT activé le 24 mars 2024 : conséquences pour le marché.",
        set(),
    ),
    ("Code INSEE 26198 Montélimar : la demande concerne toute la commune.", set()),
    (
        "Madame la Procureure de la République a donné son accord le 5 mars 2026 ; Monsieur le "
        "Sous-Préfet est invité.",
        set(),
    ),
    ("M. l'Adjoint délégué à la sécurité représentera la commune.", set()),
    ("Réunion fixée au 03/04/26 à 9 h ; délai expirant le 31.12.2026.", set()),
    ("Signalements reçus : 12 (2024), 17 (2025) ; taux de réponse de 98 %.", set()),
    (
        "La loi n° 2021-1109 du 24 août 2021 confortant le respect des principes de la "
        "République : demande d'échange sur les associations.",
        set(),
    ),  # Known false positive, kept to keep the figures honest: a public building's address is
    # still refused, because the screen cannot tell it from a person's.
    ("Réunion prévue au 1 place de la Libération, en mairie annexe, le 2 juin 2026.", set()),
]

WITH_IDENTIFIERS: list[tuple[str, set[str]]] = [
    # NIR
    (
        "Vérification demandée pour l'agent dont le NIR est 1 85 05 78 006 084 36, recruté aux "
        "services techniques.",
        {"nir"},
    ),
    ("Numéro de sécurité sociale de l'intéressée : 269029934173285.", {"nir"}),
    ("NIR 2 82 06 19 123 456 49 communiqué par le CCAS pour le suivi social.", {"nir"}),
    ("N° SS de l'agent né en Corse : 1 78 02 2A 123 456 37.", {"nir"}),
    ("Numéro de sécu transmis par le service RH : 1921162041123.", {"nir"}),
    # Dates of birth
    (
        "L'intéressé, né le 12/03/1985 à Montélimar, est employé comme animateur.",
        {"date_of_birth"},
    ),
    ("Jeune femme née le 3 mars 1990, suivie par le CCAS depuis 2024.", {"date_of_birth"}),
    ("Date de naissance : 14.07.1979 ; agent de la voirie depuis 2015.", {"date_of_birth"}),
    ("DDN 02/11/01, apprenti au service des espaces verts.", {"date_of_birth"}),
    ("Le jeune homme (né en 2004) fréquente la maison de quartier.", {"date_of_birth"}),
    ("Personne signalée : 17/08/1992, habite le quartier du Plan.", {"date_of_birth"}),
    (
        "Âgé de 19 ans, né le 5 septembre 2006, il est inscrit au club de boxe.",
        {"date_of_birth"},
    ),
    (
        "Né le 1er janvier 2000 à Arras, l'intéressé travaille au service propreté.",
        {"date_of_birth"},
    ),
    # Phones
    (
        "Merci de rappeler la mère au 06 12 34 56 78 pour organiser l'accompagnement social.",
        {"phone"},
    ),
    ("Contact direct de l'éducateur : 07.81.22.45.90.", {"phone"}),
    ("Le voisin a signalé les faits, joignable au +33 6 45 78 12 09.", {"phone"}),
    ("Numéro communiqué par l'employeur : 0475012345.", {"phone"}),
    ("Appeler le 0033 7 11 22 33 44 avant la réunion.", {"phone"}),
    ("Portable de la responsable : 06\u00a098\u00a011\u00a022\u00a033.", {"phone"}),
    # E-mail addresses
    ("Le signalement provient de karim.benali@gmail.com, à recontacter.", {"email"}),
    ("Adresse de contact de l'intéressé : lucas_d85@hotmail.fr", {"email"}),
    (
        "Écrire à contact [at] asso-quartier.fr pour obtenir la liste des adhérents.",
        {"email"},
    ),
    # Addresses
    ("La famille habite 12 rue des Lilas, au deuxième étage.", {"address"}),
    ("Domicilié 4 bis avenue de Romans à Valence.", {"address"}),
    ("Logement situé 27, boulevard Gambetta, 62000 Arras.", {"address"}),
    ("Rassemblements constatés devant le 8 impasse des Tilleuls, le soir.", {"address"}),
    ("L'association a son siège 3 place du Marché, 26200 Montélimar.", {"address"}),
    ("Il réside chemin de la Croix, dans un mobil-home.", {"address"}),
    (
        "L'intéressé, habitant 5 cours Jean Jaurès, se présente chaque semaine en mairie.",
        {"address"},
    ),
    # Identity documents
    ("Passeport n° 18AB12345 retrouvé lors du contrôle.", {"id_document"}),
    ("Titre de séjour numéro 7503012345 arrivant à expiration.", {"id_document"}),
    ("CNI 880692310285 présentée lors du recrutement.", {"id_document"}),
    ("Carte d'identité n° X4RTBPFW4 délivrée à l'intéressé en 2022.", {"id_document"}),
    # Plates
    (
        "Véhicule immatriculé AB-123-CD stationné régulièrement devant l'école.",
        {"plate"},
    ),
    (
        "Une Clio grise 4567 TX 26 a été vue à plusieurs reprises près du collège.",
        {"plate"},
    ),
    ("Plaque relevée : FG 456 HJ.", {"plate"}),
    # Bank accounts
    (
        "Subvention à verser sur le compte FR76 3000 6000 0112 3456 7890 189 de l'association.",
        {"iban"},
    ),
    ("RIB du trésorier : FR1420041010050500013M02606.", {"iban"}),
    ("Virement reçu de l'étranger, IBAN DE89 3704 0044 0532 0130 00.", {"iban"}),
    # Names
    (
        "Jean DUPONT, agent des services techniques, a tenu des propos inquiétants.",
        {"person_name"},
    ),
    (
        "Concerne Marie-Claire LE GALL, animatrice périscolaire recrutée en 2025.",
        {"person_name"},
    ),
    (
        "Le signalement vise Mohamed BEN ALI, éducateur sportif vacataire.",
        {"person_name"},
    ),
    ("DUPONT Jean, candidat au poste de gardien du gymnase.", {"person_name"}),
    (
        "M. Dupont, employé municipal, fréquenterait une mouvance radicale.",
        {"person_name"},
    ),
    ("Mme Martin, présidente de l'association, a demandé la subvention.", {"person_name"}),
    ("Monsieur Karim Benali a été recruté comme agent d'entretien.", {"person_name"}),
    ("Madame DURAND signale le comportement de son fils.", {"person_name"}),
    (
        "Le dénommé Kowalski se présente régulièrement à l'accueil de la mairie.",
        {"person_name"},
    ),
    (
        "Signalement concernant Anouar BOUAZZA, bénévole au club de football.",
        {"person_name"},
    ),
    ("L'agent Sébastien Morel a été muté au service des sports.", {"person_name"}),
    ("Fatou Diallo et Aminata Traoré sont suivies par le CCAS.", {"person_name"}),
    (
        "Retour demandé sur la situation de Kevin L., 17 ans, suivi par l'ASE.",
        {"person_name"},
    ),
    (
        "JEAN-PIERRE MARTIN, gardien du stade, a été signalé par un collègue.",
        {"person_name"},
    ),
    ("Me Lefebvre, avocat de la famille, sollicite un rendez-vous.", {"person_name"}),
    # Several kinds at once
    (
        "Mme Sophie BERNARD, née le 04/06/1988, domiciliée 15 rue Victor Hugo, "
        "tél. 06 98 76 54 32.",
        {"person_name", "date_of_birth", "address", "phone"},
    ),
    (
        "Ahmed KACI, NIR 1 92 11 62 041 123 60, passeport 21FR54321.",
        {"person_name", "nir", "id_document"},
    ),
    (
        "Véhicule AB-123-CD appartenant à M. Garcia, joignable au 06 11 22 33 44.",
        {"plate", "person_name", "phone"},
    ),
    (
        "Le fils de Mme Nguyen, né en 2008, est scolarisé au collège.",
        {"person_name", "date_of_birth"},
    ),
    (
        "Trésorier de l'association : Paulo DA SILVA, IBAN FR17 1027 8060 0100 0203 4560 123.",
        {"person_name", "iban"},
    ),
    ("Contact : nadia.b@laposte.net / 06 55 44 33 22.", {"email", "phone"}),
    (
        "Famille logée 9 allée des Cèdres, 07000 Privas ; la mère, Mme Haddad, est suivie par "
        "le CCAS.",
        {"address", "person_name"},
    ),
    (
        "Le signalement concerne un agent, M. X, dont l'identité sera transmise par le canal "
        "sécurisé ; son numéro personnel est le 06 33 44 55 66.",
        {"phone"},
    ),
    # Less common spellings.
    ("Il s'appelle Lucas Bernard et travaille au stade municipal.", {"person_name"}),
    ("Agent : Thomas (service voirie), nom de famille GIRAUD.", {"person_name"}),
    ("Rendez-vous demandé par Mlle Petit, animatrice du centre de loisirs.", {"person_name"}),
    ("Agent concerné : BERNARD Sophie, ATSEM à l'école maternelle.", {"person_name"}),
    ("Kevin, 1985-03-12, signalé par son employeur.", {"person_name", "date_of_birth"}),
    ("Son numéro de titre de séjour est 9912345678.", {"id_document"}),
    ("Tel: 04-75-00-12-34 (standard du club).", {"phone"}),
    ("Le véhicule (Peugeot 208, GH-452-KL) est garé devant la salle de prière.", {"plate"}),
    ("Il vit au 2 bis, rue de la Gare à Lens.", {"address"}),
    (
        "Portable : 06\u200b12 34 56 78 (espace invisible).",
        {"phone"},
    ),  # Known misses, kept to keep the figures honest: a name typed in lower case, a first name
    # alone.
    ("Signalement concernant jean dupont, animateur au centre de loisirs.", {"person_name"}),
    ("Le père, Abdelkrim, est suivi par le CCAS depuis l'hiver.", {"person_name"}),
]

# --- written in the hurried styles of issue "a screen that understands French" ---------------

LEGITIMATE += [
    ("Réunion de la cellule de veille au collège Paul Langevin le 9 avril.", set()),
    ("Les Amis de Jean Giono proposent une conférence à la salle des fêtes.", set()),
    ("Le stade Jean Bouin sera fermé pour travaux jusqu'au 30 juin 2026.", set()),
    ("Festival Marcel Pagnol : plan de circulation et barrières anti-bélier.", set()),
    ("Le gymnase Marcel Cerdan accueille le centre de vaccination.", set()),
    ("École maternelle Louise Michel : exercice attentat-intrusion le 15 mars.", set()),
    ("rue Jean Jaurès et place Victor Hugo : arrêté de circulation du 2 mai", set()),
    ("Le lycée Émile Loubet demande une sensibilisation des personnels.", set()),
    ("Bibliothèque Aimé Césaire : horaires réduits pendant l'été.", set()),
    ("Cérémonie au monument Jean Moulin le 18 juin.", set()),
    ("Le centre aquatique Laure Manaudou rouvre en septembre.", set()),
    ("collège jean macé : retour sur l'incident de la cour", set()),
    ("La salle Édith Piaf est réservée pour la réunion publique.", set()),
    ("Allée Charles Péguy : éclairage public défaillant signalé.", set()),
    ("Le parc Georges Brassens est fermé par arrêté en cas de vent.", set()),
    ("Monsieur le Sous-Préfet de Nyons sera représenté.", set()),
    ("Mme la Préfète a demandé un bilan des actions du FIPD.", set()),
    ("M. le Maire de Valence a signé la convention.", set()),
    ("Madame la Directrice académique est invitée au CLSPD.", set()),
    ("le sous-préfet d'arrondissement présidera la séance", set()),
    ("M. le Commissaire central de Montélimar a été destinataire.", set()),
    ("La Procureure adjointe participera à la cellule.", set()),
    ("Le Président de la communauté d'agglomération est associé.", set()),
    ("Mme l'Adjointe aux affaires scolaires suit le dossier.", set()),
    ("M. le Directeur de l'école a saisi l'inspection.", set()),
    ("Valence Romans Agglo finance le poste de médiateur.", set()),
    ("Les communes de Crest, Die et Nyons ont répondu.", set()),
    ("La ville de Portes-lès-Valence rejoint le CISPD.", set()),
    ("Le Teil et Viviers partagent un policier municipal.", set()),
    ("Hénin-Beaumont et Carvin coordonnent leurs dispositifs.", set()),
    ("Béthune, Bruay-la-Buissière et Lillers sont concernées.", set()),
    ("Saint-Rambert-d'Albon accueille la réunion de secteur.", set()),
    ("L'Éducation nationale et la PJJ participent au groupe de travail.", set()),
    ("Le conseil citoyen du quartier Pont-des-Anges a été consulté.", set()),
    ("La Fondation Abbé Pierre a signalé une situation d'habitat indigne.", set()),
    ("Vu le décret n° 2019-1426 du 20 décembre 2019, article 3.", set()),
    ("Instruction du 23 février 2018 : mise en œuvre du PNPR.", set()),
    ("Article L. 2211-4 du CGCT, alinéa 2.", set()),
    ("Réunion le 14/05/2026 à 10 h, puis le 21/05/2026.", set()),
    ("Le rapport de 2017 recensait 152 signalements dans le département.", set()),
    ("Échéance : 30 jours à compter de la réception, prorogeable une fois.", set()),
    ("Le budget 2026 prévoit 3 postes de médiateurs à 35 000 euros.", set()),
    ("La loi du 1er juillet 1901 régit les associations concernées.", set()),
    ("Depuis l'attentat du 16 octobre 2020, le protocole a changé.", set()),
    ("Le schéma départemental 2024-2028 fixe 4 axes et 17 actions.", set()),
    ("Circulaire NOR INTA1405029C du 19 mai 2014.", set()),
    ("CLSPD plénier du 12 décembre 1998, premier de la commune.", set()),
    ("Le numéro vert 0 800 005 696 est affiché dans les établissements.", set()),
    ("La commune compte 12 quartiers et 4 QPV, soit 8 500 habitants.", set()),
    ("Le procès-verbal du 3 novembre 2003 a été retrouvé aux archives.", set()),
    ("besoin d'un retour général sur la menace dans les écoles", set()),
    ("le maire souhaite savoir si un agent en poste sensible pose problème", set()),
    ("merci de nous rappeler pour fixer la date du groupe de travail", set()),
    ("une mère de famille nous a signalé des propos inquiétants de son voisin", set()),
    ("un adolescent de 15 ans a été signalé par l'établissement", set()),
    ("les enfants d'une famille suivie ne vont plus à l'école depuis janvier", set()),
    ("l'employeur d'un agent contractuel demande conseil", set()),
    ("un parent d'élève tient des propos contre la mixité", set()),
    ("retour souhaité avant le conseil municipal du mois prochain", set()),
    ("is there any update on the general threat level for the summer festival?", set()),
    ("the youth club reported tensions between two groups of teenagers", set()),
    ("Point Information Jeunesse : fermeture exceptionnelle.", set()),
    ("Les Francofolies : demande de renfort de la gendarmerie.", set()),
    ("Le Grand Bal du 14 juillet aura lieu place de la Mairie.", set()),
    ("Opération Ville Vie Vacances : 40 jeunes inscrits.", set()),
    ("La Fête des Lumières attire du monde à Lyon.", set()),
    ("Les Compagnons du Devoir accueillent des apprentis.", set()),
    ("Le Rotary Club finance un défibrillateur.", set()),
    ("Sainte-Barbe des pompiers le 4 décembre.", set()),
    ("Saint-Nicolas : défilé dans le centre-ville.", set()),
    ("Le Secours Islamique France organise une distribution.", set()),
    ("Radio Saint-Ferréol relaie les messages de prévention.", set()),
    ("Notre-Dame-de-Bondeville a adopté un plan similaire.", set()),
    ("Le pont Jean-Paul II est fermé à la circulation.", set()),
    ("Le Centre Léo Lagrange anime les quartiers cet été.", set()),
]

WITH_IDENTIFIERS += [
    ("le neveu de farid zerrouk est revenu dans le quartier", {"person_name"}),
    ("on a reçu la visite de nathalie perrot, assistante sociale du secteur", {"person_name"}),
    ("demande concernant youssef amrani, animateur du club", {"person_name"}),
    ("c'est la soeur de bilal hamidi qui nous a appelés", {"person_name"}),
    ("thierry lacroix, agent de la voirie, est absent depuis un mois", {"person_name"}),
    ("mme saidi a retiré ses enfants de la cantine", {"person_name"}),
    ("le dénommé ali benmansour traîne près de l'école", {"person_name"}),
    ("Concernant Fatima Zahra El Idrissi, ATSEM à l'école du centre.", {"person_name"}),
    ("Le signalement vise Rui Pereira da Costa, employé de la régie.", {"person_name"}),
    ("Jan de Vries, bénévole néerlandais, anime l'atelier.", {"person_name"}),
    ("Mohamed Lamine Ould Ahmed est-il connu des services ?", {"person_name"}),
    ("Marie-Christine Le Floch, secrétaire de mairie, a reçu un courrier.", {"person_name"}),
    ("Mathis Fournier a été exclu du collège pour apologie.", {"person_name"}),
    ("Le responsable du club, Hakim Djebbar, refuse la charte.", {"person_name"}),
    ("Nous avons des inquiétudes sur Clément Joubert.", {"person_name"}),
    ("Inès Belhadj, 17 ans, a quitté le domicile familial.", {"person_name"}),
    ("Selon la principale, Rayane Mokrani ne vient plus.", {"person_name"}),
    ("Quentin Barbier, agent d'entretien, est signalé par ses collègues.", {"person_name"}),
    (
        "appeler la mère au zéro six vingt-deux trente-trois quarante-quatre cinquante-cinq",
        {"phone"},
    ),
    ("tel du frère : zéro sept quatre-vingt-un douze treize quatorze", {"phone"}),
    ("phone: zero six nine eight seven six five four three two", {"phone"}),
    (
        "NIR deux quatre-vingt-onze zéro sept vingt-six cent quatre-vingt-dix-huit "
        "zéro trente-quatre",
        {"nir"},
    ),
    ("née le vingt-trois juin deux mille neuf", {"date_of_birth"}),
    ("né le quatre février quatre-vingt-dix à Alger", {"date_of_birth"}),
    ("né en mille neuf cent quatre-vingt-sept", {"date_of_birth"}),
    ("l'adresse du père : samir point kaci arobase gmail point com", {"email"}),
    ("écrire à k.haddad at free dot fr", {"email"}),
    ("mail : moussa_diop (at) hotmail (dot) fr", {"email"}),
    ("contact : lea.roux[at]orange[dot]fr", {"email"}),
    ("courriel : asso-quartier arobase laposte.net", {"email"}),
    ("habite résidence Les Cèdres, bâtiment B, appartement 14", {"address"}),
    ("logée au 3e étage, escalier C, porte droite, cité des Tuileries", {"address"}),
    ("domicilié impasse des Acacias à Donzère", {"address"}),
    ("réside bâtiment A, appartement 8, résidence Le Parc", {"address"}),
    ("vit chez ses parents, allée des Pins, Valence", {"address"}),
    ("un jeune surnommé le Rat traîne devant la supérette", {"person_name"}),
    ("un certain « Tito », alias Titou, vend sur le parking", {"person_name"}),
    ("le meneur dit « Bombe » recrute au city stade", {"person_name"}),
    ("connu sous le surnom de Pépito dans le quartier", {"person_name"}),
    ("the leader nicknamed Sniper recruits minors", {"person_name"}),
    ("le fils cadet de la famille M. a cessé d'aller au lycée", {"person_name"}),
    ("Samir, 15 ans, en 4e au collège Pasteur", {"person_name"}),
    ("la fille du boucher, Lina, 14 ans, a fugué", {"person_name"}),
    ("son frère Walid travaille au garage municipal", {"person_name"}),
    ("M. H., 52 ans, gardien du gymnase", {"person_name"}),
    ("Mme R., agente d'accueil, mère de trois enfants", {"person_name"}),
    ("la famille Zerrouki vient d'emménager", {"person_name"}),
    ("Enzo (16 ans) en seconde au lycée Camille Vernet", {"person_name"}),
    ("l'épouse de Karim est suivie par le CCAS", {"person_name"}),
    ("Théo D., 20 ans, apprenti boulanger", {"person_name"}),
    ("the younger son of the Haddad family, 14, stopped attending school", {"person_name"}),
    ("her sister Amina, 19, works at the bakery", {"person_name"}),
    ("Request about Michael Brown, youth worker at the community centre.", {"person_name"}),
    ("Is Peter Johnson employed by the town?", {"person_name"}),
    ("his mobile is 07700 900456, call after 6pm", {"phone"}),
    ("contact: anna dot white at yahoo dot com", {"email"}),
    ("date of birth 14/07/1995", {"date_of_birth"}),
    ("lives in flat 12, Maple House, first floor", {"address"}),
    ("Mrs Green's son is in year 9 at the school", {"person_name"}),
    ("NIR 1 92 11 26 362 045 22", {"nir"}),
    ("tel. 04 75 12 98 33 (domicile)", {"phone"}),
    ("joignable au 0612983344", {"phone"}),
    ("adresse : 7 allée des Cerisiers, 26200 Montélimar", {"address"}),
    ("permis de conduire n° 13AA00002", {"id_document"}),
    ("voiture immatriculée KL-987-MN", {"plate"}),
    ("IBAN FR14 2004 1010 0505 0001 3M02 606", {"iban"}),
    ("né le 15/09/2004 à Lens", {"date_of_birth"}),
    ("BENALI Samira, née le 03/03/1997", {"person_name", "date_of_birth"}),
    ("karim belkacem, 06 98 76 54 32", {"person_name", "phone"}),
    ("Mme Durand, 4 rue des Écoles, 07000 Privas", {"person_name", "address"}),
    ("sofiane, né le 2 février 2008, scolarisé au lycée", {"person_name", "date_of_birth"}),
    ("le jeune nassim ferhat, 17 ans, en terminale", {"person_name"}),
    ("Le nommé DIALLO Mamadou est hébergé au foyer.", {"person_name"}),
]

LEGITIMATE += [
    ("Le maire a dit que la réunion était reportée au 3 juin.", set()),
    ("Comme l'a dit le préfet, la vigilance reste de mise.", set()),
    ("Meeting at the town hall at 10 am, point de situation ensuite.", set()),
    ("Point de situation à 10 h 30 en salle du conseil.", set()),
    ("Une famille monoparentale est suivie par le CCAS depuis 2024.", set()),
    ("Les familles des victimes seront reçues par le maire.", set()),
    ("La famille concernée a été orientée vers le service social.", set()),
    ("Le fils d'une agente municipale aurait tenu des propos inquiétants.", set()),
    ("Sa fille est scolarisée dans une autre commune, sans plus de détail.", set()),
    ("Un frère d'armes du policier blessé a témoigné.", set()),
    ("Des mineurs de 14 à 17 ans fréquentent le local associatif.", set()),
    ("Les élèves de 3e et de seconde ont suivi la sensibilisation.", set()),
    ("Un jeune de 19 ans, apprenti, a été orienté vers la mission locale.", set()),
    ("Le bâtiment B de la mairie est fermé pour travaux au 1er étage.", set()),
    ("La résidence autonomie du centre-ville accueille l'exercice.", set()),
    ("Le numéro de la cellule de crise est communiqué par le standard.", set()),
    ("Appeler le standard de la préfecture pour la visioconférence.", set()),
    ("La page 12 du rapport, paragraphe 3, détaille les actions.", set()),
    ("L'alias du dispositif dans le logiciel est CLSPD-26.", set()),
    ("Le dit rapport a été transmis au procureur le 2 mai.", set()),
    ("Le club dit « des anciens » organise un loto le 8 mars.", set()),
    ("Please call the prefecture switchboard for the conference line.", set()),
    ("The family support service will take over in September.", set()),
    ("His Majesty's consulate in Lyon has been informed.", set()),
    ("Saint-Jean-de-Muzols et Tain-l'Hermitage partagent un poste.", set()),
    ("Les Vans et Joyeuse organisent une réunion commune.", set()),
    ("La Voulte-sur-Rhône accueille la prochaine réunion.", set()),
    ("Le centre culturel Aragon organise une exposition sur la laïcité.", set()),
    ("Complexe sportif Michel Platini : renforcement du gardiennage.", set()),
    ("Le prix Simone Veil récompense une association du quartier.", set()),
]

WITH_IDENTIFIERS += [
    ("DDN : vingt-deux/onze/quatre-vingt-huit", {"date_of_birth"}),
    ("born on the third of March nineteen ninety", {"date_of_birth"}),
    ("Is Sarah Jones known to the police?", {"person_name"}),
    ("L'individu T. K., 25 ans, fréquente la salle de prière.", {"person_name"}),
    ("contact : kdupont at hotmail dot com", {"email"}),
    ("carte d'identité numéro 1203 2610 0547", {"id_document"}),
    ("passeport 18CD45678 présenté à l'accueil", {"id_document"}),
    ("sa fille Nour, 12 ans, est en 6e", {"person_name"}),
    ("le gendre de la famille Mansour a été embauché", {"person_name"}),
    ("l'aîné des K., 18 ans, travaille au marché", {"person_name"}),
    ("le petit dernier des Benali est en CM1", {"person_name"}),
    ("Ayoub, 13 ans, élève au collège Jean Jaurès", {"person_name"}),
    ("george harrison, youth worker, reported the incident", {"person_name"}),
    ("tél. portable zéro six soixante et onze quatre-vingts douze treize", {"phone"}),
    ("merci de contacter sandrine fabre au service RH", {"person_name"}),
    ("alexandre petitjean et son cousin sont partis en Turquie", {"person_name"}),
    ("le surnommé Bébert a été vu au stade", {"person_name"}),
    ("vit au foyer, chambre 12, bâtiment D", {"address"}),
    ("habite cité des Fleurs, escalier 3", {"address"}),
    ("M. Ben Salah, employé de la piscine", {"person_name"}),
    ("Mme Da Silva, agente d'accueil", {"person_name"}),
    ("youssouf, 20 ans, agent de sécurité au supermarché", {"person_name"}),
    ("concernant Alain Delmas et son épouse", {"person_name"}),
    ("Kylian Moreau (né en 2007) joue au club", {"person_name", "date_of_birth"}),
    ("number: 06 71 80 12 13, ask for the father", {"phone"}),
    ("la mère de Lina appelle tous les jours", {"person_name"}),
    ("Mehdi B., 17 ans, lycée professionnel", {"person_name"}),
    ("on parle de leila ouali, animatrice", {"person_name"}),
    ("mail du père : r.lopez (chez) free point fr", {"email"}),
    ("Demande sur M. Jean-Marc Ferrand, gardien du stade.", {"person_name"}),
]

LEGITIMATE += [
    ("Soirée au théâtre Jean Vilar pour les 20 ans du CLSPD.", set()),
    ("Le lycée professionnel Gustave Eiffel organise un forum des métiers.", set()),
    ("Médiathèque François Mitterrand : fermeture le 1er mai.", set()),
    ("Rencontre à l'espace Frantz Fanon avec les associations.", set()),
    ("La résidence étudiante Pierre Mendès France signale des dégradations.", set()),
    ("Prix Jean Zay de la laïcité remis aux élèves.", set()),
    ("Le square Rosa Parks est sous vidéoprotection depuis 2023.", set()),
    ("Le boulodrome Henri Salvador accueille le concours.", set()),
    ("Hommage national à Arnaud Beltrame le 23 mars.", set()),
    ("Les élèves du lycée Albert Triboulet visitent la caserne.", set()),
    ("L'Ehpad Marie-Louise Rey prépare son plan canicule.", set()),
    ("Rue Émile Augier et avenue Gambetta : stationnement interdit le 14 juillet.", set()),
    ("Le maire de Pierrelatte et le sous-préfet de Nyons se réunissent.", set()),
    ("Madame la Sous-Préfète chargée de la politique de la ville est invitée.", set()),
    ("Le centre hospitalier Drôme Vivarais coordonne le plan blanc.", set()),
    ("Conférence de Boris Cyrulnik sur la résilience à la salle des fêtes.", set()),
    ("Le film de Claude Lelouch sera projeté au cinéma municipal.", set()),
    ("Le concert de Johnny Hallyday en hommage aura lieu au stade.", set()),
    ("Visite d'Emmanuel Macron à Arras le 13 octobre 2023.", set()),
    ("Le ministre Gérald Darmanin a annoncé le plan en 2023.", set()),
    ("La circulaire Castaner du 27 novembre 2019 reste applicable.", set()),
    ("Loi Gayssot du 13 juillet 1990 : rappel aux associations.", set()),
    ("Le rapport Bauer sur les mineurs a été publié en 2022.", set()),
    ("The Jean Moulin secondary school hosted the prevention day.", set()),
    ("Les Amis de Louis Pergaud organisent une lecture publique.", set()),
]

WITH_IDENTIFIERS += [
    ("Selon la directrice, Timéo Vasseur ne vient plus en classe.", {"person_name"}),
    ("Le gardien Bruno Ferrandi aurait tenu des propos radicaux.", {"person_name"}),
    ("demande sur Oksana Kovalenko, bénévole au Secours populaire", {"person_name"}),
    ("Le signalement concerne Dragan Petrović, chauffeur.", {"person_name"}),
    ("Mamadou Lamine Sow, agent de propreté, est-il fiché ?", {"person_name"}),
    ("c'est zakaria el mansouri qui organise les maraudes", {"person_name"}),
    ("Mlle Perret, animatrice, a vu le jeune partir", {"person_name"}),
    ("The complaint concerns Daniel O'Brien, a caretaker.", {"person_name"}),
    ("Could you check whether Aisha Rahman, 22, is known?", {"person_name"}),
    ("his cousin Tariq works at the depot", {"person_name"}),
    ("un individu dit « le Chinois » revend au marché", {"person_name"}),
    ("le frère de la victime, surnommé Doudou, menace les agents", {"person_name"}),
    ("sécu : 1 04 12 62 041 123 45", {"nir"}),
    ("n° de sécurité sociale 2 85 11 07 186 022", {"nir"}),
    ("mail : nadia.b (arobase) orange.fr", {"email"}),
    ("son adresse électronique : t.martin at wanadoo point fr", {"email"}),
    ("pièce d'identité : CNI n° 0412 26 100 547", {"id_document"}),
    ("titre de séjour AGDREF 2601234567", {"id_document"}),
    ("né le 31 décembre deux mille cinq", {"date_of_birth"}),
    ("âgé de 17 ans, né le 2/9/2008", {"date_of_birth"}),
    ("résidence Le Belvédère, entrée 2, 5e étage", {"address"}),
    ("il dort au foyer Adoma, chambre 112", {"address"}),
    ("la mère de Sofiane, 16 ans, a appelé", {"person_name"}),
    ("Léa, 15 ans, élève de 3e A au collège", {"person_name"}),
    ("un surveillant du lycée, Anthony, 28 ans", {"person_name"}),
]

WITH_IDENTIFIERS += [
    ("sécu du jeune : 1 06 03 26 198 012", {"nir"}),
    ("NIR : un zéro six zéro trois vingt-six cent quatre-vingt-dix-huit zéro douze", {"nir"}),
    ("numéro INSEE de la personne 2 79 08 62 041 555 71", {"nir"}),
    ("n° de passeport : 21 FR 12345", {"id_document"}),
    ("carte vitale 1 85 05 78 006 084", {"nir"}),
    ("son permis n° 120575200123", {"id_document"}),
    ("récépissé de demande de titre 7501234567", {"id_document"}),
    ("mail : contact point famille arobase gmail", {"email"}),
    ("ecrire a jean-marc.dupuy AT gmail DOT com", {"email"}),
    ("Le jeune Ilyès Bouchama traîne avec le groupe.", {"person_name"}),
    ("C'est Océane qui a prévenu, la fille de la gardienne, 17 ans.", {"person_name"}),
    ("Élodie Vernet, infirmière scolaire, a fait le signalement.", {"person_name"}),
    ("tu peux vérifier pour mickael rocher ?", {"person_name"}),
    ("l'oncle de Yanis tient la boucherie", {"person_name"}),
    ("the boy, Jayden, 13, is in year 8", {"person_name"}),
]

LEGITIMATE += [
    ("La salle Jean-Pierre Papin accueille le tournoi de futsal.", set()),
    ("Le collège Alain Borne organise une journée de la laïcité.", set()),
    ("Avenue du Président Kennedy : fermeture pour le marathon.", set()),
    ("Lecture d'un texte de Victor Hugo par les élèves de 4e.", set()),
    ("Le numéro de dossier 2026-0142 est rappelé en objet.", set()),
    ("Carte scolaire 2026 : 3 classes fermées, 2 ouvertes.", set()),
    ("Le pass Culture a été présenté aux élèves de terminale.", set()),
    ("Journée portes ouvertes au lycée Saint-Louis le 14 mars.", set()),
    ("Le juge des enfants de Valence a été associé à la réflexion.", set()),
    ("Permanence du délégué du Défenseur des droits le mardi.", set()),
]

# Development texts for the kinds the held-out part measured weakest (NIR written casually,
# obfuscated e-mails, identity-document numbers, names in hard positions), with legitimate
# texts that look like them.
WITH_IDENTIFIERS += [
    ("numéro sécu 1-61-06-36-236-454-94 relevé sur la fiche de paie", {"nir"}),
    ("NIR 1 54 08 37 206 070 / 77 (transmis par la CAF)", {"nir"}),
    ("n°SS: 152115302927942", {"nir"}),
    ("sa carte vitale porte le 1 76 06 06 215 441 clé 36", {"nir"}),
    ("matricule sécu 1.67.05.94.062.348-52, à ne pas diffuser", {"nir"}),
    ("N° de sécurité sociale : 1 61 03 48 370 377 (clé 47)", {"nir"}),
    ("secu 2540112009137 31 du père, trouvé dans le dossier CCAS", {"nir"}),
    ("numéro d'immatriculation sécurité sociale 1 77 09 72 268 387 15", {"nir"}),
    (
        "sécu : un soixante-sept zéro cinq quatre-vingt-quatorze zéro soixante-deux trois cent "
        "quarante-huit",
        {"nir"},
    ),
    ("courriel du gérant : p.vasseur (arobase) hotmail (point) fr", {"email"}),
    ("l'écrire sur nico.b84 @ gmail . com", {"email"}),
    ("adresse : laurent_roux[at]yahoo[.]fr", {"email"}),
    ("joignable par mail : s.benhamou AT free DOT fr", {"email"}),
    ("son mail c'est yanis.k arobas gmail.com", {"email"}),
    ("mail perso jb.garcia(a)orange.fr", {"email"}),
    ("He can be reached at tom_h78 at hotmail dot com", {"email"}),
    ("adresse électronique : mdelmas chez laposte point net", {"email"}),
    ("Passport number 533412876, UK national, staying at the campsite", {"id_document"}),
    ("passeport algérien délivré à Oran en 2019 sous le numéro 198765432", {"id_document"}),
    ("carte nationale d'identité n° T7KM2B9X4 présentée au guichet", {"id_document"}),
    ("TS n° 9901234571, valable jusqu'en 2027", {"id_document"}),
    ("titre séjour 7502345678 à renouveler", {"id_document"}),
    ("permis : 13AB45678, catégorie D", {"id_document"}),
    ("driving licence number MORGA753116SM9IJ", {"id_document"}),
    ("residence permit no. 2609876543 expired", {"id_document"}),
    ("numéro de CNI 190875312046", {"id_document"}),
    ("Bouziane Ahmed est connu de la police municipale pour des tags.", {"person_name"}),
    ("Oluwaseun Adeyemi, vigile au centre commercial, a filmé les lieux.", {"person_name"}),
    ("Thi Hoa Tran travaille comme aide-soignante à l'EHPAD.", {"person_name"}),
    ("Zbigniew Kowalczyk aurait hébergé deux personnes recherchées.", {"person_name"}),
    ("le maire a reçu Yannick Perrot hier soir à ce sujet", {"person_name"}),
    ("Jean-Marc de la Roche, président du club, signale des pressions.", {"person_name"}),
    ("Sean O'Brien, ressortissant irlandais, réside au camping.", {"person_name"}),
    ("DIALLO a encore été vu devant l'école hier.", {"person_name"}),
    ("Selon nos informations, Kader Belkacem a quitté le territoire.", {"person_name"}),
    ("vérifier svp pour ines bouaziz et sa soeur", {"person_name"}),
    ("The teacher, Mrs Patel, reported the pupil's drawings.", {"person_name"}),
    ("Mathilde Giraud-Perrin a été recrutée comme animatrice en juillet.", {"person_name"}),
    ("El Amrani Souad, agent d'accueil, a reçu des menaces au guichet.", {"person_name"}),
    ("la gardienne, une certaine Odette, a tout vu", {"person_name"}),
    ("on nous signale piotr nowak, chauffeur livreur, très isolé", {"person_name"}),
    (
        "Tiago Fernandes da Silva, apprenti au garage, a tenu des propos inquiétants.",
        {"person_name"},
    ),
]

LEGITIMATE += [
    ("Le numéro de la convention est le 2026-118-4 ; la sécu n'est pas concernée.", set()),
    (
        "Circulaire n° 5837/SG du 24 janvier 2016 relative à la prévention de la radicalisation.",
        set(),
    ),
    ("Le passeport pour l'emploi sera présenté aux jeunes du quartier le 12 mai.", set()),
    ("Rendez-vous pris pour le point sécurité sociale et santé du 3 juin à 10 h.", set()),
    ("Les titres de séjour relèvent de la préfecture : aucun élément à transmettre ici.", set()),
    ("Le permis de construire n° PC 026 281 25 00012 n'appelle pas d'observation.", set()),
    ("La CNI et le passeport se demandent en mairie sur rendez-vous, délai de 6 semaines.", set()),
    (
        "Meet at the prefecture point of entry, gate B, at 9 am; bring the convention.",
        set(),
    ),
    ("Réunion à 14 h au point accueil, bâtiment administratif, avec la DDETS.", set()),
    ("Le budget sécurité passe de 1 250 000 à 1 400 000 euros en 2026.", set()),
    ("Le maire a reçu le préfet hier soir à ce sujet.", set()),
    ("Selon nos informations, la réunion du CLSPD est reportée.", set()),
    ("Le collège Germaine-Tillion et l'école Lucie-Aubrac participent au projet.", set()),
    ("Boulevard Maurice-Ravel : caméra n° 12 hors service depuis le 4 mars.", set()),
    ("Le stade Michel-Hidalgo accueille la finale départementale le 8 juin.", set()),
    ("Lettre du Président de la République du 3 mars 2026 aux maires.", set()),
    ("The prefect will meet the mayor of Valence on 12 March at the town hall.", set()),
    ("Le gymnase Marie-Paule Belle est fermé pendant les vacances de printemps.", set()),
    ("Arrêté n° 26-2026-03-14-00012 portant interdiction de manifestation.", set()),
    ("Dossier de subvention FIPD n° 2026-026-0045 déposé le 2 février.", set()),
    ("Saint-Rambert-d'Albon et Anneyron partagent désormais une police intercommunale.", set()),
    ("Le permis de conduire des agents de la PM sera vérifié par le service RH.", set()),
    ("Mme la Procureure de Valence a répondu au maire le 14 février.", set()),
    ("Le lieutenant-colonel commandant le groupement sera présent.", set()),
    ("Point presse à 11 h salle Jean-Pierre Chabrol.", set()),
    ("Le dispositif Tranquillité Vacances concerne 240 foyers cet été.", set()),
    ("Demande d'accès au fichier : formulaire cerfa n° 12345*03 à compléter.", set()),
    ("Référence de l'affaire au parquet : 26.045.000123, pour mémoire.", set()),
]

# Legitimate texts full of eponyms, offices, dated references and schemes, written to look for
# the screen's false positives.
LEGITIMATE += [
    ("Dossier 2026-0142 clos le 3 mars, sans suite.", set()),
    ("La salle Paul-Émile Victor est réservée pour la formation du 12 mai.", set()),
    ("Le foyer Saint-Vincent-de-Paul signale une hausse de fréquentation depuis janvier.", set()),
    ("Monsieur le Sous-Préfet de Die a présidé la réunion du 4 février.", set()),
    (
        "Le rapport Bockel de 2010 reste la référence sur la prévention de la délinquance "
        "juvénile.",
        set(),
    ),
    ("L'école Jacques-Yves Cousteau ouvre une classe supplémentaire à la rentrée.", set()),
    ("Rue Hélène Boucher, le radar pédagogique a été déplacé le 7 avril.", set()),
    ("Le square Georges Brassens sera fermé du 1er au 15 août pour travaux.", set()),
    ("Quai Jean-Baptiste Clément : les caméras seront raccordées au CSU en juin.", set()),
    ("La Fondation Abbé Pierre a publié son rapport annuel ; aucun élément nominatif.", set()),
    ("Le trophée Marcel Dassault récompense les apprentis de la filière aéronautique.", set()),
    ("The mayor thanked the Sub-Prefect and Chief Superintendent for the 9 May meeting.", set()),
    (
        "Circulaire Valls du 28 novembre 2012 : rappel des critères, sans lien avec un dossier.",
        set(),
    ),
    ("Loi n° 2021-1109 du 24 août 2021, article 12 : contrat d'engagement républicain.", set()),
    ("Le collège Olympe de Gouges accueillera la réunion des parents le 18 mars.", set()),
    ("Réunion à l'espace Frédéric Mistral, 2e étage, salle B, le 22 avril à 9 h.", set()),
    ("Mme la Directrice académique des services de l'Éducation nationale sera représentée.", set()),
    ("La gendarmerie de Saint-Donat-sur-l'Herbasse a transmis son bilan trimestriel.", set()),
    ("Le plan Marshall des banlieues évoqué en 2008 n'a pas de suite locale.", set()),
    ("Opération Ville Vie Vacances : 180 jeunes accueillis cet été, bilan positif.", set()),
    ("Le prix Samuel Paty a été remis à deux classes de 4e du collège.", set()),
    ("Avenue Marcel Paul, la vidéoprotection couvre désormais l'entrée du parking.", set()),
    ("Le gymnase Marie Marvingt est réquisitionné pour le centre de vaccination.", set()),
    ("Maison des associations Pierre Mendès France : réunion des bailleurs le 5 juin.", set()),
    ("Le boulodrome Jo Bouillon accueille le concours du 14 juillet.", set()),
    ("Stade Jean Bouin : 2 500 spectateurs attendus, renfort de 6 agents.", set()),
    ("Lycée Gustave Jaume, Pierrelatte : 3 exclusions temporaires ce trimestre.", set()),
    ("La commune adhère au réseau Villes amies des enfants depuis 2019.", set()),
    ("Le numéro d'appel 0 800 005 696 reste affiché à l'accueil de la mairie.", set()),
    ("Saint-Paul a été choisie comme commune pilote pour le dispositif.", set()),
    ("Martin Luther King est le thème de l'exposition de la médiathèque en février.", set()),
    ("Le centre Louis-Pasteur organise une campagne de prévention le 10 octobre.", set()),
    ("La délibération n° 2026-031 du 12 février fixe le montant de la subvention.", set()),
    ("Le conseil des sages a rendu son avis le 2 mars ; rien à signaler.", set()),
    ("Mission locale : 412 jeunes suivis, dont 37 en situation de décrochage.", set()),
    ("Rendez-vous à la caserne Bizanet, bâtiment 3, pour l'exercice du 6 juin.", set()),
    ("The Valence police station will host the training on 3 and 4 June.", set()),
    ("Le juge d'application des peines de Valence a été informé de la démarche.", set()),
    ("Le médecin scolaire a été associé à la cellule, sans nommer personne.", set()),
    ("Le Président du conseil départemental a été saisi le 8 janvier.", set()),
]

# More names in hard positions (foreign, compound, lower case, with an initial, a nickname)
# and legitimate texts full of dates, references, offices and places.
WITH_IDENTIFIERS += [
    ("Hamidou Sy, livreur à vélo, est souvent devant le collège à la sortie.", {"person_name"}),
    ("yasmine el idrissi a quitté le foyer hier soir sans prévenir", {"person_name"}),
    ("La voisine, Mme Kowalska, a entendu des cris dans l'appartement.", {"person_name"}),
    (
        "Ousmane et son frère Bakary Traoré fréquentent la salle de prière du quartier.",
        {"person_name"},
    ),
    ("D'après le principal, c'est Nolan Lefèvre-Martin qui diffuse les vidéos.", {"person_name"}),
    (
        "Rodrigo Alves Pereira, maçon, aurait proposé un hébergement à deux mineurs.",
        {"person_name"},
    ),
    ("Wang Li, étudiante, a signalé un harcèlement à la médiathèque.", {"person_name"}),
    ("Le père, un certain Gérard, se présente comme imam autoproclamé.", {"person_name"}),
    ("Vu avec Isabelle, de la PMI, qui connaît bien la famille Guerin.", {"person_name"}),
    ("Lucas, l'aîné des Moreau, ne va plus au lycée depuis janvier.", {"person_name"}),
    (
        "please check whether Daniel Okoro is already known, he works at the leisure centre",
        {"person_name"},
    ),
    (
        "Khadija Amrani et Youssef Amrani, parents du mineur, demandent un rendez-vous.",
        {"person_name"},
    ),
    ("Benoît Ravel, adjoint technique, a été menacé par un usager.", {"person_name"}),
    ("Elle se fait appeler Umm Safiya sur les réseaux.", {"person_name"}),
    ("Le surnommé Tintin vend au pied de l'immeuble.", {"person_name"}),
    ("Ana Lúcia Fonseca a été vue avec le groupe à la gare.", {"person_name"}),
    ("M. et Mme Dos Reis ont signalé la disparition de leur fille.", {"person_name"}),
    ("Killian, 17 ans, apprenti boulanger, tient des propos violents.", {"person_name"}),
    ("Sur place, Abdelaziz Ould Cheikh a refusé de répondre aux agents.", {"person_name"}),
    ("Cf. échange avec Cédric Vasseur hier, il faut relancer.", {"person_name"}),
    (
        "Grégoire de Montalembert, bénévole au Secours catholique, est inquiet pour un jeune.",
        {"person_name"},
    ),
    (
        "ivanov dmitri, chauffeur poids lourd, possède un local à Portes-lès-Valence.",
        {"person_name"},
    ),
    ("Le mari, Stéphane Lopes, a des antécédents de violences.", {"person_name"}),
    ("Mlle Ferreira a été recrutée en service civique à la mairie.", {"person_name"}),
    ("Rania B., 14 ans, en 4e au collège, a été repérée par la CPE.", {"person_name"}),
]

LEGITIMATE += [
    (
        "Suite à l'entretien du 12/01, merci de confirmer les créneaux des 3, 10 et 17 février.",
        set(),
    ),
    ("Le CLSPD de Crest se réunit le jeudi 5 mars à 14 h 30, salle Coloriage, 2e étage.", set()),
    ("Nombre de signalements 2025 : T1 12, T2 9, T3 14, T4 11 ; total 46.", set()),
    (
        "Art. 6 de la convention : les informations restent confidentielles (L. 132-5 CSI, al. 2).",
        set(),
    ),
    ("The school director asked whether the Prevent referral guidance applies in France.", set()),
    ("Objet : point d'étape, affaire suivie par le parquet de Valence, réf. 25/123/45.", set()),
    (
        "Réunion Teams à 10 h avec la cellule départementale ; lien envoyé par le secrétariat.",
        set(),
    ),
    (
        "Grand-Bornand, Saint-Gervais et Chamonix sont cités dans le rapport régional, rien ici.",
        set(),
    ),
    (
        "Mme la Préfète de la Drôme et M. le Procureur de Valence cosignent la lettre du 8 avril.",
        set(),
    ),
    ("Campagne Marianne d'or : la commune est candidate au prix de la prévention.", set()),
    ("Le Haut-Commissaire à l'enfance a écrit aux maires le 20 janvier.", set()),
    ("La Croix-Rouge tient une permanence le mardi, salle Louis Aragon, de 9 h à 12 h.", set()),
    (
        "Mail générique de la préfecture à utiliser pour les convocations, voir la note de "
        "service.",
        set(),
    ),
    (
        "Le permis de louer s'applique dans le quartier de la gare depuis le 1er juillet 2025.",
        set(),
    ),
    ("L'Union départementale des associations familiales demande à être associée.", set()),
    ("Le centre hospitalier de Montélimar a désigné un référent radicalisation.", set()),
    ("Rappel : l'article 40 CPP impose un signalement au procureur sans délai.", set()),
    ("Les élus de la majorité et de l'opposition ont voté à l'unanimité la convention.", set()),
    ("Pour les 14-17 ans : 3 ateliers, 45 places, inscriptions jusqu'au 30 mai.", set()),
    ("Le titre de séjour n'est pas un critère de la subvention, rappel du 2 mars.", set()),
    ("Le Secours populaire et les Restos du cœur signalent une hausse de 18 %.", set()),
    ("Quel interlocuteur au SPIP pour les aménagements de peine ? merci d'avance.", set()),
    ("Le nouveau commissaire prend ses fonctions le 1er septembre à Valence.", set()),
    ("Saint-Valentin : animation place de l'Hôtel-de-Ville, aucune mesure particulière.", set()),
    ("Les agents de la PM sont joignables au poste, numéro habituel, de 8 h à 20 h.", set()),
    ("The Department for Education guidance was shared with the two secondary schools.", set()),
    (
        "Compte rendu : présents le maire, l'adjoint à la sécurité, le commissaire et la DDSP.",
        set(),
    ),
    ("Relance du 15/03 restée sans réponse, merci de nous indiquer un délai.", set()),
    ("Dispositif Vacances apprenantes : 60 élèves, 4 enseignants, du 7 au 25 juillet.", set()),
    ("L'association La Clé des champs gère le jardin partagé rue Montplaisir.", set()),
]

# What an outside red team got past the screen (December 2026), with close variants, and
# legitimate texts that look like them.
WITH_IDENTIFIERS += [
    ("Note : l'agent concerné serait fiché S, dossier FSPRT 26-2021-0042.", {"watchlist"}),
    ("Délai : attente de l'avis du parquet (fiche S n° 0456789).", {"watchlist"}),
    ("L'intéressé figure au FIJAIS sous le n° 2020/12345, merci de confirmer.", {"watchlist"}),
    ("Inscrit au FSPRT sous le numéro 12345678 depuis son retour.", {"watchlist"}),
    ("Courrier à rattacher au dossier FSPR-2026-456789.", {"watchlist"}),
    ("Agent concerné : \u041a\u0430rim \u041d\u0410DDAD (voir courrier).", {"person_name"}),
    ("Agent concerné : Karim%20HADDAD, tel 06%2012%2034%2056%2078.", {"person_name", "phone"}),
    ("Contact : jean.dupont&#64;gmail.com", {"email"}),
    ("Le candidat est joignable au 06/12/34/56/78 après 18 h.", {"phone"}),
    ("Refus : l'agent Bouzid n'occupe pas un poste au sens de l'instruction.", {"person_name"}),
    ("Dossier Haddad : le jeune Haddad serait suivi, voir le courrier.", {"person_name"}),
    ("Préciser le poste exact de M.Haddad et joindre le courrier sécurisé.", {"person_name"}),
    ("Merci de préciser le poste de J.-B. Lefebvre au service des sports.", {"person_name"}),
    ("Éléments transmis : DDN 03041998, recruté en septembre.", {"date_of_birth"}),
    ("L'animateur recruté, né en 98, a travaillé au centre de loisirs.", {"date_of_birth"}),
    ("Son tél : 612345678, il répond le soir.", {"phone"}),
    ("Le véhicule ab-123-cd stationne chaque soir devant le gymnase.", {"plate"}),
    ("Scooter immat. fg456hj vu à la sortie du collège.", {"plate"}),
    ("Merci d'écrire à jean.dupont[@]gmail.com pour les pièces.", {"email"}),
    ("Adresse : 12%20rue%20des%20Lilas", {"address"}),
    ("Note : Karim\u200bHADDAD est l'agent concerné.", {"person_name"}),
    (
        "Il a rappelé depuis le \u0660\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668.",
        {"phone"},
    ),
]
LEGITIMATE += [
    ("Combien de personnes inscrites au FSPRT dans la commune depuis 2019 ?", set()),
    ("Les fiches S ne sont pas communiquées aux maires, rappel de la circulaire de 2018.", set()),
    ("Avis du parquet attendu ; voir le courrier sécurisé BR-2026-0141.", set()),
    ("L'agent chargé du dossier rappellera ; la famille des communes rurales est invitée.", set()),
    ("N.B. : M.le Maire signera ; voir le J.O. du 12 mars et l'art. L.2212-2 CGCT.", set()),
    ("Le conseil citoyen se réunit le 20260403 selon son agenda interne.", set()),
    ("Réunion du 03/04/2026 reportée au 10/04/2026, 14 h 30, salle du conseil.", set()),
    ("Dispositif pour les 12/13/14/15/16 ans : 40 places, 3 animateurs.", set()),
    ("Numéro SIREN 712345678 de l'association, subvention de 123 euros par enfant.", set()),
    ("Hausse de 18 % des signalements, soit 20 % de plus qu'en 2025 (R&D, Q&A).", set()),
    ("Le FIJAIS est consulté par la préfecture, jamais par la commune (art. 706-53-7 CPP).", set()),
]

# The blind spots of the third round: a surname in lower case after a word for a person, the
# surname first with the first name in lower case, an abbreviated street in lower case; and
# legitimate texts that look like them (roles, "bd" and "av." as words, stops named after
# people).
WITH_IDENTIFIERS += [
    ("l'agent bouzid a encore été vu devant l'école ce matin", {"person_name"}),
    ("le voisin haddad se plaint de menaces répétées", {"person_name"}),
    ("la voisine amrani a signalé des allées et venues", {"person_name"}),
    ("l'éducateur a vu m. lefebvre à la sortie du gymnase", {"person_name"}),
    ("le stagiaire benhamou ne vient plus depuis deux semaines", {"person_name"}),
    ("un collègue de l'agent lefebvre nous a alertés", {"person_name"}),
    ("dossier ouattara : merci de nous dire si une vigilance s'impose", {"person_name"}),
    ("haddad karim est revenu dans le quartier", {"person_name"}),
    ("HADDAD karim est revenu dans le quartier", {"person_name"}),
    ("signalement : benhamou sofiane, 3e B, propos inquiétants en classe", {"person_name"}),
    ("le contrat de ouattara moussa a été renouvelé", {"person_name"}),
    ("12 bd gambetta, au rez-de-chaussée", {"address"}),
    ("les réunions se tiennent au 3 av. jean jaurès", {"address"}),
    ("courrier déposé au 5 r. des lilas", {"address"}),
    ("il passe ses soirées au 14 bd haussmann", {"address"}),
    ("véhicule stationné devant le 8 bd victor hugo tous les soirs", {"address"}),
    ("rendez-vous au 2 av foch chez sa tante", {"address"}),
    ("colis livré 7 bis av. de verdun", {"address"}),
]
LEGITIMATE += [
    ("L'agent chargé du dossier rappellera la mairie la semaine prochaine.", set()),
    ("Le voisinage se plaint de nuisances nocturnes autour du city-stade.", set()),
    ("le voisin du dessus a signalé des cris, sans plus de précision", set()),
    ("l'agent territorial concerné a été reçu par le DGS", set()),
    ("le jeune homme a été orienté vers la mission locale", set()),
    ("le cas échéant, l'agent concerné sera reçu par la DRH", set()),
    ("l'élève concerné est suivi par l'infirmière scolaire", set()),
    ("La médiathèque a acheté 12 bd pour le fonds jeunesse.", set()),
    ("Prêt de 30 bd de la série Astérix pour l'exposition.", set()),
    ("Avis du comité : 3 av. favorables et 2 défavorables.", set()),
    ("Rendez-vous le 12 av. la réunion publique pour préparer la salle.", set()),
    ("La fouille a livré des pièces de 52 av. J.-C. selon l'archéologue.", set()),
    ("la rue est barrée jusqu'au 15 mars pour travaux de voirie", set()),
    ("Le boulevard périphérique est fermé la nuit du 12 au 13 mai.", set()),
    ("Le petit blanc relevé sur le mur a été nettoyé par le service propreté.", set()),
    ("le grand martin-pêcheur est revenu au bord du canal, selon le garde", set()),
    ("Les jeunes de Montélimar et de Valence participent au tournoi.", set()),
    ("Station Gambetta : la sortie 2 est fermée pour travaux.", set()),
    ("Le bus 12 dessert l'arrêt Gambetta toutes les 10 minutes.", set()),
    ("le gardien du gymnase a trouvé la porte forcée", set()),
    ("L'ancien locataire du local associatif n'a pas rendu les clés.", set()),
    ("le salarié concerné est en arrêt depuis le 3 mars", set()),
    ("métro Gambetta, sortie 2 : le rassemblement est prévu à 18 h", set()),
]

# The fifth round: an initial before a surname in capitals, a surname after "le dénommé" or a
# form's "personne signalée :", a residence in lower case, a street with its postcode only, a
# house number in words, a fiche S or a registration number; and legitimate texts that look
# like them. A full date after "le" or "du" is an event's, with dots as with slashes.
WITH_IDENTIFIERS += [
    ("signalement transmis concernant K. HADDAD, à recevoir en mairie", {"person_name"}),
    ("K. Haddad a de nouveau été vu devant le collège", {"person_name"}),
    ("le dénommé haddad fréquente le local associatif", {"person_name"}),
    ("le dénommé Bouzid a quitté la commune", {"person_name"}),
    ("personne signalée: haddad", {"person_name"}),
    ("individu signalé : benali, à surveiller", {"person_name"}),
    ("la personne concernée : ouattara, suivie par le CCAS", {"person_name"}),
    ("ne le 03.04.1998 selon l'éducateur", {"date_of_birth"}),
    ("il réside appartement 12 résidence les lilas", {"address"}),
    ("appartement 12 résidence les lilas", {"address"}),
    ("bâtiment B cité des peupliers, au fond de la cour", {"address"}),
    ("chemin des vignes 26200", {"address"}),
    ("courrier retourné : impasse du moulin 26780", {"address"}),
    ("allée des Tilleuls numéro douze", {"address"}),
    ("rue Haute numéro vingt-deux, au deuxième", {"address"}),
    ("S-0456789", {"watchlist"}),
    ("fiche ouverte sous S-0456789 l'an dernier", {"watchlist"}),
    ("matricule 0456789", {"watchlist"}),
    ("détenu libéré, numéro d'écrou 245781, retour prévu dans la commune", {"watchlist"}),
]
LEGITIMATE += [
    ("le dénommé arrêté du 12 mars sera publié au recueil des actes", set()),
    ("la personne signalée par la mairie a été prise en charge par le CCAS", set()),
    ("personne signalée : aucune à ce jour", set()),
    ("réunion du 03.04.2026 en préfecture, ordre du jour joint", set()),
    ("signalement du 03.04.1998 : dossier archivé depuis longtemps", set()),
    ("le chemin des vignes est fermé à la circulation pendant les vendanges", set()),
    ("la rue des écoles sera piétonne le samedi matin", set()),
    ("le matricule de l'agent figure sur sa carte professionnelle", set()),
    ("numéro douze de la revue municipale : dossier sur la prévention", set()),
    ("la rue est en travaux, merci de passer par l'arrière", set()),
    ("visite d'un appartement témoin de la résidence sociale", set()),
    ("chambre 3, foyer municipal : réunion des bénévoles", set()),
    ("le budget du chemin de ronde est de 26200 euros", set()),
    ("la salle S-12 est réservée au groupe de travail", set()),
    ("les pages 12 à 14, numéro deux de la lettre d'information", set()),
    ("M. le Maire a reçu l'association du quartier", set()),
    ("annexe B. Budget prévisionnel de la prévention", set()),
    ("la personne visée par la mesure n'habite plus la commune", set()),
    ("l'article S-12 du règlement intérieur encadre l'accès", set()),
]

# The sixth round: a NIR whose key is wrong, glued to it or to its order number; and numbers
# that only look like one.
WITH_IDENTIFIERS += [
    ("Vérifier l'affiliation de l'agent, NIR 198047512345678, avant son recrutement.", {"nir"}),
    ("n° de sécurité sociale de la mère : 284112619804541, transmis par le CCAS", {"nir"}),
    ("numéro sécu 178022A12345673 relevé sur l'attestation de droits", {"nir"}),
    ("carte vitale de l'intéressée : 2 92 01 69 123 07895", {"nir"}),
    ("numéro INSEE 1 75 05 99 350 04281, communiqué par le foyer", {"nir"}),
    ("N° de sécurité sociale provisoire : 899039912301226, en attente de la carte", {"nir"}),
    ("sécu de la mère 263121305510873, à vérifier auprès de la CPAM", {"nir"}),
]
LEGITIMATE += [
    ("SIRET de l'association : 12345678900012, à reporter sur la convention.", set()),
    ("Référence 26198-2026-0004 : dossier complet, transmis au service instructeur.", set()),
    ("Le procès-verbal n° 12345678901234567 a été transmis au parquet le 4 mars.", set()),
    ("Bon de commande 2026-000145-0012 : 120 gilets pour la police municipale.", set()),
    ("Convention n° 902612345678912 signée avec la région pour la vidéoprotection.", set()),
    ("Marché public 2026 0412 3456 : lot 2, caméras du centre-ville.", set()),
    ("Numéro d'engagement juridique 1300012345, crédits du FIPD 2026.", set()),
    (
        "Les parcelles cent quatre-vingt-cinq, cinquante-sept, quatre-vingts, cent vingt, trois "
        "cent quarante et quatorze sont concernées par l'arrêté.",
        set(),
    ),
]

# The sixth round, too: identifiers written in hex or with their letters spaced; and hashes,
# request ids, acronyms, initials and headings that look like them.
WITH_IDENTIFIERS += [
    ("Agent concerné : 4b6172696d20484144444144 (voir courrier BR-2026-0141).", {"person_name"}),
    (
        "Identifiant transmis : 536f706869652042454e414c49, à vérifier par le service.",
        {"person_name"},
    ),
    ("Relance concernant 0x4d6d6520486164646164, agente d'accueil.", {"person_name"}),
    ("Personne signalée 48c3a96cc3a86e65204d4f52454155 par l'éducateur.", {"person_name"}),
    ("Contact de la famille, encodé : 6a65616e2e6475706f6e7440676d61696c2e636f6d", {"email"}),
    ("Numéro de la mère (hex) : 3036203132203334203536203738", {"phone"}),
    ("Domicile : 31322072756520646573204c696c6173, au deuxième étage.", {"address"}),
    ("NIR codé 312038352030352037382030303620303834203931 dans la pièce jointe.", {"nir"}),
    ("Agent concerné : K a r i m  H A D D A D, recruté au service des sports.", {"person_name"}),
    ("Signalement : S o p h i e  B E N A L I (voir courrier sécurisé).", {"person_name"}),
    ("le jeune M o h a m e d / B E N A L I fréquente le local associatif", {"person_name"}),
    (
        "Vérification concernant K a r i m H A D D A D, animateur au centre de loisirs.",
        {"person_name"},
    ),
    ("H A D D A D  K a r i m, suivi par le CCAS depuis mars", {"person_name"}),
    ("l'agent b o u z i d n'occupe pas un poste sensible", {"person_name"}),
    ("domicilié 12 r u e  d e s  L i l a s, au rez-de-chaussée", {"address"}),
]
LEGITIMATE += [
    ("Trace de la requête : 550e8400-e29b-41d4-a716-446655440000, erreur 502 corrigée.", set()),
    (
        "Empreinte SHA-256 du fichier transmis : "
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.",
        set(),
    ),
    ("Version déployée : commit 4f2a9c81d3e7b605 du 3 mars.", set()),
    ("Identifiant de requête 7d3f0a9b12c4e856a1b2, session expirée.", set()),
    ("Jeton d'accès 436f6d6d756e65 révoqué par l'administrateur.", set()),
    ("Adresse MAC de la caméra : 00:1A:2B:3C:4D:5E, à déclarer au prestataire.", set()),
    ("Point sur le S I G communal et le plan A B C D des écoles.", set()),
    ("il y a à y voir de plus près, selon le service", set()),
    ("Présents : M. R. D., Mme L. T., représentants du CCAS", set()),
    ("C O M P T E  R E N D U  du CLSPD du 12 mars", set()),
    ("U R G E N T : point de situation demandé avant vendredi.", set()),
    ("Le mot « c o m m u n e » était écrit en lettres espacées sur la banderole.", set()),
    ("P R É F E C T U R E  D E  L A  D R Ô M E : ordre du jour de la réunion", set()),
    ("Secteurs a b c d du plan de circulation, affichés en mairie", set()),
    ("Les lots A, B, C et D du marché de vidéoprotection sont attribués.", set()),
]

CORPUS: list[tuple[str, set[str]]] = LEGITIMATE + WITH_IDENTIFIERS

# The seventh round: a date of birth written as eight digits right after a word for a person;
# and the same digits as the date of an event, a case or a reference.
WITH_IDENTIFIERS += [
    ("Contrôle de la personne 03041998 effectué par la police municipale.", {"date_of_birth"}),
    ("l'intéressé 03041998 est connu du service jeunesse", {"date_of_birth"}),
    ("Individu 19980403, vu à plusieurs reprises devant le collège.", {"date_of_birth"}),
    ("Signalement de l'intéressée : 12111987, domiciliée dans la commune.", {"date_of_birth"}),
    ("le mineur 27062009 a été raccompagné par les agents", {"date_of_birth"}),
]
LEGITIMATE += [
    ("Réunion du 03042026 reportée, nouvelle date à fixer avec la préfecture.", set()),
    ("Dossier 20260403 : pièces complètes, transmis au service instructeur.", set()),
    ("Le contrôle des personnes effectué le 15032026 n'a rien donné.", set()),
    ("Numéro d'ordre 19980403 du registre des arrêtés municipaux.", set()),
    ("Aucune personne 31021998 : ce numéro de lot ne correspond à aucune date.", set()),
]

# The seventh round, too: identifiers written in base64, padded or not, in either alphabet; and
# tokens, references, file names and encoded text without an identifier that look like them.
WITH_IDENTIFIERS += [
    (
        "Vérification concernant S2FyaW0gSEFERERBRA==, animateur au centre de loisirs.",
        {"person_name"},
    ),
    (
        "Identifiant de la personne : S2FyaW0gSEFEREFE (base64), merci de vérifier.",
        {"person_name"},
    ),
    ("Agent concerné : Tm_DqW1pZSBHw4lSQVJE, recrutée au service des sports.", {"person_name"}),
    ("le jeune TW9oYW1lZCBCZW5hbGk fréquente le local associatif", {"person_name"}),
    ("Numéro de la mère : MDYgMTIgMzQgNTYgNzg=, à rappeler.", {"phone"}),
    ("Contact de la famille : amVhbi5kdXBvbnRAZ21haWwuY29t", {"email"}),
]
LEGITIMATE += [
    ("Clé d'API sk_live_51H8xYzABCdefGHIjkl révoquée par l'administrateur.", set()),
    ("Jeton ghp_16C7e42F292c6912E7710c838347Ae178B4a révoqué le 3 mars.", set()),
    ("Session eyJhbGciOiJIUzI1NiJ9 expirée, reconnexion demandée.", set()),
    ("Référence 26198-2026-0004, pièce jointe PJ-2026-0412-B.", set()),
    ("Identifiant de requête dXNlcl9zZXNzaW9uX2lk dans les journaux.", set()),
    ("Fichier Rapport_CLSPD_2026-03-12_v2.pdf transmis au groupe de travail.", set()),
    ("Le projet VidéoProtection2026 est décrit sur la page MaCommune/Sécurité.", set()),
    ("Lien de suivi https://demarches.example.fr/suivi/AbCdEf123456 envoyé à la mairie.", set()),
    ("La commune de Saint-Jean-de-Maurienne rejoint le CLSPD intercommunal.", set()),
]

# The seventh round, too: names written in leetspeak; and references, formats, ordinals and
# codes mixing letters and digits.
WITH_IDENTIFIERS += [
    ("Agent concerné : K4r1m H4DD4D, recruté au service des sports.", {"person_name"}),
    ("le jeune M0h4m3d B3N4L1 traîne devant le collège le soir", {"person_name"}),
    ("Signalement : B3N4L1 M0h4m3d, suivi par l'éducateur de rue.", {"person_name"}),
    ("l'agent b0uz1d n'occupe pas un poste sensible", {"person_name"}),
    ("S0ph13 B3N@L1, signalée par l'éducateur, fréquente le local associatif.", {"person_name"}),
]
LEGITIMATE += [
    ("Retour sur l'arrêté ARR-2026-045 et le courrier BR-2026-0141, format A4.", set()),
    ("Le 1er adjoint et les 1res classes du collège participent au forum.", set()),
    ("Survol de la commune par des F35 le 14 juillet, secteurs 3F et 4B fermés.", set()),
    ("Départements 2A et 2B : réunion commune des préfectures de Corse.", set()),
    ("Épidémie de H1N1 : la salle B12 et le local T4 sont fermés jusqu'à lundi.", set()),
    ("Fichiers MP3 et A3 de la campagne de prévention transmis au CM1.", set()),
]

# The seventh round, too: hex with its bytes a space apart or each after "\x"; and lists of
# numbers and hardware addresses written the same way.
WITH_IDENTIFIERS += [
    (
        "Agent concerné : 4b 61 72 69 6d 20 48 41 44 44 41 44, recruté au service des sports.",
        {"person_name"},
    ),
    (
        "Identifiant transmis : \\x4b\\x61\\x72\\x69\\x6d\\x20\\x48\\x41\\x44\\x44\\x41\\x44, "
        "à vérifier.",
        {"person_name"},
    ),
    ("Personne signalée : 53 6f 70 68 69 65 20 42 45 4e 41 4c 49 (dump joint).", {"person_name"}),
]
LEGITIMATE += [
    ("Les lots 12 14 16 18 20 22 du marché de vidéoprotection sont attribués.", set()),
    ("Adresse MAC de la caméra : 00 1A 2B 3C 4D 5E, à déclarer au prestataire.", set()),
    ("Trame reçue \\x02\\x10\\x00\\x1f\\x03\\x04 : la borne d'appel est à redémarrer.", set()),
]

# The seventh round, too: letters a dot or a hyphen apart; and initials and acronyms.
WITH_IDENTIFIERS += [
    ("Agent concerné : K.a.r.i.m H.A.D.D.A.D, recruté au service des sports.", {"person_name"}),
    ("Signalement : K-a-r-i-m H-A-D-D-A-D, suivi par le CCAS depuis mars.", {"person_name"}),
    ("l'agent b.o.u.z.i.d n'occupe pas un poste sensible", {"person_name"}),
]
LEGITIMATE += [
    ("Présents : M. R. D., J.-P. et les représentants de la S.N.C.F. et du C.C.A.S.", set()),
    ("Le mot R.E.S.P.E.C.T. est affiché dans le hall, plan A-B-C-D des écoles.", set()),
    ("Rapport de la D.D.S.P. sur les secteurs N-O et S-E de la commune.", set()),
]

# The eighth round: names in leetspeak drawn with other digits ("8" for B, "6" or "9" for G) or
# signs ("$", "€", "!", "|"), or glued with a hyphen; and codes, amounts and formats that mix
# letters, digits and those signs.
WITH_IDENTIFIERS += [
    ("Agent concerné : 8EN4L1 Y4$$1NE, recruté au service jeunesse en mars.", {"person_name"}),
    ("le jeune 6r3g0ry l3bl4nc est signalé par le principal du collège", {"person_name"}),
    ("Personne signalée : $0PH1E B€N@L1, hébergée chez un tiers.", {"person_name"}),
    (
        "Signalement transmis concernant K4r1m-H4dd4d, animateur du centre de loisirs.",
        {"person_name"},
    ),
    ("l'agent b0uz1d-h4dd4d a demandé sa mutation au service des espaces verts", {"person_name"}),
    ("Vérification demandée pour Y4SS|NE Kh4l!d1, éducateur sportif vacataire.", {"person_name"}),
    ("individu connu : 9u1ll4um3-M4rt1n, vu au stade à plusieurs reprises", {"person_name"}),
]
LEGITIMATE += [
    ("Commande de 8 PC portables et de 6 écrans 4K pour le CSU, budget 12 000 €.", set()),
    ("Le véhicule de la police municipale (Clio4, 308 SW) passe au contrôle technique.", set()),
    ("Le local B8 et les salles C6-D8 sont réservés au CLSPD du 3 avril.", set()),
    ("Tarif 4€50 le repas, 15€ la journée ; budget de 3 000 $ pour le jumelage.", set()),
    (
        "Attention ! Le plan Vigipirate passe en niveau urgence attentat, réunion de 9h30 à 11h.",
        set(),
    ),
    ("Le G7, le G20 et la COP28 : mobilisation des forces de l'ordre sur l'A8 et la RN7.", set()),
    ("Bâtiment A-3, niveau R+1 ; affiches au format A4-A3, vitrine 6B-8C.", set()),
    ("Les Airbus A320neo et A380 survolent la commune : nuisances signalées par la mairie.", set()),
    ("Le projet Vigi8 de vidéoprotection et le logiciel Ge0Vue sont déployés au CSU.", set()),
    ("Les sites Eur0pa-Parc et B4ie-Sud accueillent le forum emploi du 12 mai.", set()),
]

# The eighth round, too: a compact date of birth after a word for a person the seventh round's
# short list lacked; and the same digits as the date of an event, a case or a contract, or after
# a participle that dates what happened.
WITH_IDENTIFIERS += [
    (
        "Le mis en cause 03041998 a été entendu par la police municipale, suites données au "
        "parquet.",
        {"date_of_birth"},
    ),
    (
        "Ressortissant 19980403 hébergé au foyer, situation administrative à vérifier par la "
        "préfecture.",
        {"date_of_birth"},
    ),
    (
        "Usager 03041998 connu du CCAS, demande d'avis sur son accès au local jeunes.",
        {"date_of_birth"},
    ),
    ("Requérant : 27061995, dossier de titre de séjour en cours d'instruction.", {"date_of_birth"}),
    (
        "Le prévenu, 12111987, comparaît devant le tribunal correctionnel le 3 mars.",
        {"date_of_birth"},
    ),
    ("Personne concernée 03041998 : signalement du principal du collège.", {"date_of_birth"}),
    (
        "Occupant 19870512 du logement communal, impayés de loyer depuis six mois.",
        {"date_of_birth"},
    ),
]
LEGITIMATE += [
    ("Requête n° 20260403 du requérant : pièce manquante, délai de quinze jours.", set()),
    ("Incident signalé 20260315 par la police municipale, rapport transmis au CSU.", set()),
    ("L'individu contrôlé 20260315 à la gare a été laissé libre, aucune suite donnée.", set()),
    ("Titulaire du marché 20250117 de vidéoprotection : la société a livré les caméras.", set()),
    (
        "Victimes de l'attentat du 14072016 : hommage prévu le 14 juillet sur le parvis de la "
        "mairie.",
        set(),
    ),
    ("Dossier 20260403 de l'usager transmis au service social, suite à donner.", set()),
    ("Le majeur protégé relève du juge des tutelles, audience du 20260212.", set()),
    ("Bénéficiaires du dispositif, campagne 20260105 : quarante-deux jeunes accompagnés.", set()),
]

# The eighth round, too: a surname alone in base64, under the twelve characters the seventh
# round read; and short tokens, product names and codes that look like base64.
WITH_IDENTIFIERS += [
    (
        "l'agent SGFkZGFk n'occupe pas un poste sensible, avis demandé au service RH.",
        {"person_name"},
    ),
    (
        "Le voisin Qm91emlk aurait hébergé un tiers, signalement de la gardienne d'immeuble.",
        {"person_name"},
    ),
    (
        "Dossier QmVuYWxp : le jeune est suivi par l'éducateur de prévention depuis janvier.",
        {"person_name"},
    ),
]
LEGITIMATE += [
    ("Le projet VidéoProtection2026 est financé ; tablettes iPad10 et iPhone15 commandées.", set()),
    ("Licences Win11Pro et logiciel MaCommune installés sur les postes du CSU.", set()),
    ("Session eyJhbGci expirée, reconnexion demandée par l'agent d'accueil.", set()),
    ("Code d'accès au local AbCdEf12 changé après la réunion du CLSPD.", set()),
    ("Lien https://demarches.example.fr/d/Xk3Pq9Zt envoyé à la mairie pour le formulaire.", set()),
    ("Réseau wifi MairieWifi5G réservé aux élus pendant le conseil municipal.", set()),
]

# The eighth round, too: a surname after more words for a person (suspect, prévenu, requérant,
# usager, ASVP…) and two-part surnames in lower case after one ("le jeune da silva"); and the
# same words followed by an adjective, a company, an office or a body.
WITH_IDENTIFIERS += [
    (
        "Le prévenu HADDAD comparaît demain devant le tribunal correctionnel, la mairie est partie "
        "civile.",
        {"person_name"},
    ),
    (
        "Suspect : BOUZID (prénom inconnu), vu à plusieurs reprises aux abords de l'école.",
        {"person_name"},
    ),
    ("Le requérant Benali conteste la décision de refus de la salle municipale.", {"person_name"}),
    ("L'usager Bouzid refuse l'accompagnement proposé par le CCAS.", {"person_name"}),
    ("L'ASVP Haddad a reçu des menaces sur la voie publique, plainte déposée.", {"person_name"}),
    ("le jeune da silva traîne devant le collège à la sortie des cours", {"person_name"}),
    ("l'agent el amrani est en arrêt maladie depuis lundi, poste à pourvoir", {"person_name"}),
    ("vu le dénommé da costa au stade hier soir avec d'autres jeunes", {"person_name"}),
]
LEGITIMATE += [
    ("Le prévenu a été relaxé, la commune ne fait pas appel.", set()),
    ("L'usager lambda n'a pas accès à ces informations, seule la préfecture les détient.", set()),
    ("Le requérant principal et le requérant secondaire ont été entendus en commission.", set()),
    ("L'ASVP Responsable du secteur nord coordonne les patrouilles du marché.", set()),
    ("Le conducteur Keolis du bus scolaire a signalé un incident à l'arrêt de la gare.", set()),
    (
        "Les ressortissants de l'Union européenne peuvent s'inscrire sur les listes "
        "complémentaires.",
        set(),
    ),
    (
        "Le policier municipal référent et le gendarme de la brigade assurent la sécurité du "
        "marché.",
        set(),
    ),
    ("Le détenu libéré sous condition relève du SPIP, pas de la commune.", set()),
    ("Le suspect présumé n'a pas été identifié par les services de police.", set()),
]

# The eighth round, too, from its own red-teaming: a surname before an initial, the parties of a
# case ("c/"), a married couple or a widow, a first name after the word itself, six compact
# digits after "DDN", a number after "n° étranger"; and references, parties that are bodies,
# annexes and lots, and the same words without a person.
WITH_IDENTIFIERS += [
    (
        "Le jeune suivi par la PJJ, BENALI Y., a de nouveau été vu aux abords du collège.",
        {"person_name"},
    ),
    (
        "Haddad K. a été vu au local associatif à plusieurs reprises, avis de la préfecture "
        "souhaité.",
        {"person_name"},
    ),
    (
        "Recours Haddad c/ commune de Bron : le tribunal administratif a fixé l'audience au 3 "
        "mars.",
        {"person_name"},
    ),
    (
        "Contentieux Commune de Vénissieux c/ Benali, mémoire en défense à produire.",
        {"person_name"},
    ),
    (
        "Les époux Haddad ont été reçus en mairie au sujet du logement de leur fils.",
        {"person_name"},
    ),
    ("La veuve Benali a demandé un rendez-vous avec le maire, refus à motiver.", {"person_name"}),
    ("Individu de type européen, 1m80, prénom Karim, vu au stade hier soir.", {"person_name"}),
    (
        "DDN 030498, lieu de naissance Oran : vérification demandée par le service état civil.",
        {"date_of_birth"},
    ),
    (
        "Signalement transmis, n° étranger 7501234567, titre expiré depuis janvier.",
        {"id_document"},
    ),
]
LEGITIMATE += [
    (
        "Contentieux Commune de Bron c/ Préfet du Rhône : le jugement est attendu en juin.",
        set(),
    ),
    ("CE, 12 mars 2026, Commune de Bron c/ État : le conseil municipal en prend acte.", set()),
    (
        "Pourvoi de la SCI Les Tilleuls c/ Commune de Bron, mémoire à déposer avant le 15 avril.",
        set(),
    ),
    ("Ville de Lyon c/ SARL Bâti Plus : appel interjeté par la métropole.", set()),
    ("Les époux divorcés relèvent du juge aux affaires familiales, pas de la commune.", set()),
    (
        "La veuve de guerre a été reçue par le maire lors de la cérémonie du 11 novembre.",
        set(),
    ),
    (
        "Le lot A. et le lot B. du marché sont attribués ; voir l'annexe B. de la convention.",
        set(),
    ),
    (
        "Les prénoms Inconnu et X sont refusés par le logiciel d'état civil, signalé à l'éditeur.",
        set(),
    ),
    (
        "Réunion du 030426 reportée ; dossier 030498 archivé ; le numéro d'étranger n'est pas "
        "requis.",
        set(),
    ),
]

# The eighth round's red-teaming, second pass: a particle after a civility in lower case, a
# surname after "les enfants", "appt" for an apartment, "(+33)" in brackets; and the same words
# without a person, a flat or a number.
WITH_IDENTIFIERS += [
    (
        "Rendez-vous demandé par mr el idrissi au sujet de son fils, à orienter vers le CCAS.",
        {"person_name"},
    ),
    (
        "Les enfants Haddad (3 et 5 ans) ne sont plus scolarisés depuis la rentrée.",
        {"person_name"},
    ),
    ("Visite à domicile : appt 12 bat B res les Tilleuls, le bailleur est prévenu.", {"address"}),
    ("Le père est joignable au (+33) 6 12 34 56 78 après 18 h.", {"phone"}),
]
LEGITIMATE += [
    (
        "Les enfants accueillis au centre de loisirs pendant les vacances sont au nombre de "
        "quarante.",
        set(),
    ),
    (
        "L'enfant unique d'une famille suivie relève de l'aide sociale à l'enfance, pas de la "
        "commune.",
        set(),
    ),
    ("Appartement témoin du programme de logements sociaux visité par la commission.", set()),
    ("Le standard de la mairie reste le numéro affiché en façade, appel gratuit.", set()),
]

# The eighth round's red-teaming, third pass: a pseudonym written as a handle, a tax number, a
# CAF beneficiary's number; and the same words for bodies, conventions and processing.
WITH_IDENTIFIERS += [
    (
        "Le jeune publie sous le pseudo TikTok karim.hdd69 des vidéos de propagande, signalement "
        "PHAROS fait.",
        {"person_name"},
    ),
    (
        "Compte signalé : pseudo @abou_karim69 sur Telegram, transmis à la DGSI.",
        {"person_name"},
    ),
    (
        "Allocataire CAF n° 1234567 : la commune demande si l'aide au logement est maintenue.",
        {"id_document"},
    ),
    (
        "Numéro fiscal 12 34 567 890 123 communiqué par erreur dans le courrier de la famille.",
        {"id_document"},
    ),
]
LEGITIMATE += [
    ("Le pseudo utilisé sur les réseaux est inconnu de la police municipale.", set()),
    ("La convention avec la CAF n° 2026-0412 est renouvelée pour trois ans.", set()),
    ("Le numéro fiscal de la commune figure sur l'avis de taxe foncière 2025.", set()),
    ("La pseudonymisation des données du rapport est demandée par le DPO.", set()),
]

# The eighth round's red-teaming, fourth pass: a tower or a block of flats with another part of
# the building; and the rounds of an election, operating theatres and office blocks.
WITH_IDENTIFIERS += [
    (
        "La famille est relogée quartier des Minguettes, tour 12, 5e étage, depuis l'incendie.",
        {"address"},
    ),
    ("Signalement de dégradations, bloc 4, appartement 12, par le bailleur social.", {"address"}),
]
LEGITIMATE += [
    (
        "Tour 1 et tour 2 des élections : la salle du conseil accueille le bureau centralisateur.",
        set(),
    ),
    ("Au second tour, 3 bureaux de vote ont ouvert en retard dans la commune.", set()),
    ("Le bloc opératoire de l'hôpital et l'immeuble de bureaux sont classés ERP.", set()),
]

# The eighth round's red-teaming, fifth pass: a first name with the relation in apposition, and
# "sœur" written with its ligature; and places named after religious, offices in apposition.
WITH_IDENTIFIERS += [
    (
        "Sofiane (le fils) a quitté le domicile familial, la mère demande l'aide du CCAS.",
        {"person_name"},
    ),
    ("Inès, sa sœur, fréquente le même local associatif depuis la rentrée.", {"person_name"}),
    (
        "Karim, le grand frère, est signalé par le principal pour des propos inquiétants.",
        {"person_name"},
    ),
]
LEGITIMATE += [
    ("Le collège Sœur Emmanuelle accueille la réunion de prévention du 12 mai.", set()),
    (
        "L'école Frère Roger et le foyer Sœur Marie-Thérèse sont inscrits au plan de sécurisation.",
        set(),
    ),
    ("Le maire, son adjoint à la sécurité et le DGS reçoivent le sous-préfet.", set()),
    ("Vigipirate, le plan national, reste au niveau urgence attentat.", set()),
]
