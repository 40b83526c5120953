"""French labels of the internal codes shown to a reader (statuts, catégories, populations)."""

from __future__ import annotations

STATUT_LABELS = {
    "TITULAIRE": "titulaire",
    "STAGIAIRE": "stagiaire",
    "NON_TITULAIRE": "contractuel",
    "EMPLOI_FONC": "emploi fonctionnel",
    "EMPLOI_AIDE": "emploi aidé",
    "AUTRE_STATUT": "autre statut",
}
CATEGORY_LABELS = {"A": "catégorie A", "B": "catégorie B", "C": "catégorie C"}
POPULATION_LABELS = {
    "agent": "agent",
    "elu": "élu",
    "vacataire": "vacataire",
    "assistante_maternelle": "assistante maternelle",
    "a_qualifier": "statut à qualifier",
}
UNKNOWN = "(non renseigné)"
_AXES = {"statut": STATUT_LABELS, "categorie": CATEGORY_LABELS, "population": POPULATION_LABELS}


def label(axis: str, code) -> str:
    """The French label of `code` on `axis` ("statut", "categorie", "population"); unknown codes as is."""
    if code is None or code == "" or code == UNKNOWN:
        return UNKNOWN
    return _AXES.get(axis, {}).get(str(code), str(code))
