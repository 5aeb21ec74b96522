"""French vocabulary tables (see the package docstring)."""

UNITS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
         "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
         "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40,
         "cinquante": 50, "soixante": 60, "cent": 100, "mille": 1000}
VAGUE = {"plusieurs": 3, "quelques": 3, "une dizaine": 10, "une vingtaine": 20,
         "des dizaines": 12, "dizaines": 12, "une centaine": 100, "des centaines": 100,
         "centaines": 100, "des milliers": 1000}
DEATH = [r"tu[ée]s?", r"tu[ée]es", r"morts?", r"mortes", r"décédé[e]?s?", r"péri",
         r"assassin[ée]e?s?", r"exécut[ée]e?s?", r"abattu[e]?s?", r"massacr[ée]e?s?",
         r"victimes", r"décès", r"tuant", r"coûté la vie"]
INJURY = [r"bless[ée]e?s?", r"blessant"]
RELATIVE = {"aujourd'hui": 0, "hier": 1, "avant-hier": 2}
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["janvier", "f[ée]vrier", "mars", "avril", "mai", "juin", "juillet", "ao[ûu]t",
          "septembre", "octobre", "novembre", "d[ée]cembre"]
TRIGGERS = {
    "Peaceful protest": [r"manifest\w*", r"protest\w*", r"march(?:e|es|ent|aient)",
                         r"rassembl\w+", r"sit-in", r"grève\w*", r"grévist\w*",
                         r"mobilis\w+", r"défil\w+", r"pétition\w*", r"boycott\w*"],
    "Violent demonstration": [r"émeut\w+", r"heurts", r"pillag\w+", r"pill[ée]\w*",
                              r"incendi[ée]\w*", r"casseurs?"],
    "Air/drone strike": [r"frappes? a[ée]riennes?", r"bombardement\w* a[ée]rien\w*",
                         r"drones?", r"raids? a[ée]riens?", r"avions? de chasse"],
    "Shelling/artillery/missile attack": [r"bombard\w+", r"obus", r"tirs? d'artillerie",
                                          r"roquettes?", r"missiles?", r"mortiers?"],
    "Remote explosive/landmine/IED": [r"engins? explosifs?", r"\bEEI\b", r"mines?",
                                      r"explosion\w*", r"bombes?"],
    "Suicide bomb": [r"kamikazes?", r"attentat\w* suicide"],
    "Armed clash": [r"affrontements?", r"combats?", r"accrochages?", r"clash\w*",
                    r"s'affront\w+", r"échanges? de tirs"],
    "Attack": [r"attaqu\w+", r"attentat\w*", r"assaut\w*", r"embuscade\w*", r"tu[ée]s?",
               r"massacr\w+", r"assassin\w+", r"abattu\w*"],
    "Abduction/forced disappearance": [r"enlev\w+", r"kidnapp\w+", r"rapt\w*", r"otages?"],
    "Arrests": [r"arrêt[ée]e?s?", r"interpell\w+", r"arrestations?"],
}
