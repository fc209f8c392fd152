"""The Lambda code drgen ships: each folder is one function, packaged into a deterministic zip.

Each is Python 3.12 with boto3 only, reads its configuration from the ``DRGEN_CONFIG`` environment
variable (JSON written by synthesis), and is tested against moto.
"""
