"""Spanish vocabulary tables (see the package docstring)."""

UNITS = {"un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
         "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
         "catorce": 14, "quince": 15, "veinte": 20, "treinta": 30, "cuarenta": 40,
         "cincuenta": 50, "cien": 100, "ciento": 100, "mil": 1000}
VAGUE = {"varios": 3, "varias": 3, "algunos": 3, "decenas": 12, "docenas": 12,
         "una decena": 10, "centenares": 100, "cientos": 100, "miles": 1000}
DEATH = [r"muert[oa]s?", r"fallecid[oa]s?", r"asesinad[oa]s?", r"ejecutad[oa]s?",
         r"murieron", r"muri[óo]", r"perdieron la vida", r"víctimas mortales",
         r"matando", r"mataron", r"masacrad[oa]s?"]
INJURY = [r"herid[oa]s?", r"hiriendo", r"lesionad[oa]s?"]
RELATIVE = {"hoy": 0, "ayer": 1, "anteayer": 2, "antier": 2}
WEEKDAYS = ["lunes", "martes", "mi[ée]rcoles", "jueves", "viernes", "s[áa]bado", "domingo"]
MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre|setiembre", "octubre", "noviembre", "diciembre"]
# a protest announced, not held: no event yet (ACLED codes what happened)
PLANNED = [r"convoca(?:ron|n)? a", r"anunci(?:ó|aron) (?:un|una)", r"realizar[áa]n?",
           r"marchar[áa]n?"]
TRIGGERS = {
    "Peaceful protest": [r"protest\w*", r"manifestaci[óo]n", r"manifestaciones", r"manifestantes?",
                         r"marcha(?:s|ron|ban|r)?", r"movilizaci\w+", r"moviliz\w+",
                         r"huelga\w*", r"huelguistas?", r"paro(?:s)?", r"piquete\w*",
                         r"cortes? de (?:ruta|calle|tránsito)", r"cacerolazos?",
                         r"concentraci[óo]n\w*", r"se concentraron", r"reclamaron",
                         r"pidi(?:ó|eron) justicia", r"reclamando", r"boicot\w*",
                         r"bloque(?:o|os|aron|an)", r"tomaron", r"toma de", r"ocupaci[óo]n",
                         r"ocup(?:aron|an)", r"sentada\w*", r"abrazo simbólico",
                         r"desobediencia", r"acampe\w*", r"acampando", r"ruidazo\w*",
                         r"medidas? de fuerza", r"medidas? de acci[óo]n", r"cortaban",
                         r"cortaron", r"piqueteros", r"reclamo", r"gremio\w*", r"consignas?"],
    "Violent demonstration": [r"disturbios", r"saque\w+", r"enfrentamientos?"
                              r" con (?:la )?polic\w+", r"piedras", r"vandal\w+",
                              r"prendi(?:ó|eron) fuego", r"quemaron", r"incendiaron",
                              r"arroj(?:ó|aron) \w+", r"bombas? molotov", r"bombas de petróleo",
                              r"lanzaron \w+ contra (?:la )?polic[ií]a"],
    "Air/drone strike": [r"bombardeos? aéreos?", r"ataques? aéreos?",
                         r"ataques? (?:con|com|de) drones?"],
    "Shelling/artillery/missile attack": [r"bombarde\w+", r"obuses", r"misiles?",
                                          r"cohetes?", r"morteros?", r"artillería"],
    "Remote explosive/landmine/IED": [r"explosivos?", r"minas? antipersona\w*",
                                      r"explosi[óo]n\w*", r"bombas?", r"coche bomba"],
    "Suicide bomb": [r"atentado suicida", r"suicidas?"],
    "Armed clash": [r"combates?", r"enfrentamientos? armados?", r"tiroteos?", r"choques?"],
    "Attack": [r"atac\w+", r"ataque\w*", r"atentados?", r"emboscad\w+", r"asesin\w+",
               r"masacre\w*", r"mataron", r"disparos"],
    "Abduction/forced disappearance": [r"secuestr\w+", r"rehenes", r"desaparici[óo]n forzada"],
}
