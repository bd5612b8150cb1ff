"""Why an inventory form was refused, in the manager's language.

A form's problems are gathered as Texts under the keys the API has always used (`line 2 quantity`,
`to_showroom`, `date_from`). The refusal is a ValidationError: its message lists them with each field named
in words, `fields` keeps them in English (for the API and the logs) and `field_texts` keeps them as Texts
(pos.core.errors.DomainError), so a form page shows them in the request's language (`form_problems`)."""

from pos.core.errors import Text

FIELD_NAMES = {
    "sku": Text("product code"),
    "note": Text("note"),
    "quantity": Text("quantity"),
    "unit_cost": Text("unit cost"),
    "production_date": Text("production date"),
    "expiry_date": Text("expiry date"),
    "lot_code": Text("lot code"),
    "ownership": Text("ownership"),
    "commission_rate": Text("commission rate"),
    "lines": Text("lines"),
    "producer_id": Text("producer"),
    "to_showroom": Text("receiving showroom"),
    "from_showroom": Text("sending showroom"),
    "their_number": Text("sender's transfer number"),
    "date_from": Text("start date"),
    "date_to": Text("end date"),
    "date": Text("date"),
    "period": Text("period"),
    "revenue": Text("revenue"),
}


def field_name(key: str):
    """`line 2 quantity` → "line 2, quantity" in words; a key without a name stays as it is."""
    line, _, field = key.partition(" ")[2].partition(" ") if key.startswith("line ") else ("", "", key)
    name = FIELD_NAMES.get(field, field)
    if line.isdigit():
        return Text("line %(line)d, %(field)s", line=int(line), field=name)
    return name


def form_problems(error) -> dict:
    """What a form page lists for a refused document: each field named in words with its problem, in the
    request's language; the message alone when the error names no field."""
    if not error.field_texts:
        return {str(Text("Error")): error.message}
    return {str(field_name(k)): str(v) for k, v in error.field_texts.items()}


def marked_fields(error) -> dict:
    """Each refused field under the name its input has on the form (`line 2 quantity` → `quantity_1`, rows
    numbered from 0), with its problem in the request's language: the form marks every bad field at once."""
    marked = {}
    for key, problem in error.field_texts.items():
        if key.startswith("line "):
            line, _, field = key[5:].partition(" ")
            if line.isdigit() and field:
                marked[f"{field}_{int(line) - 1}"] = str(problem)
                continue
        marked[key] = str(problem)
    return marked
