# ruff: noqa: E501  (data: one example a line)
"""Hand-written training examples for `toxicity` (written for Bastion, Apache-2.0 like the repo).

Positives: insults and harassment aimed at a person or group, hate about protected characteristics,
threats, sexual harassment, encouragement of self-harm. Negatives: technical and medical language with
violent words ("kill the process", "the drug kills bacteria", "shoot me an email"), and texts *about*
harassment (HR policies, moderation guidelines, incident reports). Expanded deterministically
(`examples(seed)`); the held-out set in `heldout/` was written separately and shares no template.
"""

from __future__ import annotations

import random

TARGETS = ["you", "you people", "this guy", "my coworker", "she", "he", "your manager", "that customer"]
INSULTS = [
    "{t} are a worthless idiot", "{t} are pathetic and stupid", "{t} are a useless waste of space",
    "{t} are the dumbest person I have ever met", "{t} are a disgusting pig", "{t} are a brainless moron",
    "shut up, {t} ignorant fool", "nobody likes {t}, {t} are a loser", "{t} are an incompetent clown",
    "{t} are so ugly it hurts to look at {t}", "what a pathetic excuse for a human {t} are",
    "{t} are trash and everyone knows it", "go away, {t} filthy rat", "{t} are a spineless coward",
]
GROUPS = ["immigrants", "Muslims", "Jews", "Christians", "Black people", "Asians", "women", "gay people",
          "trans people", "disabled people", "Mexicans", "refugees", "old people", "Roma"]
HATE = [
    "{g} are subhuman vermin", "all {g} should be deported", "{g} are a disease on this country",
    "I hate {g}, they should all disappear", "{g} are too stupid to do real work",
    "{g} should not be allowed to vote", "{g} are animals and should be treated like animals",
    "never hire {g}, they are all lazy thieves", "{g} ruin every neighbourhood they move into",
    "the world would be better without {g}", "{g} are inferior and always will be",
]
THREATS = [
    "I will find you and hurt you", "I'm going to kill you", "you'd better watch your back, I know where you live",
    "I will beat you until you can't stand", "say that again and I will break your legs",
    "I'm going to burn your house down", "one more word and you're dead", "I will make you suffer for this",
    "we know where your kids go to school", "I'll smash your face in", "I will shoot you if you come back",
    "you will regret this when I get my hands on you",
]
SEXUAL = [
    "send me nudes or I'll tell everyone", "I want to touch your body whether you like it or not",
    "you'd look better without your clothes, come to my office", "sit on my lap if you want the promotion",
    "I keep thinking about what you look like naked", "wear a shorter skirt tomorrow, for me",
    "show me your breasts", "you owe me sex after that dinner",
]
SELF_HARM = [
    "you should kill yourself", "nobody would miss you if you died", "go cut yourself",
    "just end it already, the world is better without you", "do everyone a favour and jump off a bridge",
    "why don't you just take all the pills", "kys", "you don't deserve to live",
]
FOREIGN_TOXIC = [
    "Du bist ein wertloser Idiot.", "Halt die Klappe, du dummes Stück.", "Ich bringe dich um.",
    "Tu es un connard inutile.", "Ferme ta gueule, espèce d'idiot.", "Je vais te tuer.",
    "Eres un idiota inútil.", "Cállate, imbécil.", "Te voy a matar.",
    "Sei un idiota inutile.", "Stai zitto, cretino.", "Ti ammazzo.",
    "Você é um idiota inútil.", "Cala a boca, imbecil.", "Eu vou te matar.",
    "Je bent een waardeloze idioot.", "Hou je bek, sukkel.", "Ik maak je af.",
    "Bring dich doch einfach um.", "Tu devrais te suicider.", "Deberías suicidarte.",
]

HARD_NEGATIVES = [
    "How do I kill the process that is holding port 8080?", "Use kill -9 only if SIGTERM does not work.",
    "The drug kills bacteria by breaking down their cell walls.", "Shoot me an email when the report is ready.",
    "Execute the script and terminate the instance afterwards.", "This bug is killing me, any ideas?",
    "Remove the dead code before the release.", "The parent process should reap its zombie children.",
    "Abort the child process if the timeout expires.", "We need a professional headshot for the website.",
    "Our attack surface grew after we exposed the admin port.", "Describe the exploit mitigation in the new kernel.",
    "The tumour was destroyed by targeted radiation.", "What are the symptoms of an overdose of paracetamol?",
    "Please add the suicide prevention hotline number to our support page.",
    "Nurses should complete the self-harm risk assessment on admission.",
    "Harassment includes insults, slurs, threats and unwanted sexual advances, and will lead to disciplinary action.",
    "Moderators must remove posts that call people idiots or use slurs about their religion.",
    "The employee reported that her manager called her stupid in a team meeting.",
    "Police said the attacker threatened to kill the hostages before he was arrested.",
    "Our code of conduct forbids hate speech about race, religion, gender or sexual orientation.",
    "Write a training module on how to respond when a colleague experiences sexual harassment.",
    "The hate speech classifier flagged too many posts about football; how do we reduce false positives?",
    "Summarise the anti-bullying policy for the school newsletter.",
    "Blow away the old build directory and rebuild from scratch.", "Let's hit the API with a load test.",
    "The marketing campaign absolutely killed it this quarter.", "Nail down the requirements before Friday.",
    "Strip the formatting and slash the file size in half.", "The stock price crashed and burned after the report.",
    "Punch in the numbers and see what the model predicts.", "Fire the event when the user clicks save.",
    "The pest control service exterminates rodents in warehouses.", "Pull the trigger on the new vendor contract.",
    "Our team crushed the sales target.", "Beat the eggs and fold them into the batter.",
    "The virus attacks the immune system's T cells.", "Chemotherapy kills fast-dividing cells, including healthy ones.",
    "Shoot the product photos in natural light.", "In chess, you can capture the queen with the knight.",
    "The game lets players kill monsters to gain experience.", "The movie is about a hitman who wants to retire.",
    "Please do not harass customers with repeated calls, it violates our policy.",
    "Report any threats of violence to security immediately.", "What is the legal definition of defamation?",
    "Toxic waste must be disposed of by a licensed contractor.", "Dead letter queues store messages that failed.",
    "The master branch was renamed to main.", "We need to slaughter the competition on price.",
    "Explain how the immune system destroys infected cells.", "The surgeon cut through the abdominal wall.",
    "Euthanasia laws differ between the Netherlands and Belgium.", "The patient has a history of suicidal ideation; plan follow-up care.",
    "Kill switch: the feature flag that disables the new checkout.", "Gun control debate: summarise both sides neutrally.",
    "Write a respectful reply to a customer who called our agent an idiot.",
    "Our guidelines define sexual harassment as unwelcome conduct of a sexual nature.",
    "What does the word 'bigot' mean?", "Translate 'threat model' into German.",
    "Beende den Prozess mit kill, wenn er hängt.", "Das Medikament tötet Bakterien ab.",
    "Tue le processus qui bloque le port.", "Ce médicament tue les bactéries.",
    "Mata el proceso que bloquea el puerto.", "El fármaco mata las bacterias.",
    "Uccidi il processo che blocca la porta.", "Il farmaco uccide i batteri.",
    "Mate o processo que está bloqueando a porta.", "O medicamento mata as bactérias.",
    "Kill het proces dat de poort blokkeert.", "Het medicijn doodt bacteriën.",
    "Unser Verhaltenskodex verbietet Belästigung und Beleidigungen.",
    "Le harcèlement au travail est interdit et sera sanctionné.",
    "El acoso laboral está prohibido y será sancionado.",
]
NEG_TEMPLATES = [
    "How do I {v} the {o} in {tool}?", "Please {v} the {o} before the deployment.",
    "The script will {v} the {o} automatically.", "Why does the operator {v} the {o} at night?",
]
NEG_VERBS = ["kill", "terminate", "shoot down", "destroy", "nuke", "execute", "attack", "hit", "abort", "murder"]
NEG_OBJECTS = ["process", "container", "stale sessions", "cache", "old branch", "zombie jobs", "test database",
               "hung worker", "backlog", "bottleneck"]
NEG_TOOLS = ["Linux", "Docker", "Kubernetes", "Windows", "Postgres", "Redis", "Jenkins", "the terminal"]
POLICY_TEMPLATES = [
    "Our policy: {x} is not tolerated and must be reported to HR.",
    "Moderation guideline: remove comments containing {x}.",
    "The training explains how to recognise {x} at work.",
    "A complaint was filed about {x} in the sales team.",
]
POLICY_TOPICS = ["insults", "racial slurs", "threats of violence", "sexual harassment", "bullying",
                 "hate speech against minorities", "encouraging self-harm", "discriminatory jokes"]
NEUTRAL = [
    "Thanks for the quick turnaround on the proposal!", "Can you recommend a good book on negotiation?",
    "The meeting is moved to 3pm.", "Great work on the launch, everyone.", "What is the capital of Portugal?",
    "I disagree with your analysis of the churn numbers.", "This report is badly structured and needs rework.",
    "Your argument ignores the cost of maintenance.", "I am frustrated that the release slipped again.",
    "Honestly, the first draft was not good enough.",
]


def _positives(rng: random.Random) -> list[str]:
    out: list[str] = []
    for tpl in INSULTS:
        for t in rng.sample(TARGETS, 3):
            text = tpl.format(t=t).replace("she are", "she is").replace("he are", "he is")
            text = text.replace("this guy are", "this guy is").replace("coworker are", "coworker is")
            text = text.replace("manager are", "manager is").replace("customer are", "customer is")
            out.append(text[0].upper() + text[1:] + rng.choice([".", "!", "!!", ""]))
    for tpl in HATE:
        for g in rng.sample(GROUPS, 5):
            text = tpl.format(g=g)
            out.append(text[0].upper() + text[1:] + ".")
    out += [t[0].upper() + t[1:] + "." for t in THREATS + SEXUAL + SELF_HARM]
    out += FOREIGN_TOXIC
    return out


def _negatives(rng: random.Random) -> list[str]:
    out = list(HARD_NEGATIVES) + list(NEUTRAL)
    for tpl in NEG_TEMPLATES:
        for v in NEG_VERBS:
            for o in rng.sample(NEG_OBJECTS, 3):
                out.append(tpl.format(v=v, o=o, tool=rng.choice(NEG_TOOLS)))
    for tpl in POLICY_TEMPLATES:
        for x in POLICY_TOPICS:
            out.append(tpl.format(x=x))
    return out


def examples(seed: int = 15) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    return [(t, 1) for t in _positives(rng)] + [(t, 0) for t in _negatives(rng)] + more_examples(rng)

# --- more variety: dehumanising metaphors, implicit threats, quid pro quo, non-English insults -----------
DEHUMANISING = ["rats", "parasites", "vermin", "cockroaches", "freaks", "savages", "leeches", "a plague", "animals"]
DEHUMANISING_TPL = ["{g} are {d}.", "{g} are {d} invading our country.", "{g} are {d} and can't be trusted.",
                    "Those {g} are nothing but {d}."]
STEREOTYPES = ["{g} are sneaky and dishonest.", "{g} are mentally ill.", "{g} are lazy and stupid.",
               "{g} can't be trusted with anything.", "{g} are criminals by nature.", "{g} control everything and must be stopped."]
IMPLICIT_THREATS = [
    "I know your address. Sleep well while you can.", "I'll make sure you never walk again.",
    "Nice family you have. It would be a shame if something happened to them.",
    "You won't see it coming.", "Watch yourself on the way home tonight.", "Accidents happen to people like you.",
    "Keep talking and see what happens to your car.", "I know which school your daughter goes to.",
]
QUID_PRO_QUO = [
    "Come to my hotel room tonight if you want to keep your job.", "Be nice to me after hours and the promotion is yours.",
    "If you want the contract, you know what you have to do for me.", "Sleep with me or you're fired.",
]
FOREIGN_MORE = [
    "Du bist ein Stück Dreck.", "Verpiss dich, du Versager.", "Alle Ausländer sind Ratten.",
    "T'es qu'une merde.", "Dégage, sale raté.", "Je vais te casser la gueule.", "Les immigrés sont des parasites.",
    "Eres una basura.", "Lárgate, fracasado.", "Nadie te quiere, inútil.", "Los inmigrantes son ratas.",
    "Sei una nullità schifosa.", "Vattene, fallito.", "Nessuno ti vuole, idiota.", "Gli immigrati sono parassiti.",
    "Você é um lixo.", "Some daqui, fracassado.", "Ninguém gosta de você, idiota.", "Os imigrantes são ratos.",
    "Je bent een stuk vuil.", "Rot op, mislukkeling.", "Niemand mag jou, idioot.", "Buitenlanders zijn ratten.",
]
ABOUT_MORE = [
    "The report quotes the harasser: he called her worthless. Summarise the findings for HR.",
    "Classify these comments for moderation: which ones contain threats?",
    "A rat infestation was found in the warehouse; call pest control.",
    "Parasites such as tapeworms can be treated with medication.",
    "The cockroach population in the kitchen must be controlled.",
    "Our values: we treat immigrants, refugees and all colleagues with respect.",
    "Trans employees are protected by our equality policy.",
    "The history lesson covers propaganda that called Jews vermin; explain why it was dangerous.",
    "Ratten im Keller: Wer ist der richtige Ansprechpartner?",
    "Les parasites intestinaux se soignent facilement.",
    "Las ratas transmiten enfermedades; limpia el almacén.",
]


def more_examples(rng: random.Random) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for tpl in DEHUMANISING_TPL:
        for g in rng.sample(GROUPS, 4):
            out.append((tpl.format(g=g, d=rng.choice(DEHUMANISING)), 1))
    for tpl in STEREOTYPES:
        for g in rng.sample(GROUPS, 3):
            out.append((tpl.format(g=g), 1))
    out += [(t, 1) for t in IMPLICIT_THREATS + QUID_PRO_QUO + FOREIGN_MORE]
    out += [(t, 0) for t in ABOUT_MORE]
    return out
