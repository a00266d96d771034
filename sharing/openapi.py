"""OpenAPI links of a request's lifecycle (drf-spectacular postprocessing hook).

Every answer that carries a request (its creation, its reading, each action on it) links to
every operation on that request, with the reference taken from the answer's body: a client, or
Schemathesis's stateful phase, follows them from a new draft through its whole lifecycle
instead of guessing references.
"""

REQUEST_PATH = "/api/v1/requests/{reference}/"
REFERENCE = "$response.body#/reference"


def _component(schema: dict, response: dict) -> dict:
    content = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = content.get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        return {}
    return schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})


def _link_name(path: str, method: str) -> str:
    """ "acknowledge", "notes (post)", "request": unique among a request's operations."""
    rest = path.removeprefix(REQUEST_PATH).strip("/") or "request"
    if rest.count("{"):
        return ""
    return rest if method in {"post", "patch"} and rest != "request" else f"{rest} ({method})"


def link_request_lifecycle(result, generator, request, public):
    """Adds `links` to every 200/201 answer whose body is a request (it has a `reference`)."""
    paths = result.get("paths", {})
    targets = {}
    for path, operations in paths.items():
        if not path.startswith(REQUEST_PATH):
            continue
        for method, operation in operations.items():
            name = _link_name(path, method)
            if name and isinstance(operation, dict) and "operationId" in operation:
                targets[name] = operation["operationId"]
    links = {
        name: {"operationId": operation_id, "parameters": {"reference": REFERENCE}}
        for name, operation_id in sorted(targets.items())
    }
    for path, operations in paths.items():
        if not path.startswith("/api/v1/requests/"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for code in ("200", "201"):
                response = operation.get("responses", {}).get(code)
                if response and "reference" in _component(result, response).get("properties", {}):
                    response["links"] = links
    return result
