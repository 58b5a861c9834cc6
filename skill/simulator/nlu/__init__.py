"""The simulator's trained understanding: what `skill.simulator.resolver` reads an utterance with.

Trained from the generated interaction model of a locale (its samples with slot values filled
from the slot types, and the built-in intents' usual phrases from ``builtins.toml``), with
scikit-learn: an intent classifier and a red-flag spotter (which symptom, or an emergency, a
clause of the utterance names), both linear models over word and character n-grams. Words
people use for the same thing (``language.toml``: "bum", "backside" and "groin" are the saddle
area) add a shared feature, as a large language model's knowledge would. The trained models are
cached on disk, keyed on the content of everything they are trained from (`cache`).

Modules here import the simulator's text helpers (`skill.simulator.text`,
`skill.simulator.amazon_types`, `skill.simulator.catalogue`), scikit-learn and the standard
library; never the dialog or the app.
"""
