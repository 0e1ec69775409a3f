"""Booking verification codes through the hall's SMS gateway (server.booking's VerificationSender).

A code is sent at once, in the request that asked for it, not through the outbox: it is only
useful for a few minutes and the page tells the citizen to try again when the gateway fails
(server.booking.routes answers 503 ``send_failed``). The code is never logged by this module.
"""

from __future__ import annotations

from hall.sms import SmsSettings, render
from server.notify.gateways import GatewayError, Sms, SmsGateway

DEFAULT_SIGN = "政务服务大厅"


class GatewayVerificationSender:
    def __init__(self, gateway: SmsGateway, settings: SmsSettings) -> None:
        self.gateway, self.settings = gateway, settings

    def send(self, phone: str, code: str, minutes: int) -> None:
        params = {"code": code, "minutes": str(minutes)}
        sign = self.settings.sign or DEFAULT_SIGN
        sms = Sms(
            phone=phone,
            text=render(self.settings, "verify", sign, params),
            kind="verify",
            request_id="",  # every code is new: nothing for the provider to drop
            template=self.settings.provider_templates.get("verify", ""),
            params={**params, "hall": sign},
            sign=sign,
        )
        try:
            self.gateway.send(sms)
        except GatewayError as error:
            raise RuntimeError(f"短信网关未能发送验证码 / the gateway did not take the code: {error}") from None
