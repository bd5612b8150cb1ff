"""How the app reads a JSON request body: like Flask's default, but a body nested deeper than any payload
we define is refused with a 422 and a plain reason, before any code walks it. Without the limit a body of
a few thousand `[` ends in a RecursionError (a 500) inside the parser, or later in json.dumps."""

from flask.json.provider import DefaultJSONProvider

from pos.core.errors import ValidationError

MAX_JSON_DEPTH = 32  # our deepest payload (a sale's lines, each an object) is 3 levels deep


def json_depth(value) -> int:
    """How many arrays/objects deep `value` goes, counted without recursion; stops once past the limit."""
    if not isinstance(value, (dict, list)):
        return 0
    deepest, containers = 0, [(value, 1)]
    while containers:
        container, level = containers.pop()
        if level > deepest:
            deepest = level
            if deepest > MAX_JSON_DEPTH:
                break
        children = container.values() if isinstance(container, dict) else container
        containers.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            value = None
        else:
            if json_depth(value) <= MAX_JSON_DEPTH:
                return value
        raise ValidationError(
            "The JSON body is nested more than %(limit)d levels deep.",
            limit=MAX_JSON_DEPTH,
            fields={"body": "nested too deeply"},
            code="too_deeply_nested",
        )
