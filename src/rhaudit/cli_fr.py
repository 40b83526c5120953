"""French wording of click's own messages (usage errors, help) for the rhaudit command line.

click marks its messages for gettext (`_("Missing option")`) in each of its modules. `install()`
replaces those modules' `_` and `ngettext` by a lookup in the table below; a message missing
from the table (another click version) stays in English rather than failing.
"""

from __future__ import annotations

import importlib

_SINGULAR: dict[str, str] = {
    # exceptions and parsing
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant(e)",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "unknown error": "erreur inconnue",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir le fichier {filename!r} : {message}",
    "Missing command.": "Commande manquante.",
    "Aborted!": "Interrompu.",
    "Invalid start character for option ({option})": "Caractère initial invalide pour une option ({option})",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Value must be an iterable.": "La valeur doit être une liste.",
    # types
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} n'est pas un booléen valide. Valeurs reconnues : {states}",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un UUID valide.",
    "file": "Fichier",
    "directory": "Dossier",
    "path": "Chemin",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable (il n'existe pas).",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier (un dossier est attendu).",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier (un fichier est attendu).",
    "{name} {filename!r} is not readable.": "{name} {filename!r} n'est pas lisible (droits).",
    "{name} {filename!r} is not writable.": "{name} {filename!r} n'est pas accessible en écriture.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} n'est pas exécutable.",
    # help
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "(dynamic)": "(dynamique)",
    "deprecated": "obsolète",
    "required": "obligatoire",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirmer l'action sans le demander.",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer...",
}

_PLURAL: dict[str, tuple[str, str]] = {
    "Got unexpected extra argument ({args})":
        ("Argument inattendu en trop ({args})", "Arguments inattendus en trop ({args})"),
    "Takes {nargs} values but 1 was given.":
        ("Prend {nargs} valeurs, mais 1 a été donnée.", "Prend {nargs} valeurs, mais {len} ont été données."),
    "Did you mean {possibility}?": ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire l'un de : {possibilities} ?)"),
    "Option {name!r} requires an argument.":
        ("L'option {name!r} attend une valeur.", "L'option {name!r} attend {nargs} valeurs."),
    "{value!r} is not {choice}.": ("{value!r} n'est pas {choice}.", "{value!r} n'est pas l'une des valeurs {choices}."),
    "{value!r} does not match the format {format}.":
        ("{value!r} ne correspond pas au format {format}.", "{value!r} ne correspond à aucun des formats {formats}."),
    "{len_type} values are required, but {len_value} was given.":
        ("{len_type} valeurs sont requises, mais {len_value} a été donnée.",
         "{len_type} valeurs sont requises, mais {len_value} ont été données."),
}

# Names of click's value types: the placeholders of the help (« --year ENTIER ») and the
# errors (« 'abc' n'est pas un entier valide. »). Paths are named through the table above.
_TYPE_NAMES = {"STRING": "texte", "INT": "entier", "FLOAT": "nombre", "BOOL": "booléen"}
_TYPE_CLASS_NAMES = {"IntRange": "entier", "FloatRange": "nombre", "DateTime": "date", "Choice": "choix",
                     "File": "fichier"}
SUBCOMMAND_METAVAR = "COMMANDE [ARGUMENTS]..."

_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")


def gettext_fr(message: str) -> str:
    return _SINGULAR.get(message, message)


def ngettext_fr(singular: str, plural: str, n: int) -> str:
    one, many = _PLURAL.get(singular, (singular, plural))
    return one if n == 1 else many


def install() -> None:
    """Make click speak French (idempotent)."""
    for name in _MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = gettext_fr
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext_fr
    types = importlib.import_module("click.types")
    for name, french in _TYPE_NAMES.items():
        if hasattr(types, name):
            getattr(types, name).name = french
    for name, french in _TYPE_CLASS_NAMES.items():
        if hasattr(types, name):
            getattr(types, name).name = french
