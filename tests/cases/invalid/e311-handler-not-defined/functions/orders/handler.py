"""Order handler for the golden cases."""


def handler(event, context):
    return {"ok": True}
