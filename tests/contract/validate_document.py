"""make contract, before schemathesis: the document itself is strictly valid.

- openapi-spec-validator: OpenAPI 3.1 and its JSON Schema dialect;
- every `pattern` compiles as an ECMA-262 regular expression (regress, the engine of
  Rust's `regress` crate), the dialect OpenAPI names, not merely as a Python one;
- no two path templates differ only in their parameter names, which OpenAPI forbids and
  the validator does not check.

Usage: validate_document.py URL
"""

import json
import re
import sys
import urllib.request

import regress
from openapi_spec_validator import validate


def patterns(value, at="#"):
    if isinstance(value, dict):
        for key, member in value.items():
            if key == "pattern" and isinstance(member, str):
                yield at, member
            else:
                yield from patterns(member, f"{at}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from patterns(item, f"{at}/{index}")


def main(url):
    with urllib.request.urlopen(url) as response:
        document = json.load(response)
    validate(document)
    problems = []
    for at, pattern in patterns(document):
        try:
            regress.Regex(pattern, "u")
        except Exception as error:  # regress raises its own error type per failure
            problems.append(f"{at}: not an ECMA-262 pattern ({error}): {pattern}")
    shapes = {}
    for path in document["paths"]:
        shape = re.sub(r"\{[^}]*\}", "{}", path)
        if shape in shapes:
            problems.append(f"{path} and {shapes[shape]} are the same template")
        shapes[shape] = path
    for problem in problems:
        print(f"!! {problem}")
    if problems:
        sys.exit(1)
    count = sum(1 for _ in patterns(document))
    print(f">> the document is valid OpenAPI {document['openapi']}; {count} patterns are ECMA-262")


if __name__ == "__main__":
    main(sys.argv[1])
