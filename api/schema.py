"""The error responses every operation can give, added to the OpenAPI schema in one place."""

ERROR_COMPONENT = {
    "type": "object",
    "description": "The one error shape of the API.",
    "properties": {
        "code": {"type": "string", "description": "Machine-readable code, such as invalid, not_found, permission_denied."},
        "message": {"type": "string", "description": "What went wrong, in the request's language (Accept-Language: zh-hans or en)."},
        "fields": {
            "type": "object",
            "description": "Messages by field; nested fields are dotted, whole-object errors are under non_field_errors.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message", "fields"],
}

_DESCRIPTIONS = {
    "400": "The request is malformed or a field is not valid.",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object within your scope (another county's object answers 404 too).",
    "409": "The request conflicts with the stored state.",
    "413": "The request is too large: its data (files aside) is over 2.5 MB (DATA_UPLOAD_MAX_MEMORY_SIZE), it has too many "
           "fields or files, or its upload is over the upload's limit.",
    "415": "The request body's Content-Type is not one this operation reads.",
    "422": "Well-formed, but a business rule refuses it.",
    "429": "Too many failed sign-ins for this account or from this address; try again after Retry-After seconds.",
}
_PUBLIC = ("/api/v1/auth/",)
# Sign-in is throttled per account and per address (specialists/access/throttle.py).
_SIGN_IN = "/api/v1/auth/token/"
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds until the next attempt is allowed.", "schema": {"type": "integer"}},
}


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: every operation lists the error responses it can give, in one shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400"]
            if path.startswith(_PUBLIC):
                codes.append("401")
                if path == _SIGN_IN and method == "post":
                    codes.append("429")
            else:
                codes += ["401", "403"]
                # Lists answer 404 for a page past the end; details for an object outside scope.
                if method in ("get", "post", "put", "patch", "delete"):
                    codes.append("404")
                if method in ("post", "put", "patch"):
                    codes += ["409", "422"]
            if method in ("post", "put", "patch"):
                # Whatever the operation reads: a body is parsed when first read, by the view or by
                # SessionAuthentication's CSRF check (which reads the body of any POST), so a body too
                # large to read (api/exceptions.py) or of a type no parser takes can meet any write.
                codes += ["413", "415"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": _DESCRIPTIONS[code], **ref})
            if "429" in codes:
                responses["429"].setdefault("headers", _RETRY_AFTER)
    return result
