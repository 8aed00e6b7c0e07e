"""A generated corpus of search queries about places: the course's autocomplete data.

Nothing is downloaded or copied: every query is built here from templates
and word lists, drawn with an ``rng`` you pass in. It is designed so that the
next word often depends on a word *several steps back*, which is what a
recurrent model can use and a short n-gram cannot:

    what's the best food to eat in las      -> vegas   (food: Las Vegas)
    best beaches to visit in las            -> palmas  (beaches: Las Palmas)
    cheap student housing near a campus in las -> cruces (university: Las Cruces)

In each case the two words before the gap are the same ("in las"); the word
that decides ("food", "beaches", "student") lies three or more words back.
The same holds for "new" (york, orleans, delhi, haven), "san" (francisco,
diego, antonio, jose), "los" (angeles, cabos) and "santa" (fe, monica, cruz).

API:
    generate(n, rng) -> list of n query strings
    load_split(seed=0) -> (train, valid, test), lists of token lists
    followers(sentences, context) -> Counter of the word after ``context``
"""
from collections import Counter

import numpy as np

from helpers import text, validate

# How often each place is searched for when the topic does not favour one.
POPULARITY = {
    "las vegas": 6, "new york": 6, "los angeles": 5, "san francisco": 4, "chicago": 4,
    "san diego": 3, "boston": 3, "seattle": 3, "miami": 3, "new orleans": 3, "paris": 3,
    "london": 3, "austin": 2, "denver": 2, "san antonio": 2, "san jose": 2, "new delhi": 2,
    "tokyo": 2, "rome": 2, "barcelona": 2, "las palmas": 1.5, "los cabos": 1.5, "santa fe": 1.5,
    "las cruces": 1, "new haven": 1, "santa monica": 1, "santa cruz": 1,
}

# topic -> things (what is searched for), verbs (to do with it), and the places
# it favours (weights). A topic without "places" uses POPULARITY.
TOPICS = {
    "food": dict(weight=6,
                 things=["food", "restaurants", "steak", "buffets", "brunch", "seafood", "sushi",
                         "burgers", "dinner spots", "late night food", "desserts"],
                 verbs=["eat", "try", "get"],
                 places={"las vegas": 10, "new orleans": 4, "new york": 4, "chicago": 3,
                         "san francisco": 3, "los angeles": 2, "tokyo": 3, "paris": 3, "rome": 2,
                         "las cruces": 0.5}),
    "pizza": dict(weight=2, things=["pizza", "pizza places", "thin crust pizza", "slices"],
                  verbs=["eat", "try", "get"],
                  places={"new york": 5, "new haven": 4, "chicago": 3, "rome": 2}),
    "cajun": dict(weight=1.5, things=["gumbo", "beignets", "jambalaya", "crawfish", "po boys"],
                  verbs=["eat", "try", "get"], places={"new orleans": 1}),
    "curry": dict(weight=1.5, things=["curry", "street food", "butter chicken", "biryani", "chaat"],
                  verbs=["eat", "try", "get"], places={"new delhi": 6, "london": 2}),
    "mexican": dict(weight=2, things=["tacos", "burritos", "tex mex", "enchiladas", "carne asada"],
                    verbs=["eat", "try", "get"],
                    places={"san diego": 4, "san antonio": 4, "los angeles": 3, "austin": 2,
                            "los cabos": 1}),
    "chile": dict(weight=1, things=["green chile", "red chile", "chile rellenos", "breakfast burritos"],
                  verbs=["eat", "try", "get"], places={"las cruces": 3, "santa fe": 3, "denver": 1}),
    "shows": dict(weight=3, things=["shows", "magic shows", "concerts", "comedy clubs", "nightclubs",
                                    "casinos", "wedding chapels", "pool parties"],
                  verbs=["see", "visit", "check out"],
                  places={"las vegas": 10, "new york": 3, "los angeles": 1, "new orleans": 1}),
    "beaches": dict(weight=3, things=["beaches", "surf spots", "beach hotels", "snorkeling spots",
                                      "boat tours", "ferries"],
                    verbs=["visit", "book", "try"],
                    places={"las palmas": 5, "san diego": 3, "santa monica": 3, "los cabos": 4,
                            "miami": 3, "santa cruz": 2, "barcelona": 2}),
    "university": dict(weight=2.5, things=["student housing", "universities", "engineering programs",
                                           "campus tours", "college dorms", "graduate programs"],
                       verbs=["find", "visit", "apply to"],
                       places={"las cruces": 5, "new haven": 4, "boston": 4, "austin": 2,
                               "san jose": 1, "santa cruz": 1}),
    "tech": dict(weight=2, things=["tech jobs", "startup jobs", "software jobs", "coworking spaces"],
                 verbs=["find", "get", "apply to"],
                 places={"san francisco": 5, "san jose": 5, "seattle": 4, "austin": 2, "new york": 2}),
    "art": dict(weight=2, things=["art galleries", "museums", "adobe churches", "art markets"],
                verbs=["visit", "see", "check out"],
                places={"santa fe": 5, "new york": 3, "paris": 3, "chicago": 1, "new delhi": 1}),
    "movies": dict(weight=1.5, things=["studio tours", "movie theaters", "film festivals"],
                   verbs=["visit", "see", "book"],
                   places={"los angeles": 6, "santa monica": 1, "new york": 1}),
    "outdoors": dict(weight=1.5, things=["hiking trails", "desert hikes", "bike trails", "parks"],
                     verbs=["visit", "try", "find"],
                     places={"las cruces": 3, "santa fe": 2, "denver": 3, "seattle": 2, "san diego": 1}),
    "generic": dict(weight=6, things=["hotels", "cheap hotels", "things to do", "apartments",
                                      "parking", "car rentals", "jobs", "airbnbs"],
                    verbs=["book", "find", "get"], places=None),
}

ADJECTIVES = ["best", "cheap", "good", "top rated", "cheapest", "popular", "famous", "local",
              "affordable", "fancy", "hidden", "authentic", "new", "quiet"]
ASK = ["what's the best", "what are the best", "where are the best", "where can i find",
       "which are the best", "recommend some", "looking for", "any good"]
SUFFIXES = ["tonight", "this weekend", "in december", "for families", "on a budget", "near me",
            "open now", "with kids", "for couples", "in summer", "right now", "for a group",
            "for first timers", "in winter", "after midnight", "reddit"]
# Templates: {ask} {adj} {thing} {verb} {place}. The place always comes last in the
# core of the query, so the topic word sits three or more words before its end.
TEMPLATES = [
    "{ask} {thing} to {verb} in {place}",
    "{ask} {thing} in {place}",
    "{adj} {thing} in {place}",
    "{adj} {thing} near downtown {place}",
    "where to {verb} {adj} {thing} in {place}",
    "top 10 {thing} to {verb} in {place}",
    "is it worth it to {verb} the {thing} in {place}",
    "how much are {thing} in {place}",
    "i want to {verb} {adj} {thing} in {place}",
    "{thing} in {place}",
    "{place} {thing}",
    "{adj} {thing} {place}",
    "can you {verb} {adj} {thing} in {place}",
    "list of {adj} {thing} in {place}",
    "{ask} {adj} {thing} around {place}",
    "we want to {verb} some {thing} while in {place}",
]
WEATHER = ["what's the weather in {place}", "weather forecast for {place}", "is it hot in {place}",
           "cheap flights from {place2} to {place}", "how far is {place2} from {place}",
           "time difference between {place2} and {place}", "moving from {place2} to {place}"]


def _pick(options, rng, weights=None):
    if weights is None:
        return options[int(rng.integers(len(options)))]
    p = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def _topic_query(topic, rng):
    spec = TOPICS[topic]
    places = spec["places"] or POPULARITY
    fill = dict(ask=_pick(ASK, rng), adj=_pick(ADJECTIVES, rng), thing=_pick(spec["things"], rng),
                verb=_pick(spec["verbs"], rng),
                place=_pick(list(places), rng, list(places.values())))
    query = _pick(TEMPLATES, rng).format(**fill)
    if rng.random() < 0.4:
        query += " " + _pick(SUFFIXES, rng)
    return query


def _travel_query(rng):
    names, weights = list(POPULARITY), list(POPULARITY.values())
    place, place2 = _pick(names, rng, weights), _pick(names, rng, weights)
    return _pick(WEATHER, rng).format(place=place, place2=place2)


def generate(n, rng):
    """n search queries as lower-case strings, e.g. "what's the best food to eat in las vegas".

    About one query in eight is about travel or weather (where the place is
    not predictable from the words before it); the rest are about a topic
    that favours some places over others. rng: np.random.Generator.
    """
    n = validate.integer("n", n, low=0)
    rng = validate.rng("rng", rng)
    topics = list(TOPICS)
    weights = [TOPICS[t]["weight"] for t in topics]
    out = []
    for _ in range(n):
        if rng.random() < 0.125:
            out.append(_travel_query(rng))
        else:
            out.append(_topic_query(_pick(topics, rng, weights), rng))
    return out


def load_split(seed=0, n_train=20000, n_valid=2000, n_test=2000):
    """The course's fixed split: (train, valid, test), lists of token lists.

    Deterministic for a given seed. The three parts are drawn from one
    generator, one after the other, so they never share a draw (a query can
    still repeat verbatim, as real search queries do).
    """
    seed = validate.integer("seed", seed, low=0)
    sizes = [validate.integer(name, v, low=1) for name, v in
             (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test))]
    queries = generate(sum(sizes), np.random.default_rng(seed))
    tokens = [text.tokenize(q) for q in queries]
    a, b = sizes[0], sizes[0] + sizes[1]
    return tokens[:a], tokens[a:b], tokens[b:]


def followers(sentences, context):
    """Counter of the words that follow ``context`` (a str or a list of words) in token lists.

    followers(train, "las") -> Counter({"vegas": ..., "palmas": ..., "cruces": ...})
    """
    ctx = text.tokenize(context) if isinstance(context, str) else list(context)
    if not ctx:
        raise ValueError(f"context must hold at least one word, got {context!r}")
    k = len(ctx)
    counts = Counter()
    for s in sentences:
        for t in range(len(s) - k):
            if s[t:t + k] == ctx:
                counts[s[t + k]] += 1
    return counts
