"""Codes of reading the file (E0xx) and of its structure against the JSON Schema (E1xx)."""

from __future__ import annotations

from drgen.codes.entry import Code

CODES: list[Code] = [
    # Reading the file
    Code("E001", "file cannot be read", "The blueprint file does not exist, is not a regular file (a directory, "
         "a device, a pipe), cannot be opened, is larger than 1 MiB (drgen reads no more: a blueprint is a few "
         "KB), or is not UTF-8 text (reported at the line and column of the first byte that is not). "
         "`drgen` exits 2 for it, as for any file it cannot read, not 1 as for an invalid blueprint."),
    Code("E002", "YAML syntax error", "The text is not valid YAML. The position is where the parser gave up."),
    Code("E003", "duplicate key", "A mapping has the same key twice; YAML parsers silently keep the last one, "
         "drgen refuses both."),
    Code("E004", "not a mapping", "The document must be a YAML mapping (key: value lines) at the top level."),
    Code("E005", "YAML feature not allowed", "Anchors, aliases, tags and multiple documents are not allowed "
         "in a blueprint: what you read must be what drgen reads."),
    Code("E007", "character not allowed", "The text holds a character a blueprint cannot carry: a lone "
         "surrogate (half of a character, e.g. from a `\\udc80` escape: not Unicode text, it cannot be written "
         "as UTF-8) or a control character (other than tab and line breaks), usually written as an escape in a "
         "double-quoted string. Write the character meant, or remove it."),
    Code("E008", "number not allowed", "The number cannot be carried into JSON and CloudFormation: infinity or "
         "NaN (`.inf`, `.nan`, or a number too large to be finite such as `1e999`), or an integer beyond 64 "
         "bits. Quote it if you mean the text."),
    # Structure
    Code("E101", "unknown key", "The key is not part of the blueprint language; it is an error, not ignored. "
         "A did-you-mean names the closest known key."),
    Code("E102", "missing required key", "A key the language requires is absent."),
    Code("E103", "wrong type", "The value is not of the type the key takes (string, integer, boolean, list, "
         "mapping). YAML 1.1 spellings such as `yes`, `no`, `on` and `off` are strings in a blueprint: "
         "write `true` or `false`."),
    Code("E104", "value not allowed", "The value is not one of the values the key allows."),
    Code("E105", "value does not match its pattern", "The value does not have the form the key requires "
         "(a name, a duration, a CIDR, an e-mail address, ...)."),
    Code("E106", "value out of range", "A number is below the minimum or above the maximum the key allows.",
         source="Where the bound is AWS's, the key's description in docs/reference.md names the AWS document "
                "(Lambda memory, SQS event source batch size, Aurora capacity and instances, SQS maxReceiveCount, "
                "Route 53 failure threshold, CloudWatch evaluation periods); the others are drgen's"),
    Code("E107", "wrong number of items", "A list has fewer or more items than the key allows, or repeats one."),
    Code("E108", "conflicting or incomplete keys", "Keys that exclude each other are both present, or a key that "
         "another requires is absent."),
    Code("E109", "nesting too deep", "Lists and mappings nest more than 64 levels deep. The blueprint language "
         "nests a few levels; drgen stops reading the nested value where the limit is crossed, so that no input "
         "can exhaust it."),
    Code("E110", "key not overridable by an environment", "An environment (under `environments`) overrides a key "
         "an environment may not change: environments differ in size, regions, objectives and who is told, not "
         "in the system's shape, so that a drill in staging rehearses what prod runs. The message lists the keys "
         "that may be overridden there (docs/environments.md)."),
    Code("E111", "override names no item of the base", "An environment's override of a named list (databases, "
         "tables, buckets, queues, functions, alarms) names the item it changes with `name`, and that name must "
         "be an item of the base blueprint: an environment changes the base's items, it neither adds nor "
         "removes one."),
    Code("E112", "environment and environments conflict", "A blueprint names its one environment (`environment`) "
         "or declares several (`environments`, one chosen with `--env`), not both; and an `environments` "
         "section declares at least one environment."),
]
