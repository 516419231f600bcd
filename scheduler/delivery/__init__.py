"""Getting alerts to the units: transports (SMTP, webhook, outbox file) and the delivery loop."""
