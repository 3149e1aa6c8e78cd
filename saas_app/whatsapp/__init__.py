"""The WhatsApp Business Platform (Cloud API): webhooks, and later the client and the simulator."""
