"""Fixture: the module this case's blueprint names as a handler; validation checks that it exists."""


def handler(event, context):
    return {"batchItemFailures": []}
