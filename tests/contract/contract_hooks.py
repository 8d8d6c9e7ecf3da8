"""make contract: the hooks schemathesis loads (see schemathesis.toml).

Each hook keeps a generated request inside what the document cannot say, and each is
listed with its reason in docs/api.md ("The OpenAPI document"). Schemathesis checks the
request again after a hook, so a request a hook changes is judged as it was sent.
"""

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from xml.etree import ElementTree

import schemathesis

# A client the key may act for; the all-clients key of the run must name one.
CLIENT = "contract"
CURSOR = re.compile(r"^[A-Za-z0-9_-]+\Z")
TIMESTAMP = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,7}))?"
    r"(?:([Zz])|([+-])(\d\d):?(\d\d))?\Z"
)
AMOUNT_FIELDS = {"quantity", "price"}


def instant(text):
    """The UTC instant of a timestamp as the service reads it, or None."""
    match = TIMESTAMP.match(text) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, _, sign, oh, om = match.groups()
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                         int((fraction or "0").ljust(6, "0")[:6]))
    except ValueError:
        return None
    offset = 0 if not sign else (1 if sign == "+" else -1) * (int(oh) * 60 + int(om))
    return local.replace(tzinfo=timezone(timedelta(minutes=offset)))


def as_sent(event, text_format, form):
    """An event as a client of the contract sends it.

    A JSON number has binary digits, the contract counts decimal ones (at most 10), so
    amounts are rounded to 10 places. XML and form values are text: there a number is
    written as a decimal with no exponent (as .NET writes a decimal), and a null is left
    out, which is what null means in the contract (schemathesis writes the text "null").
    In a form an empty value means absent too, as ASP.NET binds it.
    """
    if not isinstance(event, dict):
        return
    for name in AMOUNT_FIELDS:
        value = event.get(name)
        if isinstance(value, float):
            value = round(value, 10)
            event[name] = format(Decimal(repr(value)), "f") if text_format else value
    if text_format:
        absent = [None, ""] if form else [None]
        for name in [name for name, value in event.items() if value in absent]:
            del event[name]


@schemathesis.hook
def before_call(context, case, kwargs):
    operation = case.operation.definition.raw.get("operationId")
    if operation in ("post_billing_event", "post_batch", "change_status") and case.media_type:
        text_format = "json" not in case.media_type
        form = "form" in case.media_type
        events = case.body if isinstance(case.body, list) else [case.body]
        for event in events:
            as_sent(event, text_format, form)
    if operation in ("list_billing_events", "summarize_billing_events") and isinstance(case.query, dict):
        case.query.setdefault("clientName", CLIENT)
        cursor = case.query.get("cursor")
        if isinstance(cursor, str) and CURSOR.match(cursor):
            # Only a cursor the service gave out is one; links bring those.
            del case.query["cursor"]
        start, end = instant(case.query.get("from")), instant(case.query.get("to"))
        if start and end and end < start:
            case.query["from"], case.query["to"] = case.query["to"], case.query["from"]


XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def resolve(schema, document):
    """`schema` with its `$ref` followed and a nullable choice reduced to its value."""
    while isinstance(schema, dict) and "$ref" in schema:
        target = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    if isinstance(schema, dict) and "allOf" in schema:
        merged = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(resolve(part, document).get("properties", {}))
        return merged
    for choice in ("anyOf", "oneOf"):
        branches = schema.get(choice) if isinstance(schema, dict) else None
        if branches:
            kept = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            return resolve(kept[0] if kept else branches[0], document)
    return schema if isinstance(schema, dict) else {}


def kind(schema):
    declared = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), "null")
    return declared


def local(tag):
    return tag.rsplit("}", 1)[-1]


def from_xml(element, schema, document):
    """The JSON value `element` stands for, read by the schema of that JSON value: an
    object's members are its children (named in any case), an array's items are its
    children, a number or integer is its text read as one."""
    schema = resolve(schema, document)
    if element.get(XSI_NIL) == "true":
        return None
    declared = kind(schema)
    if declared == "object":
        properties = {name.lower(): (name, sub) for name, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", {})
        value = {}
        for child in element:
            name = local(child.tag)
            name, sub = properties.get(name.lower(), (name[:1].lower() + name[1:], extra))
            value[name] = from_xml(child, sub, document)
        return value
    if declared == "array":
        return [from_xml(child, schema.get("items", {}), document) for child in element]
    text = element.text or ""
    try:
        if declared == "integer":
            return int(text)
        if declared == "number":
            return float(text)
    except ValueError:
        return text
    if declared == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


@schemathesis.deserializer("application/xml", "text/xml")
def xml_answer(ctx, response):
    """An XML answer as the JSON value it stands for, read by the document's schema for
    it: the same checks then judge XML answers as JSON ones, and links follow them."""
    document = ctx.operation.schema.raw_schema
    responses = ctx.operation.definition.raw.get("responses", {})
    answer = responses.get(str(response.status_code), responses.get("default", {}))
    media_type = response.headers.get("content-type", [""])
    media_type = (media_type[0] if isinstance(media_type, list) else media_type).split(";")[0].strip()
    schema = answer.get("content", {}).get(media_type, {}).get("schema", {})
    return from_xml(ElementTree.fromstring(response.content), schema, document)
