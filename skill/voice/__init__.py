"""What Alexa says and shows: SSML, answers, coaching speech, locale texts, screens, the voice model.

Pure functions and data: everything here takes texts, rule-set catalogues, assessments and
facts and returns speech, cards, directives or an interaction model; nothing changes
conversation state or does I/O beyond reading this package's data files. Modules here import
the standard library, ask-sdk-model (for directive classes) and `rules` only: never
`skill.edge`, `skill.dialog` or `skill.backends`.
"""
