from domain.notifications.delivery import Channel, Delivery, DeliveryStatus, RetrySchedule

__all__ = ["Channel", "Delivery", "DeliveryStatus", "RetrySchedule"]
