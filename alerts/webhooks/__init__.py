"""Outbound webhooks: subscribers (alerts/webhooks/registry.py) receive signed JSON
events (alerts/webhooks/events.py) through the durable outbox, delivered by
alerts/notifiers/webhook.py."""
