-- expire: return tickets whose lease ran out to their queues.
-- KEYS[1] base..'leases'; ARGV: 1 base, 2 now ms, 3 now RFC 3339, 4 limit.
return expire_leases(ARGV[2], ARGV[3], tonumber(ARGV[4]))
