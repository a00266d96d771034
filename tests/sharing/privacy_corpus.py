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

CORPUS: list[tuple[str, set[str]]] = LEGITIMATE + WITH_IDENTIFIERS
