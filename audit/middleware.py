"""Binds the request's origin (IP, user agent, request id) for audit_record, each reduced to a
safe shape first: the audit log can never be edited. The records a request makes in
autocommit are sent without waiting and settled here, before the answer leaves
(audit.services.answer_waits)."""

from django.conf import settings

from . import context, services


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        request_context = context.RequestContext(
            ip=context.client_ip(
                remote_addr=meta.get("REMOTE_ADDR", ""),
                forwarded_for=meta.get("HTTP_X_FORWARDED_FOR", ""),
                trusted_proxies=getattr(settings, "AUDIT_TRUSTED_PROXY_COUNT", 0),
            ),
            user_agent=context.reduce_user_agent(meta.get("HTTP_USER_AGENT", "")),
            request_id=context.request_id_from(
                meta.get("HTTP_X_REQUEST_ID"),
                from_proxy=settings.AUDIT_REQUEST_ID_FROM_PROXY,
            ),
        )
        request.request_id = request_context.request_id
        waits = services.answer_waits.set(True)
        try:
            with context.bound(request_context):
                response = self.get_response(request)
        finally:
            services.answer_waits.reset(waits)
            # Nothing leaves before the access records it made are committed.
            services.settle_records()
        response["X-Request-ID"] = request_context.request_id
        return response
