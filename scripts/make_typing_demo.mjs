#!/usr/bin/env node
// Writes samples/typing-demo/{train,dev,test}.json: the entity-typing dataset of the main job
// (`npm start`), written for lukelab. No sentence comes from Open Entity or any other corpus: every
// sentence is one of the templates below with its slots filled from the word lists below, by a
// seeded generator, so the same command always writes the same bytes.
//
// The format is the one LUKE's original entity-typing example reads (ERNIE's Open Entity): a JSON
// array of {"sent", "start", "end", "labels"}, code-point offsets of the mention (end exclusive),
// labels from the nine general types. Sentences are space-separated tokens, as in the real data.
//
// What makes it a fair task rather than a lookup table:
//   - a template has several slots (a person, a city and a year, say), all filled, and any one of
//     them is the marked mention; the type comes from the mention's own words (a head noun such as
//     "University" or "Festival", capitals, digits) and from the words around it ("born in", "shares
//     of"), not from the sentence alone;
//   - every mention string belongs to one split only (train, dev or test, by a hash of the string),
//     so dev and test ask about mentions the model has never seen, built from the same vocabulary;
//   - some words name a person in one sentence and a city in another ("Dr. Winston was born
//     in …" / "visitors came to Winston"): only the context tells them apart;
//   - label sets are those of Open Entity, several with two labels (location + place, organization +
//     group, group + person, organization + place, object + entity), a few with none; no label set
//     covers more than a sixth of the examples, so a constant answer scores about 0.3 F1.
//
// Then the tokenizer of the main job's fresh model, trained on train.json's sentences
// (scripts/make_typing_demo_tokenizer.py, with the project venv: `npm run setup` makes it).
//
//   node scripts/make_typing_demo.mjs [--out samples/typing-demo]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = { train: 1000, dev: 250, test: 250 };
const SEED = 20261203;

// --- seeded randomness ---------------------------------------------------------------------------
/** mulberry32: a small, well-mixed 32-bit generator; enough for picking words. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let random = generator(SEED);
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const chance = (p) => random() < p;

/** FNV-1a of a string, in [0, 1): which split a mention string belongs to. */
function hash01(s) {
  let h = 0x811c9dc5;
  for (const ch of s) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 4294967296;
}
const splitOf = (mention) => {
  const x = hash01(mention.toLowerCase());
  return x < 0.6 ? "train" : x < 0.8 ? "dev" : "test";
};

// --- word lists ----------------------------------------------------------------------------------
const FIRST = ["Anna", "Omar", "Li", "Sofia", "Kwame", "Elena", "Rahul", "Maria", "James", "Aisha", "Pedro", "Yuki", "Hannah", "Tomas", "Fatima", "David", "Ingrid", "Mateo", "Chloe", "Ibrahim", "Grace", "Viktor", "Amara", "Lucas", "Mei", "Samuel", "Nadia", "Oscar", "Leila", "Henrik", "Rosa", "Daniel", "Zara", "Felix", "Priya", "Arthur", "Lucia", "Kofi", "Emma", "José", "Zoë", "Noah", "Helga", "Ravi", "Clara", "Marcus", "Ayla", "Peter"];
const LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Novak", "Silva", "Chen", "Kowalski", "Mensah", "Fischer", "Rossi", "Ibarra", "Patel", "Andersen", "Dubois", "Nakamura", "Oyelaran", "Petrov", "Schmidt", "Garcia", "Murphy", "Kaplan", "Varga", "Osei", "Lambert", "Horvat", "Brennan", "Sato", "Khan", "Bauer", "Costa", "Nilsen", "Walsh", "Reyes", "Albrecht", "Morrison", "Hughes", "Yilmaz", "Duarte", "Ferrand", "Galloway"];
const TITLES = ["Dr.", "Mr.", "Mrs.", "Ms.", "Professor", "Judge", "Captain", "Senator"];
// Words that are a surname in one sentence and a town in another.
const AMBIGUOUS = ["Lincoln", "Jordan", "Chester", "Warwick", "Austin", "Florence", "Kent", "Sydney", "Preston", "Winston", "Carlisle", "Hamilton", "Orlando", "Derby", "Camden", "Paris"];
const CITIES = ["Lisbon", "Nairobi", "Oslo", "Kyoto", "Lyon", "Toronto", "Krakow", "Accra", "Porto", "Bergen", "Seville", "Manila", "Dublin", "Tbilisi", "Quito", "Adelaide", "Malmö", "Leipzig", "Izmir", "Mombasa", "Valparaíso", "Tampere", "Ghent", "Bilbao", "Cork", "Hanoi", "Zagreb", "Recife", "Aarhus", "Salta", "Kumasi", "Bruges", "Graz", "Nantes", "Turin", "Riga"];
const COUNTRIES = ["Portugal", "Kenya", "Norway", "Japan", "Ghana", "Peru", "Chile", "Croatia", "Vietnam", "Ireland", "Finland", "Morocco", "Uruguay", "Estonia", "Nepal", "Canada", "Iceland", "Senegal"];
const TOWN_PARTS = [["Port", "Fort", "North", "East", "New", "Upper", "Lower", "West"], ["Alder", "Bram", "Cole", "Dun", "Elm", "Fen", "Gar", "Holt", "Ives", "Kirk", "Lang", "Mor", "Oak", "Pen", "Rook", "Stan", "Thorn", "Wick"], ["ford", "ton", "bury", "field", "haven", "mouth", "ley", "wick", "dale", "stead"]];
const GEO_HEADS = ["River", "Lake", "Mount", "Bay", "Valley", "Forest", "Island", "Desert", "Plain", "Glacier"];
const GEO_GENERIC = ["the northern coast", "the southern hills", "the river delta", "the eastern plains", "the mountain pass", "the western shore", "the high plateau", "the coastal marshes", "the upper valley", "the old quarry", "the dry riverbed", "the outer islands", "the border region", "the central highlands", "the lowlands", "the far north"];
const VENUE_HEADS = ["Stadium", "Square", "Bridge", "Market", "Harbour", "Station", "Park", "Arena", "Pier", "Gardens"];
const VENUE_GENERIC = ["the town square", "the old bridge", "the train station", "the central market", "the harbour", "the main stadium", "the city park", "the bus terminal", "the village green", "the ferry pier", "the car park", "the sports hall", "the airport", "the town hall", "the old cemetery", "the shopping centre"];
const INSTITUTION_KINDS = [["", "University"], ["St. ", "Hospital"], ["the ", "Museum"], ["", "High School"], ["the ", "Public Library"], ["the ", "Institute of Technology"], ["", "General Hospital"], ["the ", "Art Gallery"], ["the ", "Observatory"], ["", "College"]];
const COMPANY_STEMS = ["Norvik", "Altra", "Helix", "Brightwater", "Kestrel", "Solano", "Vantor", "Meridian", "Corvan", "Lumetra", "Orbis", "Pallas", "Quillon", "Redfern", "Stellan", "Tessaro", "Umbra", "Verity", "Zenith", "Arcadia", "Bluestone", "Calder", "Dunmore", "Evergreen"];
const COMPANY_KINDS = ["Steel", "Systems", "Foods", "Airlines", "Bank", "Motors", "Insurance", "Media", "Pharmaceuticals", "Energy", "Telecom", "Logistics", "Software", "Textiles", "Shipping", "Mining"];
const COMPANY_SUFFIX = ["", "", "", "Inc.", "Ltd.", "Group", "Corporation"];
const TEAM_MASCOTS = ["Rovers", "Kings", "Falcons", "Wanderers", "Lions", "Comets", "Rangers", "Titans", "Hawks", "Pirates", "Saints", "Wolves"];
const BODIES = ["the city council", "the national assembly", "the board of directors", "the supreme court", "the football association", "the teachers ' union", "the health ministry", "the parliament", "the election commission", "the chamber orchestra", "the school board", "the student union", "the town council", "the senate", "the finance ministry", "the jazz quartet", "the choir", "the trade union", "the planning committee", "the coast guard", "the fire brigade", "the police department", "the rowing club", "the chess club"];
const PEOPLE_ADJ = ["local", "angry", "young", "elderly", "striking", "retired", "hundreds of", "dozens of", "thousands of", "some", "many", "several", "frustrated", "exhausted", "off-duty", "visiting"];
const PEOPLE_NOUNS = ["farmers", "fishermen", "students", "nurses", "miners", "voters", "workers", "residents", "fans", "teachers", "doctors", "protesters", "villagers", "tourists", "soldiers", "volunteers", "drivers", "shoppers", "pilots", "engineers", "refugees", "commuters", "parents", "climbers"];
const ROLE_ADJ = ["the", "the former", "the new", "the retired", "a young", "an elderly", "the local", "the head", "the chief", "a senior", "the acting", "a veteran"];
const ROLE_NOUNS = ["mayor", "judge", "nurse", "captain", "senator", "teacher", "driver", "pilot", "coach", "surgeon", "architect", "farmer", "detective", "journalist", "priest", "banker", "lawyer", "engineer", "novelist", "fisherman", "chef", "librarian", "firefighter", "diplomat"];
// Named events: [name, what kind of slot it fits] (a contest can be won; a show is planned).
const EVENT_NAMED = ["Film Festival", "Jazz Festival", "Book Fair", "Trade Fair", "Science Fair", "Music Festival", "Summit", "Carnival", "Peace Conference", "Motor Show"];
const CONTEST_NAMED = ["Marathon", "Regatta", "Grand Prix", "Chess Open", "Cup", "Open"];
const DISASTERS = ["the earthquake", "the flood", "the hurricane", "the fire", "the famine", "the storm", "the landslide", "the blackout", "the riots", "the coup", "the invasion", "the drought", "the eruption", "the explosion", "the epidemic", "the heatwave"];
const PLANNED = ["the general election", "the strike", "the wedding", "the referendum", "the parade", "the funeral", "the harvest festival", "the opening ceremony", "the trial", "the auction", "the concert", "the rally", "the debate", "the graduation", "the protest march", "the hunger strike", "the summit", "the peace talks", "the state visit", "the carnival"];
const CONTESTS = ["the final", "the tournament", "the league title", "the championship", "the cup final", "the relay race", "the derby", "the semi-final"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
// Time phrases that stand as adverbs without a preposition.
const TIME_PHRASES = ["last week", "last winter", "the following spring", "two years later", "early this morning", "the next day", "late last year", "the previous summer", "three decades ago", "yesterday", "a week earlier", "the following morning", "last night", "years later", "the day before"];
const OBJECT_ADJ = ["an old", "a silver", "a broken", "a small", "a wooden", "a red", "the stolen", "the antique", "a heavy", "a brass", "the rusty", "a new", "a tiny", "the damaged", "a leather", "a glass"];
const OBJECT_NOUNS = ["violin", "bicycle", "camera", "lamp", "coin", "watch", "laptop", "telescope", "suitcase", "compass", "guitar", "typewriter", "chair", "helmet", "kettle", "ring", "painting", "sword", "radio", "clock", "statue", "map", "vase", "trumpet", "microscope", "bell"];
const PRODUCT_NAMES = ["Falcon", "Aurora", "Nimbus", "Pioneer", "Orion", "Cobalt", "Zephyr", "Atlas", "Vega", "Sparrow", "Mistral", "Juno", "Polaris", "Quasar"];
const PRODUCT_KINDS = ["phone", "tablet", "rocket", "tractor", "camera", "drone", "car", "satellite", "printer", "console"];
const ABSTRACT_ADJ = ["the new", "the proposed", "the controversial", "the old", "the revised", "a radical", "the first", "the national", "the draft", "an unpopular"];
const ABSTRACT_NOUNS = ["law", "theory", "treaty", "policy", "budget", "tax", "constitution", "plan", "proposal", "doctrine", "contract", "regulation", "strategy", "reform", "agreement", "curriculum"];
const NONE_MENTIONS = ["it", "that", "this", "the rest", "much of it", "something", "nothing", "the same", "all of this", "what", "the other", "the first one", "most of them", "everything", "either", "none"];

// --- mention kinds: labels and how to make one -----------------------------------------------
const town = () => (chance(0.5) ? pick(TOWN_PARTS[0]) + " " : "") + pick(TOWN_PARTS[1]) + pick(TOWN_PARTS[2]);
const city = () => (chance(0.45) ? pick(CITIES) : chance(0.35) ? pick(COUNTRIES) : town());
const surname = () => (chance(0.8) ? pick(LAST) : pick(AMBIGUOUS));
const personName = () => {
  const r = random();
  if (r < 0.55) return `${pick(FIRST)} ${surname()}`;
  if (r < 0.8) return `${pick(TITLES)} ${surname()}`;
  if (r < 0.9) return `${pick(FIRST)} ${pick("ABCDEFGHJKLMNPRSTW")}. ${surname()}`;
  return surname();
};

/** Each kind: its Open Entity labels and a maker of one mention (tokens separated by spaces). */
const KINDS = {
  person: { labels: ["person"], make: personName },
  role: { labels: ["person"], make: () => `${pick(ROLE_ADJ)} ${pick(ROLE_NOUNS)}` },
  people: { labels: ["group", "person"], make: () => `${pick(PEOPLE_ADJ)} ${pick(PEOPLE_NOUNS)}` },
  city: { labels: ["location", "place"], make: () => (chance(0.12) ? pick(AMBIGUOUS) : city()) },
  geo: { labels: ["location"], make: () => (chance(0.4) ? pick(GEO_GENERIC) : geoName()) },
  venue: { labels: ["place"], make: () => (chance(0.45) ? pick(VENUE_GENERIC) : `${chance(0.5) ? "the " : ""}${chance(0.5) ? pick(LAST) : town()} ${pick(VENUE_HEADS)}`) },
  institution: {
    labels: ["organization", "place"],
    make: () => {
      const [before, head] = pick(INSTITUTION_KINDS);
      const name = chance(0.5) ? (chance(0.5) ? pick(CITIES) : town()) : pick(LAST);
      return `${before}${name}${before === "St. " ? " 's" : ""} ${head}`;
    },
  },
  company: { labels: ["organization"], make: () => [pick(COMPANY_STEMS), pick(COMPANY_KINDS), pick(COMPANY_SUFFIX)].filter(Boolean).join(" ") },
  // {team}: a club or a body of people; {club}: a sports club.
  team: { labels: ["organization", "group"], make: (slot) => (slot !== "club" && chance(0.45) ? pick(BODIES) : `the ${chance(0.5) ? pick(CITIES) : town()} ${pick(TEAM_MASCOTS)}`) },
  // {event}: anything that happens; {show}: something planned; {contest}: something won;
  // {disaster}: something that strikes.
  event: {
    labels: ["event"],
    make: (slot) => {
      const place = () => (chance(0.6) ? pick(CITIES) : town());
      const dated = () => (chance(0.5) ? year() + " " : "");
      if (slot === "disaster") return pick(DISASTERS);
      if (slot === "contest") return chance(0.4) ? pick(CONTESTS) : `the ${dated()}${place()} ${pick(CONTEST_NAMED)}`;
      const r = random();
      if (slot !== "show" && r < 0.3) return pick(DISASTERS);
      if (slot !== "show" && r < 0.4) return `the Battle of ${place()}`;
      if (r < 0.7) return pick(PLANNED);
      return `the ${dated()}${place()} ${pick(EVENT_NAMED)}`;
    },
  },
  time: {
    labels: ["time"],
    make: () => {
      const r = random();
      if (r < 0.25) return year();
      if (r < 0.45) return `${pick(MONTHS)} ${year()}`;
      if (r < 0.55) return `${1 + Math.floor(random() * 28)} ${pick(MONTHS)}`;
      if (r < 0.65) return `${pick(["last", "on", "early on", "late on"])} ${pick(DAYS)}`.replace(/^on /, "");
      if (r < 0.75) return `the ${pick(["spring", "summer", "autumn", "winter"])} of ${year()}`;
      if (r < 0.82) return `the ${1900 + 10 * Math.floor(random() * 12)}s`;
      return pick(TIME_PHRASES);
    },
  },
  object: { labels: ["object"], make: () => `${pick(OBJECT_ADJ)} ${pick(OBJECT_NOUNS)}` },
  product: { labels: ["object", "entity"], make: () => `the ${pick(PRODUCT_NAMES)} ${chance(0.5) ? Math.floor(2 + random() * 9) + " " : ""}${pick(PRODUCT_KINDS)}` },
  abstract: { labels: ["entity"], make: () => `${pick(ABSTRACT_ADJ)} ${pick(ABSTRACT_NOUNS)}` },
  none: { labels: [], make: () => pick(NONE_MENTIONS) },
};
function year() {
  return String(1890 + Math.floor(random() * 135));
}
function geoName() {
  const head = pick(GEO_HEADS);
  const name = chance(0.5) ? pick(LAST) : town();
  return head === "River" || head === "Valley" || head === "Forest" || head === "Desert" || head === "Plain" || head === "Glacier" ? `the ${name} ${head}` : `${head} ${name}`;
}

/** How often each kind is the marked mention: no label set above about a sixth of the examples. */
const WEIGHTS = { person: 11, role: 6, people: 8, city: 10, geo: 6, venue: 6, institution: 6, company: 9, team: 7, event: 9, time: 9, object: 6, product: 3, abstract: 5, none: 2 };

// --- templates: {kind} is a slot; every slot is filled, one of the asked kind is the mention -------
const TEMPLATES = `
{person} was born in {city} {time} .
{person} , a former {role-noun} , moved to {city} after {event} .
According to {person} , {company} will cut two hundred jobs before {date} .
{person} told reporters in {city} that {abstract} would not pass .
{role} said {people} had been waiting outside {venue} since {date} .
{people} gathered in {venue} to protest against {abstract} .
Shares of {company} fell sharply {time} after the earnings report .
{company} opened a new factory near {city} {time} .
{company} , based in {city} , hired {person} as its chief executive .
{team} voted to approve {abstract} {time} .
{club} won {contest} for the second time .
{show} took place in {city} {time} .
{disaster} struck {city} {time} , killing dozens .
{club} lost {contest} to {club} {time} .
Thousands of visitors came to {city} for {show} .
{show} was postponed until {date} because of the weather .
During {event} , {people} slept in {venue} .
Police found {object} in a car parked near {venue} .
{person} bought {object} at a flea market in {city} .
{object} belonging to {person} was sold at auction for a record price .
{institution} received a large donation from {company} .
{person} studied medicine at {institution} before moving to {city} .
{people} from {institution} took part in {show} .
Floods cut off villages along {geo} {time} .
{people} crossed {geo} on foot to reach {city} .
The road to {geo} was closed after {event} .
{role} of {city} opened {venue} {time} .
{venue} was rebuilt after {disaster} destroyed it .
{company} launched {product} in {city} {time} .
{product} , made by {company} , sold out within a week .
Critics of {abstract} say it favours {people} .
{team} hired {person} to draft {abstract} .
{role} was arrested in {city} {time} .
{role} from {institution} described {object} as priceless .
{person} has lived in {city} since {date} .
The bus from {city} to {geo} runs only in summer .
{club} played their first match at {venue} {time} .
{person} , who coaches {club} , grew up near {geo} .
{people} were evacuated from {venue} before {event} .
{role} warned that {abstract} would hurt {people} .
Negotiators from {city} and {city} met in {venue} .
After {event} , {company} moved its offices to {city} .
{person} described {event} as the worst day of her life .
The museum in {city} displays {object} found near {geo} .
{role} signed {abstract} in {venue} {time} .
{institution} will close for repairs until {date} .
{people} say {company} polluted {geo} for decades .
{person} and {person} founded {company} {time} .
Tickets for {show} went on sale {time} .
{club} has not lost a game since {date} .
Rescue teams searched {geo} for {people} missing since {disaster} .
{person} left {object} on a train to {city} .
{institution} lent {object} to a museum in {city} .
{company} was fined {time} for breaking {abstract} .
{role} resigned from {team} {time} , citing {abstract} .
{people} lined the streets of {city} for {show} .
In {city} , {people} queued for hours outside {venue} .
{it} was not what {people} in {city} had expected .
{person} said {it} had nothing to do with {abstract} .
{role} could not explain {it} , officials in {city} said .
`
  .trim()
  .split("\n");
// {role-noun} is filler only (never marked); {it} marks the "none" kind; {time} brings its own
// preposition ("in 1987", "on 3 May", "last week"); {date} stands bare after since, until, before.
const FILLER = { "role-noun": () => pick(ROLE_NOUNS) };
const SLOT_KINDS = { it: "none", date: "time", show: "event", contest: "event", disaster: "event", club: "team" };
const KIND_OF_SLOT = (slot) => SLOT_KINDS[slot] ?? slot;

/** "in 1987", "on 3 May", "last week": the preposition a time mention takes as an adverb. */
function timePreposition(text) {
  if (/^\d+ [A-Z]/.test(text)) return "on";
  if (/^(\d{4}|[A-Z][a-z]+ \d{4}|the \d{4}s|the [a-z]+ of \d{4})$/.test(text)) return "in";
  if (DAYS.includes(text)) return "on";
  return "";
}

/**
 * A mention of `kind` for `split`: drawn until its string belongs to that split. A {date} slot
 * takes only calendar forms (a year, a month, a day), which read well after since or until.
 */
function mentionFor(kind, split, slot = kind) {
  for (let tries = 0; tries < 10_000; tries++) {
    const m = KINDS[kind].make(slot);
    if (slot === "date" && (timePreposition(m) !== "in" && timePreposition(m) !== "on")) continue;
    if (splitOf(m) === split) return m;
  }
  throw new Error(`could not draw a ${kind} mention for ${split}: the word lists are too small`);
}

/** One example of `kind` in `split`, or undefined when no template holds that kind. */
function example(kind, split) {
  const candidates = TEMPLATES.filter((t) => t.match(/\{([a-z-]+)\}/g).some((s) => KIND_OF_SLOT(s.slice(1, -1)) === kind));
  const template = pick(candidates);
  const slots = [...template.matchAll(/\{([a-z-]+)\}/g)];
  const marked = pick(slots.filter((s) => KIND_OF_SLOT(s[1]) === kind));
  let sent = "";
  let start = 0;
  let end = 0;
  let at = 0;
  const codePoints = (s) => Array.from(s).length;
  for (const slot of slots) {
    sent += template.slice(at, slot.index);
    const name = slot[1];
    const slotKind = KIND_OF_SLOT(name);
    let filler = slot === marked ? mentionFor(kind, split, name) : name in FILLER ? FILLER[name]() : mentionFor(slotKind, split, name);
    // {time} brings the preposition its form needs; the preposition is context, not mention.
    const before = name === "time" ? timePreposition(filler) : "";
    if (before) sent += before + " ";
    // A sentence starts with a capital, as a mention at the start of a real sentence does.
    if (sent === "") filler = filler[0].toUpperCase() + filler.slice(1);
    if (slot === marked) {
      start = codePoints(sent);
      end = start + codePoints(filler);
    }
    sent += filler;
    at = slot.index + slot[0].length;
  }
  sent += template.slice(at);
  return { sent, start, end, labels: [...KINDS[kind].labels].sort() };
}

function drawKind() {
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (const [kind, w] of Object.entries(WEIGHTS)) {
    r -= w;
    if (r < 0) return kind;
  }
  return "none";
}

function build() {
  random = generator(SEED);
  const out = {};
  for (const [split, n] of Object.entries(SIZES)) {
    const seen = new Set();
    out[split] = [];
    while (out[split].length < n) {
      const ex = example(drawKind(), split);
      if (seen.has(ex.sent)) continue;
      seen.add(ex.sent);
      out[split].push(ex);
    }
  }
  // The promise of the README: no dev or test mention string appears as a train mention.
  const mention = (e) => Array.from(e.sent).slice(e.start, e.end).join("").toLowerCase();
  const trainMentions = new Set(out.train.map(mention));
  for (const split of ["dev", "test"]) {
    const clash = out[split].find((e) => trainMentions.has(mention(e)));
    if (clash) throw new Error(`internal: ${split} mention "${mention(clash)}" is also a train mention`);
  }
  return out;
}

function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf("--out");
  const dir = at >= 0 ? resolve(args[at + 1]) : join(ROOT, "samples", "typing-demo");
  mkdirSync(dir, { recursive: true });
  const data = build();
  for (const [split, examples] of Object.entries(data)) {
    const file = join(dir, `${split}.json`);
    // One example per line: small diffs, readable with grep.
    const text = "[\n" + examples.map((e) => JSON.stringify(e)).join(",\n") + "\n]\n";
    writeFileSync(file + ".tmp", text);
    renameSync(file + ".tmp", file);
    console.log(`${file}: ${examples.length} examples, ${text.length} bytes`);
  }
  const python = join(ROOT, ".venv", "bin", "python");
  if (!existsSync(python)) throw new Error(`${python} is missing: the tokenizer step needs the project venv (npm run setup)`);
  const r = spawnSync(python, [join(ROOT, "scripts", "make_typing_demo_tokenizer.py"), dir], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

main();
