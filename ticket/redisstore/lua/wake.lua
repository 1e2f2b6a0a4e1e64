-- wake: put the tickets whose snooze or call-back time has come at the head
-- of their queues (wake_due in the prelude).
-- KEYS[1] base..'wakes'; ARGV: 1 base, 2 now ms, 3 now RFC 3339, 4 limit.
-- Returns how many it took off the wake index.
return wake_due(ARGV[2], ARGV[3], tonumber(ARGV[4]))
