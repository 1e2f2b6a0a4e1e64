-- search_drop: take a ticket out of the search index (search_drop in
-- search.lua), and optionally index it anew.
-- KEYS[1] base..'search:ticket:'..ID
-- ARGV: 1 base, 2 ticket id, 3 JSON list of the ticket's folded terms, which
-- are forgotten from the term dictionary where no other ticket has them,
-- 4 '1' to index the ticket anew under those terms (IndexTicket), else ''.
-- Returns 1.
local tid = ARGV[2]
if ARGV[4] == '1' then
  search_drop(tid, {})
  search_index(tid, ARGV[3])
else
  search_drop(tid, cjson.decode(ARGV[3]))
end
return 1
