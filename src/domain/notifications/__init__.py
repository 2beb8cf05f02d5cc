from domain.notifications.delivery import Channel, Delivery, DeliveryStatus, RetrySchedule
from domain.notifications.webhook import WebhookEndpoint

__all__ = ["Channel", "Delivery", "DeliveryStatus", "RetrySchedule", "WebhookEndpoint"]
