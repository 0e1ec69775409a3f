"""Text messages (短信) leaving the hall: the gateways (chosen by URL) and the sender loop that
drains the outbox of db.notifications. See hall.sms for what is sent and when."""
