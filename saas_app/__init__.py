"""Cobro: collect payments over WhatsApp."""
