"""Portuguese vocabulary tables (see the package docstring)."""

UNITS = {"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "quatro": 4, "cinco": 5,
         "seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12,
         "treze": 13, "quinze": 15, "vinte": 20, "trinta": 30, "quarenta": 40,
         "cinquenta": 50, "cem": 100, "cento": 100, "mil": 1000}
VAGUE = {"vários": 3, "várias": 3, "alguns": 3, "dezenas": 12, "centenas": 100,
         "milhares": 1000}
DEATH = [r"mort[oa]s?", r"morreram", r"morreu", r"assassinad[oa]s?", r"executad[oa]s?",
         r"vítimas fatais", r"matando", r"mataram"]
INJURY = [r"ferid[oa]s?", r"ferindo"]
RELATIVE = {"hoje": 0, "ontem": 1, "anteontem": 2}
WEEKDAYS = ["segunda(?:-feira)?", "terça(?:-feira)?", "quarta(?:-feira)?",
            "quinta(?:-feira)?", "sexta(?:-feira)?", "s[áa]bado", "domingo"]
MONTHS = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
          "setembro", "outubro", "novembro", "dezembro"]
# a protest announced, not held: no event yet (ACLED codes what happened)
PLANNED = [r"vão", r"irão", r"pretende\w*", r"est(?:á|ão) marcad[oa]s?",
           r"decidiram iniciar"]
TRIGGERS = {
    "Peaceful protest": [r"protest\w*", r"manifesta(?:ção|ções|ntes?)", r"marcha(?:s|ram|vam|r)?",
                         r"passeata\w*", r"greve\w*", r"grevistas?", r"paralisa(?:ção|ções|ram)",
                         r"mobiliza\w+", r"ato públicos?", r"atos? de protesto",
                         r"bloque(?:io|iam|aram|ou)\w*", r"bloqueiam", r"invad(?:em|iram|ido)",
                         r"ocupa(?:ção|ções|ram|m)", r"acampa\w+", r"boicot\w*",
                         r"assembleia\w*", r"piquete\w*", r"panelaço\w*",
                         r"cruzaram os braços", r"barr(?:ou|aram)", r"faixas", r"cartaz(?:es)?",
                         r"abaixo-assinado"],
    "Violent demonstration": [r"tumulto\w*", r"saque\w*", r"depreda\w+", r"vandal\w+",
                              r"confronto\w* com (?:a )?polícia", r"incendiad[oa]s?",
                              r"atearam fogo", r"ateou fogo", r"quebra-quebra"],
    "Air/drone strike": [r"bombardeios? aéreos?", r"ataques? aéreos?",
                         r"ataques? (?:con|com|de) drones?"],
    "Shelling/artillery/missile attack": [r"bombarde\w+", r"mísseis", r"míssil", r"foguetes?",
                                          r"morteiros?", r"artilharia"],
    "Remote explosive/landmine/IED": [r"explosivos?", r"explos(?:ão|ões)", r"bombas?",
                                      r"minas? terrestres?", r"carro-bomba"],
    "Suicide bomb": [r"atentado suicida", r"homem-bomba"],
    "Armed clash": [r"combates?", r"confrontos? armados?", r"tiroteios?"],
    "Attack": [r"atac\w+", r"ataques?", r"atentados?", r"emboscad\w+", r"assassin\w+",
               r"massacre\w*", r"chacina\w*"],
    "Abduction/forced disappearance": [r"sequestr\w+", r"reféns"],
}
