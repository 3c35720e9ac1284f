"""Check real answers of the API against the OpenAPI document it serves."""

import json
import re

import jsonschema_rs
from django.test import Client


def served_document() -> dict:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


class Contract:
    """The served OpenAPI document, and which operations real answers were checked for."""

    def __init__(self, document: dict):
        self.document = document
        self.checked: set[tuple[str, str]] = set()
        self._validators = {}

    def operations(self) -> set[tuple[str, str]]:
        return {
            (method.upper(), path)
            for path, item in self.document["paths"].items()
            for method in item
            if method in {"get", "post", "put", "patch", "delete"}
        }

    def resolve(self, node: dict) -> dict:
        while "$ref" in node and len(node) == 1:
            *_, section, name = node["$ref"].split("/")
            node = self.document["components"][section][name]
        return node

    def validator(self, schema: dict):
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            root = {**schema, "components": self.document["components"]}
            self._validators[key] = jsonschema_rs.Draft202012Validator(root)
        return self._validators[key]

    def check(self, method: str, template: str, response) -> None:
        """Assert that `response` is one the document promises for this operation."""
        method = method.upper()
        where = f"{method} {template} → {response.status_code}"
        operation = self.document["paths"][template][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], f"{where} is not documented: {response.content!r}"
        spec = self.resolve(operation["responses"][status])
        content = spec.get("content")
        if content:
            media_type = response["Content-Type"].split(";")[0].strip()
            assert media_type in content, f"{where}: {media_type} not documented"
            body = json.loads(response.content)
            errors = [
                f"{'/'.join(map(str, e.instance_path))}: {e.message}"
                for e in self.validator(content[media_type]["schema"]).iter_errors(body)
            ]
            assert errors == [], f"{where}: body does not match the schema: {errors}"
        else:
            assert response.content == b"", f"{where}: undocumented body {response.content!r}"
        for name, header in spec.get("headers", {}).items():
            if header.get("required"):
                assert response.has_header(name), f"{where}: header {name} missing"
            if response.has_header(name):
                value = response[name]
                if header["schema"].get("type") == "integer":
                    assert re.fullmatch(r"[0-9]+", value), f"{where}: {name}: {value!r}"
                    value = int(value)
                errors = list(self.validator(header["schema"]).iter_errors(value))
                assert errors == [], f"{where}: header {name}: {value!r}"
        self.checked.add((method, template))
