"""`cobro worker`: the process that sends due messages to WhatsApp (see worker.dispatcher)."""
