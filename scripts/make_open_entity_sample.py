"""Writes samples/open-entity-sample/{train,dev,test}.json: a small Open Entity-style dataset written
for lukelab (no sentence comes from Open Entity or any other corpus), in the ERNIE format the
original entity-typing example reads: a JSON array of {"sent", "start", "end", "labels"}.

Each source line below is one sentence in PTB-like tokens (brackets as -LRB- / -RRB-, as in the
real data) with one mention marked [[mention|label,label]]; "[[mention|]]" has no label. Offsets
are code points, as Python computes them.

    python scripts/make_open_entity_sample.py
"""
import json
import re
from pathlib import Path

LABELS = {"entity", "event", "group", "location", "object", "organization", "person", "place", "time"}

SPLITS = {
    "train": """
[[Ada Lovelace|person]] wrote the first published notes on a general-purpose computing engine .
The river flooded the old market in [[Lyon|location,place]] after three days of rain .
[[She|person]] said the committee would publish its report on Monday .
Engineers at [[the Dutch rail operator|organization,group]] tested a quieter brake design .
The [[1998 harvest festival|event]] drew visitors from every village in the valley .
A bronze [[statue|object]] of a sleeping dog stands outside the station .
[[Farmers|group,person]] gathered in the square to protest the new water tax .
The talks are expected to resume [[next spring|time]] , officials said .
[[Marie Curie|person]] won two Nobel prizes in two different sciences .
Storms closed the mountain pass between [[Chile|location,place]] and Argentina .
[[The museum|organization]] will reopen its east wing after repairs .
[[He|person]] has coached the team for eleven seasons .
The [[marathon|event]] was moved to October because of the heat .
She keeps her grandmother 's [[violin|object]] in a glass case .
Residents of [[the island|location,place]] rely on a single ferry .
The [[union|organization,group]] called off the strike late on Thursday .
[[Volunteers|group]] planted four thousand trees along the canal .
The bridge was finished in [[1932|time]] after six years of work .
[[It|]] was not clear who had left the gate open .
The [[summit|event]] ended without an agreement on fishing rights .
A small [[bakery|organization,place]] on the corner sells bread until midnight .
[[Tourists|person,group]] lined up for hours to see the eclipse .
The company moved its headquarters to [[Oslo|location,place]] last year .
[[The orchestra|organization,group]] toured twelve cities in six weeks .
The old [[lighthouse|object,place]] was turned into a small hotel .
[[Grace Hopper|person]] helped design one of the first compilers .
Shares fell sharply on [[Friday|time]] after the earnings report .
The [[election|event]] will be held in two rounds .
[[Those|]] were the best results the lab had ever recorded .
The ship 's [[compass|object]] was found on the sea floor .
[[The city council|organization,group]] voted to widen the bicycle lanes .
Police searched the forest near [[the border|location]] for the missing hiker .
[[Students|person,group]] from the technical school built the robot .
The treaty was signed during [[the winter of 1648|time]] .
[[The flood|event]] destroyed most of the rice crop .
The [[telescope|object]] can detect light from very distant galaxies .
A spokesman for [[the airline|organization]] apologised for the delays .
[[They|person,group]] had walked for two days without water .
The festival takes place every year in [[Edinburgh|location,place]] .
[[The parade|event]] -LRB- held each June -RRB- closes the main street .
Sales of the [[tablet|object]] doubled in the first quarter .
[[Nurses|person,group]] at the clinic worked through the weekend .
The 🌍 climate report from [[the agency|organization]] warned of hotter summers .
""",
    "dev": """
[[Alan Turing|person]] proposed a test for machine intelligence .
The new stadium in [[Lisbon|location,place]] seats sixty thousand people .
[[The bank|organization]] raised its interest rate for the third time .
The [[ceremony|event]] was broadcast live on national television .
Divers recovered a silver [[coin|object]] from the wreck .
[[Fishermen|person,group]] complained that the quotas were too low .
The museum closes early [[on Sundays|time]] .
[[She|person]] plans to run for mayor next year .
The [[conference|event]] attracted researchers from forty countries .
[[The choir|organization,group]] rehearses in the old church hall .
Heavy snow cut off villages in [[the north|location]] of the province .
The [[clock|object]] on the tower has not worked since the war .
[[The team|organization,group]] won its first title in twenty years .
[[That|]] is what the inspectors found when they arrived .
The drought began in [[the summer of 2003|time]] .
[[Pilots|person,group]] voted to accept the new contract .
The [[earthquake|event]] damaged roads across the region .
[[Nairobi|location,place]] hosted the meeting of environment ministers .
He sold his [[bicycle|object]] to pay for the train ticket .
[[The charity|organization]] runs three shelters in the capital .
""",
    "test": """
[[Rosalind Franklin|person]] took the X-ray photograph of the molecule .
Floods closed the highway south of [[Cairo|location,place]] .
[[The hospital|organization,place]] hired forty new nurses .
The [[tournament|event]] was cancelled after the first round .
A wooden [[chair|object]] from the palace sold for a record price .
[[Miners|person,group]] went on strike over safety rules .
The results will be announced [[in March|time]] .
[[He|person]] refused to comment on the rumours .
The [[exhibition|event]] -LRB- which opened in May -RRB- has been extended .
[[The ministry|organization]] denied that the data had been lost .
Wolves have returned to [[the forest|location,place]] after a century .
The [[camera|object]] was still working when they found it .
[[Parents|person,group]] asked the school to shorten the day .
[[This|]] was the third delay in as many months .
The factory opened in [[1911|time]] and closed in 1980 .
[[The band|organization,group]] released its fourth album .
The [[race|event]] starts at the harbour and ends at the castle .
Prices rose in [[Seoul|location,place]] for the sixth month in a row .
She found an old [[map|object]] in the attic .
[[The league|organization]] fined the club for the late payments .
""",
}

MARK = re.compile(r"\[\[(.+?)\|([a-z,]*)\]\]")


def parse(line):
    m = MARK.search(line)
    assert m and len(MARK.findall(line)) == 1, line
    sent = line[: m.start()] + m.group(1) + line[m.end() :]
    start = m.start()
    end = start + len(m.group(1))
    labels = [l for l in m.group(2).split(",") if l]
    assert set(labels) <= LABELS, labels
    assert sent[start:end] == m.group(1)
    return {"sent": sent, "start": start, "end": end, "labels": labels}


def main():
    out = Path(__file__).resolve().parent.parent / "samples" / "open-entity-sample"
    out.mkdir(parents=True, exist_ok=True)
    for split, text in SPLITS.items():
        rows = [parse(l.strip()) for l in text.strip().splitlines() if l.strip()]
        with open(out / f"{split}.json", "w", encoding="utf-8") as f:
            f.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n")
        print(split, len(rows))


if __name__ == "__main__":
    main()
