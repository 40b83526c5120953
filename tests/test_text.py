"""The one text normaliser (rhaudit.text): expected strings written by hand."""

from rhaudit.text import ascii_fold, compact, plain_words, strip_accents


def test_strip_accents_keeps_case_and_letters_without_decomposition():
    assert strip_accents("Indemnité Élue") == "Indemnite Elue"
    assert strip_accents("ﬁn") == "fin"  # the ligature "ﬁ" decomposes into f + i (NFKD)
    assert strip_accents("Œuvre") == "Œuvre"  # no decomposition: the letter stays


def test_ascii_fold_drops_what_has_no_ascii_form():
    assert ascii_fold("Adjoints Techniques Territoriaux") == "adjoints techniques territoriaux"
    assert ascii_fold("Ingénieur d’État n° 2") == "ingenieur detat n 2"  # ’ and ° have no ASCII form


def test_plain_words_separates_words_by_single_spaces():
    assert plain_words("Maladie (ALD) rechute") == "maladie ald rechute"
    assert plain_words("  CMO - Affection de longue durée ") == "cmo affection de longue duree"
    assert plain_words("") == ""


def test_compact_ignores_case_accents_and_spaces():
    assert compact("Date de début") == "datededebut"
    assert compact("Motif d’arrêt") == compact("MOTIF D'ARRET") == "motifd'arret"
    assert compact(12) == "12"
