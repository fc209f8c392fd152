"""The Lambda code drgen ships: each folder is one function, packaged into a deterministic zip.

Each is Python 3.12 with boto3 at most (the JWT authorizer needs only the standard library), reads its
configuration from the ``DRGEN_CONFIG`` environment variable (JSON written by synthesis), and is tested
against moto or, for the authorizer, against tokens signed with real keys.
"""
