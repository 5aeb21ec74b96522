"""Texts that report no event, for the event/no-event decision (``newsmon train-events``).

Only passages written for newsmon (:func:`written_negatives`): templates of news that reports no
political violence (disasters, accidents, epidemics, weather, sport, business, politics,
elections, courts, science, culture), many told with the words of conflict news ("killed",
"explosion", "attack", "battle", "fired"), filled deterministically. No third-party text is
read: the shared corpus' news pages and feed items are their publishers' copyright (internal
testing only), so no shipped weight may be derived from them.
"""

from __future__ import annotations

import re
import zlib


def read_negatives() -> list[tuple[str, str]]:
    """(document key, passage) of every negative passage, in a fixed order: the passages written
    for newsmon (:func:`written_negatives`)."""
    return written_negatives()


def held_back(key: str, parts: int = 4) -> bool:
    """A fixed quarter of the documents (templates), kept out of the fit to calibrate the
    threshold."""
    return zlib.crc32(key.encode()) % parts == 0


# --- passages written for newsmon: the hard negatives -----------------------------------------
# News about disasters, accidents, epidemics, sport, business and diplomacy uses the words of
# conflict news ("killed", "explosion", "attack", "battle", "fired"). These templates (written
# for this project, no copied text) are filled deterministically; the evaluation's texts (etl/evaluation/data/non_violent.yaml, CASE 2021) are
# never used to write or fill them.
TOWNS = ("Ardmore", "Bexley", "Kestrel Bay", "Lowmoor", "San Aurelio", "Port Halden", "Vinsk",
         "Tamarind", "Okoro", "Batu Merah", "Qasr Nadim", "Riverton", "Chalkhill", "Dunmore",
         "Pradesh Nagar", "Kalani", "Mirova", "Santa Lucia", "Elbrook", "Nuevo Campo")
DAYS = ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
        "on Sunday", "overnight", "early on Sunday", "late on Friday", "this morning")
TEMPLATES = """
A magnitude {m} earthquake struck near {town} {day}, killing at least {n} people and damaging hundreds of buildings, the disaster management agency said.
Rescue teams were searching the rubble for survivors after the quake, which toppled homes and cut power across the region; {n} deaths have been confirmed.
Flash floods after days of heavy rain swept through {town} {day}, killing {n} people and forcing thousands from their homes.
The river burst its banks and flooded low-lying districts of {town}; soldiers were deployed to evacuate residents and distribute food.
A landslide buried several houses in {town} {day} after torrential rain, and {n} bodies have been recovered so far.
The cyclone made landfall near {town} with winds of {k} km per hour, destroying crops and killing {n} people, officials said.
Hurricane winds flattened homes along the coast near {town}; the governor declared a state of emergency as the death toll rose to {n}.
A typhoon battered the islands {day}, uprooting trees and cutting off electricity to {k},000 households; {n} people died.
Wildfires raged for a third day near {town}, destroying {k} homes, and firefighters battled the flames from the air.
A forest fire forced the evacuation of villages around {town} as strong winds drove the blaze towards the highway.
Lightning killed {n} farmers working in the fields outside {town} {day}, local officials said.
The heatwave has claimed {n} lives in {town} this week, most of them elderly people, as temperatures passed {k} degrees.
The drought has wiped out the harvest around {town}, and aid agencies warn that families face hunger.
The volcano erupted {day}, sending a column of ash over {town} and forcing the airport to close.
A tornado ripped through {town} {day}, killing {n} people and tearing the roofs off dozens of houses.
An avalanche buried a group of hikers near {town}; rescuers pulled {n} bodies from the snow.
A bus carrying pilgrims plunged into a gorge near {town} {day}, killing {n} passengers and injuring {k} others.
{n} people were killed when a truck collided head-on with a minibus on the highway outside {town}, police said.
A passenger train derailed near {town} {day}, killing {n} people; the railway ministry ordered an inquiry.
A small plane crashed shortly after take-off from {town}, killing all {n} people on board, the aviation authority said.
An overloaded ferry capsized on the river near {town} {day}; {n} passengers drowned and dozens are missing.
A five-storey building collapsed in {town} {day}, trapping residents; {n} bodies were pulled from the debris.
A gas cylinder explosion ripped through a restaurant in {town}, killing {n} people; firefighters blamed a leaking pipe.
An explosion at a chemical plant outside {town} killed {n} workers and sent a plume of smoke over the city.
A fire broke out in a garment factory in {town} {day}, killing {n} workers who were trapped behind locked doors.
A blast in a coal mine near {town} killed {n} miners, and rescue teams were trying to reach others trapped underground.
A boiler exploded at a sugar mill in {town}, killing {n} labourers and injuring {k}.
A fireworks warehouse exploded in {town} {day}, killing {n} people and shattering windows across the neighbourhood.
A bridge collapsed in {town} during the evening rush hour, sending cars into the river; {n} people died.
{n} people were crushed to death in a stampede at a religious festival in {town} {day}.
{n} people died after drinking toxic bootleg liquor in villages around {town}, health officials said.
A gas leak at a fertiliser factory near {town} killed {n} people and sent {k} to hospital.
An electrical short circuit started a fire in a hospital ward in {town}, killing {n} patients.
Health officials reported {k} new cases of cholera in {town} this week and {n} deaths.
Covid-19 infections rose again in {town}, with {k} new cases and {n} deaths reported over the past day.
A measles outbreak has killed {n} children in {town}, and the health ministry launched a vaccination campaign.
Hospitals in {town} are overwhelmed as dengue cases climb, with {n} deaths recorded this month.
The striker fired a shot into the top corner as {town} City beat their rivals {n}-1 {day}.
The home side attacked from the first whistle and won the derby {n}-0 in front of a record crowd.
Fans celebrated in the streets of {town} after their team won the championship final on penalties.
The champion defended her title in a battle of five sets, firing {k} aces in the final.
The coach said his squad fought bravely but were beaten by a late goal in the semi-final.
The boxer knocked out his opponent in the third round to keep his unbeaten record.
{town} Rovers besieged the visitors' penalty area and fought back from two goals down; the winger's shot sealed the comeback.
After a tense battle in midfield, the visitors struck on the counter-attack and won the shootout {n}-{m2}.
Tempers flared in a clash between the two captains near the touchline, and the referee sent both off.
The defenders came under heavy attack in the second half but the goalkeeper held firm for a {n}-0 win.
The quarterback was sacked {n} times as the home side's defence overran the visitors' offensive line.
The challenger fought back from a set down, firing winners from the baseline to take the title in {town}.
The captain struck a century as the visitors took control of the second test at {town}.
The two companies are locked in a price war for the smartphone market, and shares fell {n} per cent.
Investors fled bank stocks after the central bank raised interest rates by {n} basis points.
The retailer launched a hostile takeover bid for its rival, valuing the group at {k} million dollars.
The carmaker will cut {k} jobs at its plant in {town} as sales slump, the company said.
Oil prices jumped {n} per cent after the producers' group agreed to extend output cuts.
The startup raised {k} million dollars to expand its delivery service to {town}.
The foreign minister met his counterpart in {town} {day} to discuss trade, energy and visas.
The two governments signed an agreement on fisheries and promised closer cooperation on climate.
The president travelled to {town} for a summit on infrastructure investment and regional trade.
The ambassador said relations between the two countries had never been stronger.
Parliament passed the budget {day} after a long debate on taxes and pensions.
The prime minister announced a cabinet reshuffle, naming a new finance minister.
The court sentenced a former bank manager to {n} years in prison for fraud and money laundering.
Customs officers seized {k} kilograms of cocaine hidden in a shipment of bananas at the port of {town}.
The museum in {town} reopened after renovation with an exhibition on the history of the railway.
Scientists in {town} unveiled a new battery that charges in {n} minutes.
The festival drew {k},000 visitors to {town} for three days of music and food.
Emergency crews worked through the night to restore power in {town} after a winter storm brought down lines and left {k},000 homes in the dark.
Snow and ice closed the main roads around {town} {day}, and schools will stay shut until the weekend, the council said.
Forecasters warned of gale-force winds and heavy rain along the coast near {town}, and ferries to the islands were cancelled.
Temperatures fell to minus {n} degrees in {town}, the coldest night of the year, and shelters opened extra beds for the homeless.
The meteorological office issued a red alert for {town} as the storm approached, urging residents to stay indoors.
Hailstones the size of golf balls smashed car windows and destroyed orchards around {town} {day}.
A sinkhole swallowed part of a street in {town}, and engineers evacuated {n} houses as a precaution.
The dam overflowed after record rainfall, and villages downstream of {town} were evacuated by boat; {n} people are missing.
Mudslides triggered by the downpour blocked the mountain pass above {town}, stranding {k} vehicles.
A fire tore through a market in {town} {day}, destroying {k} stalls; investigators suspect faulty wiring.
{n} people died when a tourist boat sank in rough seas off {town}, the coast guard said.
A helicopter on a medical flight crashed in fog near {town}, killing the {n} crew members.
A cargo ship ran aground near {town} and began leaking fuel, threatening the beaches.
{n} workers were killed when scaffolding collapsed at a construction site in {town} {day}.
A tanker truck overturned and exploded on the motorway near {town}, killing {n} people and injuring {k} bystanders.
A lift plunged down the shaft of an office tower in {town}, killing {n} people.
{n} people were killed and {k} injured when two trains collided at a junction near {town}.
A fire in a crowded nightclub in {town} killed {n} people; the owner was questioned over missing emergency exits.
{n} children drowned when a school boat overturned on the lake near {town}.
The hospital in {town} treated {k} people for smoke inhalation after a warehouse fire sent a cloud across the city.
The health ministry confirmed {n} cases of bird flu on poultry farms near {town} and ordered the culling of {k},000 chickens.
Doctors in {town} warn that a shortage of insulin is putting patients at risk.
The hospital opened a new cancer wing in {town} with {k} beds, financed by the regional government.
A new vaccine against malaria will be given to children in {town} from next month, the health minister said.
Food poisoning at a wedding in {town} sent {k} guests to hospital; {n} of them died.
The World Health Organization declared the mpox outbreak in {town} under control after {n} weeks without new cases.
The home side's attack dismantled the defence, and {town} United won {n}-0 to top the table.
The two heavyweights traded blows for twelve rounds before the judges gave the fight to the champion.
The defending champions were ambushed by a late counter-attack and crashed out of the cup in {town}.
The sprinter blasted out of the blocks and won gold in a championship record.
The visitors' bowlers fired out the home batsmen for {k} runs on a lively pitch at {town}.
The striker was shot down by a late tackle and the referee pointed to the spot; the penalty won the match.
The club sacked its manager after a run of {n} defeats, and the chairman promised a new start.
Rain stopped play at {town} with the hosts on {k} for {n}.
The cyclist launched an attack on the final climb and rode clear to win the stage into {town}.
{town} Wanderers signed the forward for {n} million euros on a four-year contract.
Veterans of the club lined up for a charity match in {town} to raise money for the children's hospital.
The army team beat the navy in the annual rugby match at {town} {day}.
The central bank cut its key rate by {n} basis points as inflation slowed, and markets rallied.
Shares in the airline plunged {n} per cent after it warned that fuel costs would wipe out profits.
The mining company reported record earnings of {k} million dollars, driven by higher copper prices.
The government unveiled a rescue package for struggling farmers after the harvest failed.
Unemployment fell to {n} per cent, the lowest level in a decade, the statistics office said.
The two firms agreed a merger that will create the region's largest telecoms operator, pending approval.
The bank was fined {k} million dollars for failing to stop money laundering, the regulator said.
Fuel prices rose again in {town}, and taxi drivers said they would raise fares.
The tech giant launched a hostile bid for its smaller rival and promised to keep its offices in {town}.
Voters in {town} go to the polls {day} to elect a new mayor; turnout is expected to be low.
The ruling party won {n} of the {k} seats in the provincial election, according to preliminary results.
The electoral commission announced that the presidential run-off will be held on the first Sunday of next month.
The opposition leader launched her campaign in {town} with a promise to cut taxes and build hospitals.
Counting continued {day} in a tight race, with the two candidates separated by {k} votes.
The candidates attacked each other's records on the economy in a heated television debate.
Lawmakers approved a bill to lower the voting age to {n}, after a long battle in committee.
The senate rejected the government's pension reform by {n} votes, a blow to the coalition.
The new cabinet was sworn in at the presidential palace in {town} {day}.
The mayor of {town} resigned after an audit found irregularities in the city's accounts.
The president pardoned {n} prisoners to mark the national holiday.
The supreme court struck down the new tax law, ruling that parliament had exceeded its powers.
A court in {town} acquitted the former minister of corruption charges after a trial lasting {n} months.
The judge sentenced the driver to {n} years in prison for causing the crash while drunk.
A jury in {town} found the company liable for polluting the river and ordered it to pay {k} million dollars.
The appeals court upheld the ban on the new mine, citing risks to the water supply.
The trial of {n} executives accused of price fixing opened in {town} {day}.
The court in {town} ordered the release of the journalist on bail pending appeal.
Researchers in {town} identified a new species of frog in the rainforest.
The space agency launched a weather satellite from {town} {day}; it reached orbit {n} minutes later.
Astronomers observed a comet passing close to the sun, visible from {town} before dawn.
The university in {town} will open a school of artificial intelligence next year with {k} places.
The new phone from the company sold {k},000 units in its first week.
Hackers stole the personal data of {k},000 customers from the retailer, which said card numbers were safe.
The government launched a programme to bring broadband internet to {k} villages around {town}.
The film festival in {town} opened {day} with a comedy about a family wedding.
The band played to a sold-out stadium in {town}, its first concert there in {n} years.
The author won the national book prize for a novel about three generations of fishermen.
A painting stolen from the gallery in {town} {n} years ago was found in a private collection.
The new metro line in {town} opened {day}, cutting the journey to the airport to {n} minutes.
Teachers in {town} welcomed the government's plan to hire {k} more staff next year.
The zoo in {town} celebrated the birth of {n} lion cubs.
Thousands of runners took part in the marathon through the streets of {town} {day}.
The city council of {town} approved plans for {k} new homes on the site of the old barracks.
Farmers around {town} expect a record wheat harvest after a mild winter.
The army band performed at the opening of the new bridge in {town}.
Military engineers built a temporary bridge over the river near {town} after the floods washed the old one away.
The navy rescued {k} migrants from a sinking boat off {town} and brought them to port.
Police closed the road near {town} after a lorry shed its load of timber; no one was hurt.
Police in {town} are appealing for witnesses after a car hit a cyclist {day}.
Firefighters rescued {n} people trapped in a lift in {town} during the power cut.
The coast guard suspended the search for the {n} fishermen missing off {town} since the storm.
The old munitions depot in {town} will become a public park, the council said.
""".strip().splitlines()


# "..., officials said." is news style, not "no event": ACLED's notes (the positives) have no
# attribution, so a negative with one would teach the gate that "said" means no event (it then
# turned down "Airstrikes hit ... killing two militants, officials said."). Dropped when filling.
ATTRIBUTION = re.compile(r",? (?:the |a |local )?[\w ]{0,40}?(?:said|reported)(?= *[.;])")


def written_negatives(per_template: int = 25, seed: int = 0) -> list[tuple[str, str]]:
    """(key, passage) of the filled templates (deterministic: a seeded generator)."""
    import random

    rng = random.Random(seed)  # noqa: S311 - deterministic filling, not security
    out = []
    for i, template in enumerate(TEMPLATES):
        for _j in range(per_template):
            text = template.format(town=rng.choice(TOWNS), day=rng.choice(DAYS),
                                   n=rng.randint(2, 60), k=rng.randint(3, 400),
                                   m=f"{rng.uniform(5.0, 7.9):.1f}", m2=rng.randint(1, 5))
            text = ATTRIBUTION.sub("", text)
            out.append((f"written:{i}", text[:1].upper() + text[1:]))  # one document
    return out
