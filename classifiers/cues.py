"""Transparent cue rules: regexes over normalised ASR text, one list per label.

They do two jobs. A hit is the *evidence* shown to the rep (the matched span),
and the hits are features for the linear head, which learns how much to trust
each cue. On their own the rules are weak (measured: ~0.5 macro-F1), so a rule
is never a hard verdict here; only the user's own cue phrases are (rules.py).
Patterns are written for generic phrasing, not for sentences in the data sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifiers.text import normalize


@dataclass(frozen=True, slots=True)
class Cue:
    """One named regex for one label; ``weight`` is its vote in the rules-only scorer."""

    label: str
    name: str
    pattern: re.Pattern[str]
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class CueHit:
    """A cue that fired, with the span of normalised text it matched."""

    cue: Cue
    span: str


def _any(*alternatives: str) -> str:
    """A non-capturing group of alternatives, each a regex (keeps the tables readable)."""
    return "(?:" + "|".join(alternatives) + ")"


def _words(*phrases: str) -> str:
    """Whole-word alternatives."""
    return r"\b" + _any(*phrases) + r"\b"


def _c(label: str, name: str, regex: str, weight: float = 1.0) -> Cue:
    return Cue(label, name, re.compile(regex), weight)


_YOU = _any("you", "your team", "your folks", "your people", "y'all", "you guys")
_THING = (
    _any(
        "platform",
        "solution",
        "product",
        "tool",
        "software",
        "system",
        "app",
        "module",
        "dashboard",
        "engine",
        "feature",
        "offering",
        "service",
        "piece",
        "add on",
        "integration",
    )
    + "s?"
)
_PEERS = _any(
    "teams?",
    "companies",
    "firms?",
    "organizations",
    "orgs",
    "clinics?",
    "practices?",
    "shops?",
    "agencies",
    "distributors?",
    "districts?",
    "hospitals?",
    "stores?",
    "people",
    "businesses",
    "groups?",
    "banks?",
    "plants?",
    "brands?",
    "carriers?",
    "customers",
    "clients",
    "ones",
    "folks",
    "leaders",
    "cfos",
    "cios",
    "ctos",
    "owners",
    "operators",
    "retailers",
    "manufacturers",
)
_DAYS = _any(
    "friday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "the end",
    "end of",
    "month end",
    "quarter end",
    "next week",
    "tomorrow",
    "today",
)

CUES: tuple[Cue, ...] = (
    # --- rapport: personal, non-business small talk --------------------------------------------
    _c(
        "rapport",
        "how_are_you",
        r"\bhow (?:are|is|was|have|'s) (?:you|things|everything|life|your (?:day|week|"
        r"morning|weekend|summer|holiday|trip|family|kids))\b(?: (?:doing|going|been|treating you))?",
        1.2,
    ),
    _c(
        "rapport",
        "weekend",
        _words(
            "weekend",
            "holidays?",
            "vacation",
            "thanksgiving",
            "christmas",
            "summer plans",
            "time off",
            "long weekend",
            "spring break",
            "birthday",
            "anniversary",
        ),
    ),
    _c(
        "rapport",
        "weather",
        _words(
            "weather",
            "snow(?:ing|ed)?",
            "rain(?:ing|ed)?",
            "sunny",
            "heat wave",
            "storm",
            "cold out",
            "hot out",
            "freezing",
            "humid",
        ),
    ),
    _c(
        "rapport",
        "sports",
        _words(
            "the game",
            "game last night",
            "golf(?:er|ing)?",
            "marathon",
            "season tickets",
            "playoffs",
            "super bowl",
            "world cup",
            "football",
            "baseball",
            "basketball",
            "hockey",
            "soccer",
            "fantasy",
            "your team won",
            "fishing",
            "skiing",
            "hiking",
        ),
    ),
    _c(
        "rapport",
        "family",
        _words(
            "kids?",
            "family",
            "wife",
            "husband",
            "daughter",
            "son",
            "baby",
            "dog",
            "cat",
            "puppy",
            "pets?",
            "grandkids",
        ),
        0.8,
    ),
    _c(
        "rapport",
        "origin",
        _words(
            "where are you (?:from|based|located)",
            "originally from",
            "grew up",
            "hometown",
            "my (?:sister|brother|cousin|mom|dad|parents) (?:lives?|live)",
            "the accent",
            "i love (?:that city|that area|\\w+ it's)",
        ),
    ),
    _c(
        "rapport",
        "compliment",
        _words(
            "(?:love|like) (?:your|the) \\w+",
            "(?:nice|beautiful|amazing|great|cool) "
            "(?:office|view|background|shirt|setup|place|picture|photo|guitar|art)",
            "behind you",
            "on the wall",
            "your office looks",
        ),
        1.2,
    ),
    _c(
        "rapport",
        "hobby",
        _words(
            "do you (?:play|golf|ski|run|fish|hunt|cook|travel|still)",
            "hobby",
            "hobbies",
            "coffee or tea",
            "restored",
            "collect",
            "band",
            "concert",
            "garden",
        ),
    ),
    _c(
        "rapport",
        "trip",
        _words(
            "how was (?:the|your) (?:trip|flight|drive|conference|vacation|time off)",
            "safe travels",
            "jet lag",
            "back from",
        ),
    ),
    # --- credibility: "why us" ----------------------------------------------------------------
    _c(
        "credibility",
        "founded",
        _words(
            "founded",
            "established in",
            "started (?:in|back in) (?:nineteen|twenty|\\d+)",
            "in business (?:for|since)",
            "been around (?:for|since)",
        ),
        1.5,
    ),
    _c(
        "credibility",
        "clients_like",
        _words(
            "(?:clients|customers|companies|brands|names) (?:like|such as|including)",
            "(?:we|i) (?:work|worked|partner) with",
            "renewed with us",
            "(?:chose|picked|switched to) us",
            "our (?:clients|customers) include",
        ),
        1.2,
    ),
    _c(
        "credibility",
        "award",
        _words(
            "awards?",
            "award winning",
            "recognized",
            "named (?:a|the) leader",
            "magic quadrant",
            "forrester",
            "gartner",
            "inc 5000",
            "fastest growing",
            "best place to work",
            "top rated",
            "ranked",
            "g2",
            "voted",
        ),
        1.5,
    ),
    _c(
        "credibility",
        "leader",
        _words(
            "(?:we're|we are|we've been|our company is) (?:the |a )?(?:number one|#1|"
            "leading|leader|largest|biggest|market leader|premier|trusted|go to)",
            "number one (?:provider|vendor|platform)",
            "the go to",
        ),
        1.5,
    ),
    _c(
        "credibility",
        "scale",
        _words(
            "(?:offices|customers|clients|employees|users|locations) (?:in|across|worldwide)",
            "(?:thousand|hundred|million) (?:customers|clients|users|employees|installs)",
        ),
        0.8,
    ),
    _c(
        "credibility",
        "about_us",
        _words(
            "(?:a (?:little|bit) )?about (?:us|me|our company|myself)",
            "who we are",
            "our (?:history|story|track record|founder|ceo|team (?:has|is))",
            "we were (?:founded|named|recognized|voted|the first)",
            "my background",
            "i (?:was|used to be|spent) (?:a |an )?\\w+ (?:for|at)",
            "i've (?:personally )?been doing this",
        ),
        1.3,
    ),
    _c(
        "credibility",
        "certified",
        _words("certified", "soc ?(?:two|2)", "iso", "accredited", "audited", "patented", "patents?"),
        0.8,
    ),
    _c(
        "credibility",
        "funded",
        _words("raised", "series [a-e]", "well funded", "backed by", "investors"),
        0.8,
    ),
    _c(
        "credibility",
        "fortune",
        _words(
            "fortune (?:five hundred|500|100|one hundred)",
            "household names",
            "you might(?:'ve| have) seen us",
            "you may have heard of us",
        ),
        1.3,
    ),
    # --- pain_probe: asking for their problems -----------------------------------------------
    _c("pain_probe", "keeps_up", _words("keeps? you up at night", "keeping you up", "losing sleep"), 2.0),
    _c(
        "pain_probe",
        "challenges_q",
        r"\b(?:what|which|any)(?:'s| is| are| would you say (?:is|are)| would you say)?"
        r" (?:\w+ ){0,3}(?:biggest |main |top |key |greatest |real )?(?:challenges?|problems?|pain points?|"
        r"pains?|"
        r"struggles?|headaches?|frustrations?|issues?|obstacles?|bottlenecks?|concerns?|pressure)\b",
        1.8,
    ),
    _c(
        "pain_probe",
        "pain_point",
        _words("pain points?", "where(?:'s| is) the pain", "where does it hurt"),
        1.5,
    ),
    _c(
        "pain_probe",
        "impact_q",
        r"\bhow (?:is|does|has|would|will|much is) (?:that|this|it) (?:\w+ )?(?:impact|"
        r"affect|hurt|impacting|affecting|hurting|costing)\b",
        1.8,
    ),
    _c(
        "pain_probe",
        "costing_q",
        r"\bwhat(?:'s| is| does| did) (?:that|this|it) (?:\w+ )?cost(?:ing)?\b",
        1.8,
    ),
    _c(
        "pain_probe",
        "not_working",
        _words(
            "what(?:'s| is)? (?:not working|broken|frustrat\\w+|bugging you|"
            "slowing you down|getting in the way)",
            "where do (?:things|you|they) (?:\\w+ ){0,2}(?:break down|struggle|get stuck)",
            "where are you (?:feeling|seeing|losing)",
        ),
        1.5,
    ),
    _c("pain_probe", "magic_wand", _words("magic wand", "if you could (?:fix|change)"), 1.5),
    _c(
        "pain_probe",
        "tell_problems",
        r"\b(?:tell me|walk me through|talk me through|help me understand) (?:about )?"
        r"(?:the |your |some of )?(?:\w+ )?(?:problems?|challenges?|issues?|pain|struggles?|what happens)\b",
        1.8,
    ),
    _c(
        "pain_probe",
        "hardest_q",
        r"\bwhat(?:'s| has| is)(?: been)? (?:the )?(?:hardest|toughest|most difficult|"
        r"most painful|worst|most frustrating)\b",
        1.5,
    ),
    _c(
        "pain_probe",
        "dont_solve",
        _words("what happens if (?:you )?(?:don't|do not|never)", "what happens when"),
        1.3,
    ),
    _c(
        "pain_probe",
        "struggling_q",
        r"\b(?:are|is|do) (?:you|your team|they) (?:\w+ )?(?:struggling|struggle|"
        r"having (?:trouble|issues|problems)|running into|dealing with)\b",
        1.4,
    ),
    # --- solution_pitch: the product is the value -------------------------------------------
    _c("solution_pitch", "our_thing", r"\b(?:our|my) (?:\w+ )?" + _THING + r"\b", 1.5),
    _c(
        "solution_pitch",
        "show_you",
        _words(
            "(?:let me|i can|i'd love to|i want to|happy to|i could) (?:show|walk) you",
            "(?:pull up|run through|give you|do) (?:a |the )?demo",
            "show you how",
            "demo",
        ),
        1.5,
    ),
    _c(
        "solution_pitch",
        "it_can",
        _words(
            "(?:it|this|that|it'll|which) (?:can|will|would|lets you|allows you|"
            "automatically|automates|integrates|handles|gives you|takes care|"
            "predicts|flags|calculates|texts|sends|syncs|tracks)",
            "it'll (?:\\w+ )?(?:do|save|cut|predict|handle)",
        ),
        0.9,
    ),
    _c(
        "solution_pitch",
        "feature",
        _words(
            "features?",
            "functionality",
            "integrat(?:es|ion)s?",
            "out of the box",
            "dashboards?",
            "automat(?:e|es|ion|ically)",
            "real time",
            "single sign on",
            "api",
            "mobile (?:app|version)",
            "audit trail",
            "drag and drop",
            "one click",
            "up and running",
            "pays for itself",
        ),
        0.9,
    ),
    _c(
        "solution_pitch",
        "we_offer",
        _words(
            "we (?:also )?(?:offer|provide|have a (?:feature|module|tool)|built|solve|do that)",
            "what's cool is",
            "the best part is",
        ),
        1.0,
    ),
    _c(
        "solution_pitch",
        "with_us",
        _words(
            "with (?:our|us) (?:\\w+ )?(?:you'd|you would|you'll|you can|you get)",
            "you'd be able to",
            "you (?:would|will|could) get",
            "if i could show you",
            "you get a",
        ),
        1.0,
    ),
    # --- neediness: asking for what the rep needs -------------------------------------------
    _c(
        "neediness",
        "just_need",
        r"\bi (?:just |really |really just )?need (?:you|to|a|the|your|some|fifteen|"
        r"thirty|ten|five|\d+)\b",
        1.6,
    ),
    _c(
        "neediness",
        "could_you_give",
        r"\b(?:could|can|would) you (?:please |possibly |maybe )?(?:give me|do me a "
        r"favor|introduce me|put in a good word|sign|squeeze me|spare|help me|connect me|set up a call|"
        r"share the "
        r"budget|send over|leave us|tell your)\b",
        1.8,
    ),
    _c(
        "neediness",
        "appreciate",
        _words(
            "i'd (?:really |truly )?appreciate",
            "i really appreciate (?:it|you)",
            "it would (?:really )?help me",
            "(?:helpful|mean a lot) (?:for|to) me",
            "would mean a lot",
            "for me$",
        ),
        1.5,
    ),
    _c(
        "neediness",
        "any_chance",
        _words(
            "any chance",
            "is there any way",
            "would you be willing",
            "would it be possible",
            "i know it's a lot to ask",
            "mind if i",
        ),
        1.5,
    ),
    _c(
        "neediness",
        "checking_in",
        _words(
            "(?:just )?(?:checking in|touching base|following up|circling back|bumping this|check back)",
            "wanted to follow up",
            "haven't heard back",
            "sorry to bug you",
        ),
        1.8,
    ),
    _c(
        "neediness",
        "sign_by",
        r"\b(?:sign|close|signed|closed|lock (?:this|it) in|commit) (?:this |it )?(?:by |"
        r"before )?" + _DAYS + r"\b|\bend of (?:the )?(?:quarter|month)\b|\bmy (?:quota|number|manager)\b",
        1.5,
    ),
    _c(
        "neediness",
        "reassurance",
        _words(
            "did i do (?:ok|okay|alright)",
            "how did i do",
            "was that helpful",
            "did that make sense",
            "does that make sense",
            "sorry (?:if|for) (?:i|that|rambling|taking)",
            "i rambled",
            "i hope (?:that|this) (?:made sense|helps|was)",
            "am i making sense",
            "(?:didn't|did not) land",
            "make sure you're (?:happy|comfortable)",
            "how (?:i|we) could(?:'ve| have) done better",
        ),
        1.5,
    ),
    _c(
        "neediness",
        "earn",
        _words(
            "earn your business",
            "give (?:me|us) a (?:shot|chance|try)",
            "a shot at",
            "a referral",
            "refer me",
            "anyone else (?:who|that) might",
            "go with us",
            "front runner",
            "are we (?:still )?in the running",
            "leave us a review",
            "choose us",
            "pick us",
        ),
        1.5,
    ),
    _c(
        "neediness",
        "your_time",
        _words(
            "on your calendar",
            "minutes of your time",
            "if you can spare",
            "grab (?:some|a few) (?:time|minutes)",
            "get (?:some|a few|\\w+ minutes) (?:time )?(?:with|on)",
        ),
        1.2,
    ),
    _c("neediness", "please", r"\bplease\b", 0.6),
    # --- buyer_led: the buyer runs the process ----------------------------------------------
    _c(
        "buyer_led",
        "whatever_works",
        _words(
            "(?:whatever|whenever|however) (?:works|suits|you (?:want|prefer|"
            "think|decide|like|need)|is (?:easiest|best) for you|you'd like)"
        ),
        2.0,
    ),
    _c(
        "buyer_led",
        "how_proceed",
        r"\bhow (?:would|do) you (?:like to|want to|prefer to) (?:proceed|move forward|"
        r"go from here|handle|do this|structure)\b",
        2.0,
    ),
    _c(
        "buyer_led",
        "you_tell_me",
        _words(
            "you tell me",
            "i'll follow your lead",
            "up to you",
            "your call",
            "leave (?:that|it) (?:up )?(?:to|with) you",
            "i'll leave it with you",
            "you know where to find me",
            "just tell me what",
        ),
        2.0,
    ),
    _c(
        "buyer_led",
        "your_process",
        r"\bwhat(?:'s| is| does) (?:your|the) (?:buying|decision|procurement|"
        r"evaluation|approval|purchasing)? ?(?:process|timeline)\b|\bhow do you (?:usually |typically |"
        r"normally )?"
        r"(?:evaluate|buy|make decisions|decide|purchase|select)\b",
        1.6,
    ),
    _c(
        "buyer_led",
        "wait_hear",
        _words(
            "(?:i'll|we'll|i will|we can|i can) (?:wait|hold off|sit tight|stand by)",
            "(?:wait|waiting) (?:to hear|for you)",
            "let me know (?:when|if|what)",
            "get back to me",
            "circle back to me",
            "when you're ready",
            "come back (?:to me )?with",
        ),
        1.8,
    ),
    _c(
        "buyer_led",
        "what_next_q",
        r"\bwhat (?:would you like|do you want|do you need|should i|should we|would you "
        r"want) (?:\w+ ){0,3}(?:next|from (?:me|us)|to see|send|do)\b",
        1.6,
    ),
    _c(
        "buyer_led",
        "options_q",
        _words(
            "would you (?:prefer|rather)",
            "do you want (?:me|us) to",
            "should i (?:wait|send|reach out)",
            "did you want (?:to|me)",
            "who (?:do you think|would you like|should) (?:\\w+ )?(?:be|join|attend)",
        ),
        1.3,
    ),
    _c(
        "buyer_led",
        "no_pressure",
        _words(
            "no pressure",
            "take (?:your|as long as you|all the) time",
            "no rush",
            "on your own time",
            "at your own pace",
            "you know your business best",
        ),
        1.6,
    ),
    _c(
        "buyer_led",
        "send_info",
        _words(
            "(?:send|shoot) (?:you |over )?(?:some |more )?(?:info|information|"
            "a proposal|the proposal|a deck|brochure|materials|the requirements)",
            "we'll respond",
        ),
        1.2,
    ),
    # --- perspective: external forces ---------------------------------------------------------
    _c(
        "perspective",
        "seeing",
        _words(
            "what (?:we're|we are|i'm|i am) (?:seeing|hearing|noticing|finding)",
            "(?:we're|we are|i'm) seeing",
            "you (?:probably|may have) (?:saw|seen|heard)",
        ),
        1.6,
    ),
    _c(
        "perspective",
        "across",
        _words(
            "across (?:the |your )?(?:industry|market|sector|country|board|space|\\w+s)",
            "the big (?:chains|players|banks|carriers)",
            "at (?:some|most|a lot of) (?:firms|companies|hospitals|banks)",
        ),
        1.3,
    ),
    _c(
        "perspective",
        "last_years",
        _words(
            "(?:over|in|during) the (?:last|past) (?:\\w+ )?(?:year|years|months|decade|quarter)",
            "since (?:twenty|covid|the pandemic|19|20\\d\\d|last year)",
            "than (?:previous|past|five years ago|ten years ago)",
        ),
        1.2,
    ),
    _c(
        "perspective",
        "forces",
        _words(
            "regulations?",
            "regulatory",
            "law",
            "legislation",
            "mandate",
            "tariffs?",
            "interest rates?",
            "inflation",
            "labou?r (?:market|costs?|shortage)",
            "shortage",
            "reimbursement",
            "premiums?",
            "consolidat\\w+",
            "recession",
            "supply chain",
            "ai(?:'s)? (?:is|search|starting)",
            "rule",
            "the (?:state|feds|federal)",
            "new rules?",
            "sec",
            "hipaa",
            "gdpr",
            "osha",
            "dol",
            "epa",
            "cms",
            "fda",
            "gen z",
            "generations?",
            "millennials",
            "utilities",
            "oems?",
            "the market",
        ),
        1.0,
    ),
    _c(
        "perspective",
        "trend",
        _words(
            "trend",
            "shift(?:ing)?",
            "the big change",
            "changing",
            "moving (?:to|toward|everyone)",
            "going up",
            "gone up",
            "went up",
            "doubled",
            "tripled",
            "dropped",
            "fallen",
            "falling",
            "rising",
            "risen",
            "increased",
            "decreased",
            "\\w+ percent",
            "stuck",
            "more than ever",
            "is gonna",
            "are gonna",
        ),
        0.9,
    ),
    _c(
        "perspective",
        "because_of",
        _words("because of", "due to", "driven by", "as a result of", "thanks to"),
        0.9,
    ),
    _c(
        "perspective",
        "competitors",
        _words("your competitors", "competitors are", "everyone in (?:the|your)"),
        1.0,
    ),
    # --- challenges: their likely problems, stated -------------------------------------------
    _c(
        "challenges",
        "probably",
        r"\b" + _YOU + r"(?:'re| are| is)? (?:probably|likely|most likely|almost "
        r"certainly)\b|\b(?:probably|likely) (?:showing up|hitting|squeezing|costing|eating)\b",
        1.8,
    ),
    _c(
        "challenges",
        "teams_like_yours",
        r"\b(?:(?:most|a lot of|many) )?" + _PEERS + r" (?:like yours|like you|your "
        r"size|of your size|at your stage|in your (?:position|spot|shoes|space))\b|"
        r"\bfor a (?:\w+ ){0,2}(?:like (?:you|"
        r"yours)|your size)\b|\b(?:most|a lot of|many) \w+ (?:we talk to|we work with|i talk to)\b",
        1.8,
    ),
    _c(
        "challenges",
        "struggling",
        r"\b(?:struggling|struggle|drowning|burning out|burn out|stretched|squeezed|"
        r"scrambling|losing|lose|stuck|falls? behind|underwater|eats?|tanks?)\b(?!.*\?)",
        0.8,
    ),
    _c(
        "challenges",
        "guess",
        _words(
            "i'd guess",
            "my guess is",
            "i bet",
            "i imagine",
            "i'd imagine",
            "i suspect",
            "chances are",
            "i'd bet",
            "i'm guessing",
            "if i'm reading this right",
            "what i hear from",
            "i think the real issue",
        ),
        1.6,
    ),
    _c(
        "challenges",
        "shows_up",
        _words(
            "(?:usually|typically|often|tends? to) (?:shows? up|means?|leads? to|"
            "happens?|results? in|turns? into|is that)",
            "what (?:that|this) (?:usually|typically|likely) means",
            "what usually happens",
            "knock on effect",
            "showing up in",
            "the upshot",
        ),
        1.5,
    ),
    _c(
        "challenges",
        "the_impact",
        _words(
            "the (?:real )?(?:impact|cost|problem|risk|issue) (?:for you|for|is|of that)",
            "that puts (?:a lot of )?pressure",
            "which means your",
            "you end up",
            "costs you",
        ),
        1.2,
    ),
    _c(
        "challenges",
        "youre_finding",
        r"\b" + _YOU + r"(?:'re| are)? (?:\w+ )?(?:finding|feeling|seeing|dealing "
        r"with|spending|losing|paying|stuck|getting hit)\b(?!.*\?)",
        1.0,
    ),
    # --- teaching: leading the buying process ------------------------------------------------
    _c(
        "teaching",
        "first_decision",
        r"\bthe (?:first|next|big|key|real) (?:decision|question|thing) (?:you'll|you "
        r"will|you|to|you need|you'll need|you really)\b",
        1.8,
    ),
    _c(
        "teaching",
        "factors",
        _words(
            "(?:the )?(?:factors|criteria|things) (?:that )?(?:really )?(?:matter|to weigh|"
            "to consider|you should weigh)",
            "how i'd (?:weigh|weight|sequence|approach|think about)",
            "weigh",
            "a good test is",
            "ask yourself",
            "ask each vendor",
        ),
        1.8,
    ),
    _c(
        "teaching",
        "recommend",
        _words(
            "(?:i'd|i would|i) (?:recommend|suggest|advise|propose)",
            "my (?:recommendation|advice|suggestion)",
            "what i'd do",
            "i'd (?:start|run|begin|bring|get|put|want|do)",
            "i wouldn't",
            "what i'd propose",
            "don't (?:go|start|sign|buy)",
        ),
        1.8,
    ),
    _c(
        "teaching",
        "mistake",
        _words(
            "(?:the )?(?:mistake|trap|pitfall)s?",
            "where (?:these|deals|projects) (?:usually )?stall",
            "trips (?:\\w+ )?up",
            "blew up",
            "goes sideways",
        ),
        1.6,
    ),
    _c(
        "teaching",
        "risk_waiting",
        _words(
            "(?:the )?risk (?:of|in) (?:waiting|doing nothing|not)",
            "if you don't decide",
            "you'll miss",
            "cost of (?:waiting|doing nothing|inaction)",
        ),
        1.6,
    ),
    _c(
        "teaching",
        "next_step_lead",
        _words(
            "(?:let's|lets|we should|you should|you'll want to|you want to|you'll "
            "want) (?:\\w+ )?(?:put|get|bring|book|schedule|agree|start|map|involve|"
            "loop in|pull in|set up|pilot|lock|have|define|run|the)"
        ),
        1.3,
    ),
    _c(
        "teaching",
        "way_sequence",
        _words(
            "the way i'd",
            "here's how",
            "here's what",
            "what a good \\w+ looks like",
            "the (?:teams|ones|companies) (?:that|who) get this right",
            "before you (?:compare|talk to|look at|sign|spend|go)",
            "the right order",
            "(?:go|do) (?:this|it) in (?:this )?order",
        ),
        1.5,
    ),
    _c(
        "teaching",
        "step_plan",
        _words(
            "first step",
            "step one",
            "phase one",
            "then (?:we|you) (?:decide|automate|roll)",
            "go through (?:the|it) together",
        ),
        1.0,
    ),
    # --- neutral: logistics and acknowledgements ----------------------------------------------
    _c(
        "neutral",
        "ack",
        r"^(?:ok(?:ay)?|sure|yeah|yes|yep|right|got it|gotcha|great|perfect|cool|makes sense|"
        r"mm hmm|mhm|uh huh|absolutely|totally|for sure|of course|thanks?|thank you|"
        r"no worries)(?: \w+){0,3}$",
        1.5,
    ),
    _c(
        "neutral",
        "logistics",
        _words(
            "can you hear me",
            "share my screen",
            "calendar invite",
            "send (?:the|an|you the) invite",
            "you cut out",
            "repeat that",
            "on mute",
            "you're muted",
            "zoom",
            "teams link",
            "dial in",
            "time zone",
            "my screen",
            "agenda",
            "hard stop",
            "bear with me",
            "two seconds",
            "write that down",
            "pulling up",
            "recap",
            "recapping",
            "did i get that right",
            "(?:put|keep|place) you on (?:a )?(?:brief |quick |short )?hold",
            "one moment",
            "while i (?:check|pull)",
            "(?:i see|it shows|it says|look (?:you |it |that )?up|pull (?:you |it |that )?up|check|update|"
            "note|have you|you're) (?:it )?in our (?:system|records|database|crm|file|account)",
        ),
        1.5,
    ),
    _c(
        "neutral",
        "fact_q",
        r"^(?:so |and |um |okay )*(?:which|how many|how much|when|where|who|what) (?:\w+ ){0,3}"
        r"(?:are you (?:on|running|using)|do you (?:have|use)|does your|is your|are you guys|renew|"
        r"locations|people|"
        r"users|seats|version|system|running)\b|\b(?:in house or|or outsourced)\b",
        1.2,
    ),
)

_COUNT = r"(?:\d+|five|ten|fifteen|twenty|thirty|forty|forty five|fifty|sixty)"
_HOUR = r"(?:the top of the hour|quarter|half|noon|\d+|one|two|three|four|five|six|ten|eleven|twelve)"
_BOX = r"(?:us |you |the room |it |this |down |booked |blocked |scheduled |about |around |roughly )*"
AGENDA = re.compile(
    "|".join(
        (
            rf"\b(?:we|i|you)(?:'ve| have)? (?:got|have|booked|blocked|scheduled) {_BOX}"
            rf"(?:for |to )?{_BOX}(?:{_COUNT} minutes?|an hour|half an hour)\b",
            rf"\b(?:let's|let us|i'll) keep (?:it|this|us) to {_COUNT} minutes\b",
            rf"\b(?:we|i|you)(?:'ve| have)? (?:got|have|booked|blocked) {_BOX}(?:until|till|til) {_HOUR}\b",
            rf"\b{_COUNT} minutes (?:works?|booked)\b",
            r"\bhard stop\b",
            r"\b(?:the|my) plan (?:for (?:today|the call|our time)|today)\b",
            r"\b(?:the|my) plan (?:is|was) (?:to |that )?(?:i'd |i |we |we'd )?(?:ask|start|learn|hear|"
            r"understand|confirm|cover|go over|walk|spend|share|get)\b",
            r"\bi was thinking we (?:\w+ ){0,2}(?:start|cover|spend|kick off|begin)\b",
            r"\b(?:i'd|i would) (?:like|love) to (?:start|kick off|begin) (?:by|with|off)\b",
        )
    )
)
"""The rep setting the call's agenda or time box ("we've got thirty minutes", "I have us until half
past", "the plan is to ...", "I was thinking we start with ..."), on normalised text, sentence by
sentence. Not a cue (the head does not read it): an agenda turn's likeness-only One-Down verdicts need
more confidence (``detector.AGENDA_MIN_CONFIDENCE``). First person and a time box, so "our plan is
month to month", "I have been on hold for twenty minutes" or "it saves thirty minutes today" are none."""


_THANKED = _any(
    "ok(?:ay)?",
    "alright",
    "all right",
    "great",
    "perfect",
    "wonderful",
    "awesome",
    "good",
    "sure",
    "my pleasure",
    "you're (?:very )?welcome",
    "no problem",
    "not a problem",
    "no worries",
    "of course",
    "happy to(?: help)?",
    "glad to help",
    "and",
    "so",
    "well",
    "now",
    "oh",
    "then",
    "other than that",
    "besides that",
    "apart from that",
    "you're (?:all set|good to go)",
)
_SERVE = _any(
    "help(?: you)?(?: out)?(?: with| in)?",
    "do for you",
    "answer",
    "clarify",
    "clear up",
    "explain",
    "assist(?: you)?(?: with)?",
    "look (?:into|up|at)",
    "check(?: on)?",
    "sort out",
    "take care of",
    "go over",
    "get (?:for )?you",
)
_MORE = r"(?:anything|something) (?:else|more|further|additional)"
_PARTING = r"before (?:i let you go|(?:we|i) (?:hang up|go|wrap(?: up)?|hop off|drop off|jump off|get off))"
_SERVICE = _any(
    "account",
    "order",
    "bill",
    "claim",
    "booking",
    "reservation",
    "file",
    "policy",
    "ticket",
    "delivery",
    "appointment",
    "invoice",
    "statement",
    "car",
    "vehicle",
    "laptop",
    "device",
    "install(?:ation)?",
    "repair",
    "shipment",
    "package",
    "refund",
    "card",
    "line",
    "call",
)
_FOR_NOW = _any(
    "for you",
    "for me",
    "sir",
    "ma'am",
    "today",
    "tonight",
    "this (?:morning|afternoon|evening)",
    "right now",
    "at the moment",
    "while (?:i've got you|i have you|you're here|we're here)",
    "while (?:you're|we're) on the line",
    rf"while i'm (?:in|on) (?:your|the) {_SERVICE}",
    _PARTING,
    "on your end",
    rf"(?:on|about|regarding|with|for) (?:the|your|this|that) {_SERVICE}",
    "then",
)
COURTESY = re.compile(
    rf"^(?:{_THANKED} )*(?:(?:is|isn't|was) (?:there|that) |(?:do|did) you have |are there |any )?"
    + _any(
        rf"{_MORE}(?: that)? (?:i|we) (?:can|could|might) {_SERVE}",
        rf"{_MORE} (?:you need(?:ed)?|you want(?:ed)?|(?:i|we) should (?:know|be aware of|cover))",
        rf"{_MORE} you'd like(?: me| us)? to (?:know|go over|cover|update)",
        rf"{_MORE} {_PARTING}",
        r"(?:any )?other questions?(?: (?:that )?(?:i|we) (?:can|could) (?:answer|help with))?",
        r"(?:what|which) other questions (?:can|could) (?:i|we) (?:answer|help with)",
        rf"(?:what|how) else can (?:i|we) {_SERVE}",
        rf"(?:can|could|may) (?:i|we) (?:help(?: you)?(?: out)?|assist(?: you)?) with {_MORE}",
    )
    + rf"(?: {_FOR_NOW})* ?\??$"
)
"""A sentence that is only the courtesy that closes a request ("My pleasure. Is there anything else I
can help you with today?", "Any other questions I can answer?", "What else can I help you with?"), on
normalised text, matched whole. Such a sentence is neutral whatever the head reads in it: the head,
trained on pleading ("is there anything I can do to get this over the line?"), read these at
`neediness` 0.51-1.00, the most common false accusation on a recorded service call, and 80 lines of
courtesies in the training files did not move it (``benchmarks/RESULTS.md``). Matched whole, with the
offer's verbs and what it may be about as closed lists (``_SERVE``, ``_SERVICE``), none of them the
deal, so the head still judges a purpose or a plea after the offer ("... to help you decide?", "...
just give me a call"), a bare plea ("Is there anything more I can do?", "What else can I do?") and a
concession ("... on the price?"). Not a cue (the head does not read it)."""


CUES_BY_NAME: dict[str, Cue] = {f"{c.label}.{c.name}": c for c in CUES}


SHADOWING = ("logistics",)
"""Neutral cues whose phrase explains the words inside it: a label's cue that matches only within
such a phrase does not fire ("I see in our system you've put ..." is a record look-up, not "our
system" pitched). Not the other neutral cues: "what our system does is ..." holds a fact question's
words and is still a pitch."""


def find_cues(text: str, cues: tuple[Cue, ...] = CUES) -> list[CueHit]:
    """All cues that fire on ``text`` (normalised here), in cue order, each with its first match
    that lies outside every ``SHADOWING`` cue's phrase."""
    norm = normalize(text)
    shading = {c.name: list(c.pattern.finditer(norm)) for c in cues if c.name in SHADOWING}
    shadows = [m.span() for matches in shading.values() for m in matches]
    hits: list[CueHit] = []
    for cue in cues:
        for match in shading.get(cue.name) or cue.pattern.finditer(norm):
            if cue.label != "neutral" and any(a <= match.start() and match.end() <= b for a, b in shadows):
                continue
            hits.append(CueHit(cue, match.group(0).strip()))
            break
    return hits


def rule_scores(hits: list[CueHit]) -> dict[str, float]:
    """Summed cue weights per label: the rules-only candidate's scores."""
    scores: dict[str, float] = {}
    for hit in hits:
        scores[hit.cue.label] = scores.get(hit.cue.label, 0.0) + hit.cue.weight
    return scores
