//! Generated contexts for the benchmark's corpus workloads
//! (`benches/workloads/corpus_*.py`). Each of those programs was written by a
//! model for a context of one shape (oolong message lines, LongBench TREC
//! questions, a tabletop-game transcript), so each gets a context of that
//! shape, a few MB, from a seeded generator: every run, ours and CPython's,
//! sees the same bytes.

/// A 64-bit linear congruential generator (the shared context's constants);
/// the high bits are the usable ones.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// An index into `weights`, each drawn in proportion to its weight.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut at = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if at < *w {
                return i;
            }
            at -= w;
        }
        weights.len() - 1
    }
}

/// Oolong's spam/ham task: a preamble, then one SMS a line,
/// `Date: Mon DD, YYYY || User: NNNNN || Instance: text  || Label: spam|ham`
/// (the shape `oolong_synth_idx100`'s programs parse), dates 2022-2025.
pub fn oolong_messages(target_len: usize) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const HAM: [&str; 24] = [
        "ok see you at the station",
        "I'm on the way home now",
        "Can't make it tonight, sorry",
        "Did you get the photos I sent?",
        "haha that's hilarious",
        "Where are you now?",
        "Sorry, in a meeting, will call later.",
        "Fancy a coffee tomorrow morning?",
        "Don't forget your keys again",
        "Night night, sleep well x",
        "What time is dinner?",
        "K, I'll be there by 7",
        "Just got home.",
        "Too tired, going to bed now",
        "Are you free this weekend?",
        "Tell mum I'll be a bit late",
        "The train is stuck outside the station again",
        "Can you grab some milk on the way",
        "Happy birthday!! Have the best day :)",
        "ya coming, give me 10 mins",
        "That film was so good",
        "Meeting moved to 3pm, same room",
        "Thanks for last night, it was fun",
        "u still at the office?",
    ];
    const SPAM: [&str; 20] = [
        "URGENT! Your number has been picked for a £2500 prize.",
        "FREE entry to our weekly draw, text PLAY to 80188",
        "Dear valued customer, you are due a £750 loyalty reward!",
        "Call 09050001234 to claim, ref QX72. Offer ends in 12 hrs.",
        "You have 2 unheard voice messages. Call 09050002345 today",
        "Text HALT to end, 150p/msg",
        "Congrats! You've won a city break for two or £1200 cash",
        "Reply YES for your free ringtone pack",
        "Your phone is due a free upgrade, call 0800 000 1234",
        "Claim your new handset today, T&Cs apply",
        "WINNER! A mystery gift awaits you, call 09050003456",
        "Unlimited texts for just 50p a week",
        "Your loyalty points expire soon: 900 points left to redeem",
        "Top chart tones every week, text TONES to 86021",
        "18+ only. Msg cost £1.50",
        "Double your minutes & texts this month at no extra cost",
        "Cash loan of £4000 approved, reply CASH to accept",
        "Hot singles near you want to chat! Text DATE to 88011",
        "Last chance: your prize is waiting, reply CLAIM now",
        "Bonus! 200 free minutes when you text NOW to 80099",
    ];
    let mut rng = Lcg(0x0013_1a9e);
    // Users recur, as in the real data.
    let users: Vec<u64> = (0..600).map(|_| 10_000 + rng.next() % 90_000).collect();
    let mut body = String::with_capacity(target_len + 256);
    let mut count = 0;
    while body.len() < target_len {
        let year = 2022 + rng.below(4);
        let month = rng.below(12);
        let days = match month {
            1 if year % 4 == 0 => 29,
            1 => 28,
            3 | 5 | 8 | 10 => 30,
            _ => 31,
        };
        let day = 1 + rng.below(days);
        let spam = rng.chance(30);
        let parts = if spam { &SPAM[..] } else { &HAM[..] };
        let mut text = rng.pick(parts).to_string();
        for _ in 0..rng.below(3) {
            text.push(' ');
            text.push_str(rng.pick(parts));
        }
        body.push_str(&format!(
            "Date: {} {day:02}, {year} || User: {} || Instance: {text}  || Label: {}\n",
            MONTHS[month],
            users[rng.below(users.len())],
            if spam { "spam" } else { "ham" }
        ));
        count += 1;
    }
    format!(
        "\nThe lines below hold {count} text messages, one a line, each labelled spam or ham \
         (not spam).\n\nQuestions will ask about label counts over all {count} messages; \
         count exactly, do not estimate.\n\n{body}"
    )
}

/// LongBench's TREC task: a preamble, one unlabelled question (its `Type:`
/// empty, followed by a blank line, as in `longbench_trec_idx100`'s context),
/// then `Question: ... ?` / `Type: label` pairs, one label of 47 classes.
pub fn trec_questions(target_len: usize) -> String {
    const TYPES: [(&str, u32); 47] = [
        ("Abbreviation", 3),
        ("Expression abbreviated", 6),
        ("Animal", 10),
        ("Organ of body", 2),
        ("Color", 2),
        ("Invention, book and other creative piece", 20),
        ("Currency name", 2),
        ("Disease and medicine", 8),
        ("Event", 9),
        ("Food", 7),
        ("Musical instrument", 1),
        ("Language", 2),
        ("Letter like a-z", 2),
        ("Other entity", 19),
        ("Plant", 2),
        ("Product", 3),
        ("Religion", 1),
        ("Sport", 5),
        ("Element and substance", 4),
        ("Symbols and sign", 2),
        ("Techniques and method", 5),
        ("Equivalent term", 16),
        ("Vehicle", 2),
        ("Word with a special property", 3),
        ("Definition of something", 50),
        ("Description of something", 25),
        ("Manner of an action", 32),
        ("Reason", 21),
        ("Group or organization of person", 21),
        ("Individual", 95),
        ("Title of a person", 2),
        ("Description of a person", 4),
        ("City", 17),
        ("Country", 18),
        ("Mountain", 2),
        ("Other location", 50),
        ("State", 5),
        ("Postcode or other code", 1),
        ("Number of something", 39),
        ("Date", 25),
        ("Distance, linear measure", 4),
        ("Price", 11),
        ("Order, rank", 1),
        ("Other number", 3),
        ("Lasting time of somethin", 9),
        ("Percent, fraction", 3),
        ("Temperature", 2),
    ];
    const NOUNS: [&str; 24] = [
        "river",
        "paper clip",
        "telescope",
        "vaccine",
        "bridge",
        "novel",
        "volcano",
        "dollar",
        "glacier",
        "opera",
        "satellite",
        "language",
        "currency",
        "cathedral",
        "tornado",
        "piano",
        "penguin",
        "marathon",
        "microchip",
        "comet",
        "canal",
        "senate",
        "violin",
        "desert",
    ];
    const PLACES: [&str; 16] = [
        "the North Sea",
        "Iowa",
        "Tokyo",
        "the Andes",
        "Canada",
        "the Sahara",
        "Venice",
        "Peru",
        "the Shetland Islands",
        "Australia",
        "Texas",
        "Norway",
        "the Nile delta",
        "Bombay",
        "Montreal",
        "the Alps",
    ];
    const PEOPLE: [&str; 12] = [
        "Shakespeare",
        "Marie Curie",
        "Thomas Edison",
        "Napoleon",
        "Galileo",
        "Mark Twain",
        "Cleopatra",
        "Einstein",
        "Charles Darwin",
        "Beethoven",
        "Amelia Earhart",
        "Tolstoy",
    ];
    const VERBS: [&str; 8] =
        ["invent", "discover", "write", "build", "name", "paint", "design", "found"];
    const ADJECTIVES: [&str; 8] =
        ["violent", "popular", "expensive", "cold", "famous", "dangerous", "tall", "old"];
    let weights: Vec<u32> = TYPES.iter().map(|(_, w)| *w).collect();
    let mut rng = Lcg(0x7ec0_2026);
    let question = |rng: &mut Lcg| -> String {
        let (noun, place) = (rng.pick(&NOUNS), rng.pick(&PLACES));
        match rng.below(10) {
            0 => format!("What is the largest {noun} in {place} ?"),
            1 => format!("Who was the first person to {} a {noun} ?", rng.pick(&VERBS)),
            2 => format!("How many {noun}s are there in {place} ?"),
            3 => format!("When did {} {} the {noun} ?", rng.pick(&PEOPLE), rng.pick(&VERBS)),
            4 => format!("Why is the {noun} so {} ?", rng.pick(&ADJECTIVES)),
            5 => format!("What does the {noun} of {place} stand for ?"),
            6 => format!("Where did {} see a {noun} ?", rng.pick(&PEOPLE)),
            7 => format!("How far is {place} from {} ?", rng.pick(&PLACES)),
            8 => format!("What is a {noun} ?"),
            _ => format!("How much does a {} {noun} cost in {place} ?", rng.pick(&ADJECTIVES)),
        }
    };
    let mut out = String::with_capacity(target_len + 256);
    out.push_str("Decide the type of the question below. Some classified questions follow.\n\n");
    out.push_str(&format!("Question: {}\nType:\n\n", question(&mut rng)));
    while out.len() < target_len {
        let q = question(&mut rng);
        let label = TYPES[rng.weighted(&weights)].0;
        out.push_str(&format!("Question: {q}\nType: {label}\n"));
    }
    out
}

/// A tabletop-game transcript (`oolong_real_toy_dnd`'s shape): the question,
/// then one `Speaker: words` a line, the game master (`Matt`) the most
/// talkative, dice results said aloud now and then ("Natural 20.", "That's a
/// 14.") and checks asked for ("Roll a perception check.").
pub fn transcript(target_len: usize) -> String {
    const SPEAKERS: [(&str, u32); 8] = [
        ("Matt", 32),
        ("Travis", 12),
        ("Laura", 13),
        ("Sam", 11),
        ("Liam", 10),
        ("Marisha", 10),
        ("Taliesin", 8),
        ("Ashley", 4),
    ];
    const CHARACTERS: [&str; 8] =
        ["Fjord", "Jester", "Beau", "Nott", "Caleb", "Mollymauk", "Yasha", "the innkeeper"];
    const NARRATION: [&str; 20] = [
        "The tavern is loud tonight, the smell of spilled ale heavy in the air.",
        "As you step into the alley, torchlight flickers on the wet cobbles.",
        "He leans back in his chair and studies you with a lopsided grin.",
        "The creature lurches toward you, dragging one ruined leg behind it.",
        "A bell tolls somewhere across the square, slow and heavy.",
        "She stacks the coins into neat little towers on the table.",
        "The wagon bumps along the road toward the edge of town.",
        "Okay, so you talk for a few minutes and get a decent read on him.",
        "All right. That finishes its turn.",
        "You bring your blade around and catch it along the ribs.",
        "Inside the chest you find a handful of gold and some silver.",
        "A crowd gathers around the tent as the music starts up.",
        "You turn just in time to see it rear back.",
        "The door groans open onto a narrow stair leading down.",
        "The cave is cold and damp, water dripping from the ceiling.",
        "Welcome back, everyone, to the second half of the game.",
        "The guard folds his arms and nods you back toward the gate.",
        "The world spins for a moment and your ears ring.",
        "He draws a worn deck of cards from his coat and starts to deal.",
        "The merchant nods and wraps the knife in a scrap of cloth.",
    ];
    const CHECKS: [&str; 12] = [
        "Go ahead and roll a perception check.",
        "Make a dexterity saving throw.",
        "Roll initiative, everyone.",
        "Go ahead and roll damage.",
        "Roll an insight check for me.",
        "That hits. Roll damage.",
        "Make a constitution saving throw, please.",
        "What did you get on that check?",
        "Roll with advantage on that one.",
        "Make an attack roll.",
        "It's a DC 14 save.",
        "Roll a d20 and add your wisdom.",
    ];
    const PLAYER: [&str; 24] = [
        "Can I look around the room?",
        "I want to talk to the barkeep.",
        "Wait, what? No way.",
        "I pull out my crossbow.",
        "We should get moving before it gets dark.",
        "How much gold do we have left?",
        "I'm going to sneak around behind him.",
        "I don't like this. Someone's following us.",
        "Okay, okay.",
        "Do I get to roll for that?",
        "I cast hex on it.",
        "Can I make an insight check?",
        "She's the best. (laughter)",
        "Do I notice anything weird?",
        "Thanks, that's kind of you.",
        "Let's split the gold evenly.",
        "I attack the one nearest me.",
        "Oh no. (laughter)",
        "Does it look wounded?",
        "My intelligence is 14, I've got this.",
        "No idea.",
        "I drink the whole thing.",
        "Is anyone else watching her?",
        "Let's do it tomorrow!",
    ];
    const RESULTS: [&str; 10] = [
        "Natural 20! (cheering)",
        "13.",
        "That's a 14.",
        "I rolled a 3.",
        "That's 16 to hit.",
        "Nice, 9 points of damage.",
        "21.",
        "First one was a two. Second is 17.",
        "nat 1. (groaning)",
        "Seven, plus four necrotic.",
    ];
    let weights: Vec<u32> = SPEAKERS.iter().map(|(_, w)| *w).collect();
    let mut rng = Lcg(0x0d1c_e020);
    let mut out = String::with_capacity(target_len + 256);
    out.push_str("\nHow many dice rolls did the character Fjord make in this episode?\n\n----\n");
    while out.len() < target_len {
        let speaker = SPEAKERS[rng.weighted(&weights)].0;
        let mut line = format!("{speaker}: ");
        if speaker == "Matt" {
            for _ in 0..1 + rng.below(4) {
                line.push_str(rng.pick(&NARRATION));
                line.push(' ');
            }
            if rng.chance(25) {
                line.push_str(rng.pick(&CHARACTERS));
                line.push_str(", ");
            }
            if rng.chance(20) {
                line.push_str(rng.pick(&CHECKS));
            }
        } else if rng.chance(15) {
            line.push_str(rng.pick(&RESULTS));
        } else {
            for _ in 0..1 + rng.below(2) {
                line.push_str(rng.pick(&PLAYER));
                line.push(' ');
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
