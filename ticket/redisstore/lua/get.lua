-- get: a ticket's fields, messages, events and customer, in one round trip.
-- KEYS[1] the ticket's key; ARGV: 1 base.
-- Returns {fields, messages, events, customer fields}, or false.
return read_ticket(KEYS[1])
