"""`mapapp suggest`: find the entities a new plan document names and draft records for review.

One module per concern: reading the document (`document`), the plan-language lexicon
(`lexicon`), the gazetteer of known entities (`gazetteer`), candidate extraction with jieba and
the suffix grammar (`candidates`), geometry suggestions (`geometry`), ranking (`ranking`), the
draft format (`drafts`), the review step (`review`), and the whole run (`run`).
"""
