-- Search index helpers, joined to every script after the prelude (see
-- docs/redis-keys.md, "Search index"). The index is ticket-level: for each
-- term (a folded word, cut and folded in Go, package internal/terms) the
-- tickets that contain it. Terms are numbered once (search:dict:XX, XX the
-- term's first two bytes, so a prefix's terms are one HGETALL); a term's
-- tickets are one string of 4-byte big-endian ticket numbers
-- (search:post:N), and each ticket keeps the numbers of its terms the same
-- way (search:ticket:ID), to add only new ones and to drop or move them.
-- Every key is a desk key: the scripts that store messages keep the index in
-- the same atomic step, on one node or one cluster slot.

-- search_u32 packs a number into 4 big-endian bytes.
local function search_u32(n)
  n = tonumber(n)
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
end

-- search_num reads the 4-byte number at position i of s.
local function search_num(s, i)
  local a, b, c, d = string.byte(s, i, i + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

-- search_find returns the position of the 4-byte entry e in list s (an
-- entry, not a match across two), or nil.
local function search_find(s, e)
  local i = 1
  while true do
    local p = string.find(s, e, i, true)
    if not p then return nil end
    if (p - 1) % 4 == 0 then return p end
    i = p + 1
  end
end

local function search_post_key(n) return base .. 'search:post:' .. n end
local function search_dict_key(term) return base .. 'search:dict:' .. string.sub(term, 1, 2) end

-- search_add lists ticket tid under the terms numbered in nums (4-byte
-- entries) that it does not have yet; list is its current term list.
local function search_add(tid, list, nums)
  local have, add = {}, {}
  -- A short message on a long ticket (a reply on a thread of many mails)
  -- looks its few terms up in the list; only many terms pay for a table of
  -- the whole list.
  local few = #nums <= 32
  if not few then
    for i = 1, #list, 4 do have[string.sub(list, i, i + 3)] = true end
  end
  local tb = search_u32(tid)
  for _, e in ipairs(nums) do
    if not have[e] and not (few and search_find(list, e)) then
      have[e] = true
      table.insert(add, e)
      local pk = search_post_key(search_num(e, 1))
      -- A short posting is written whole, at its size; a long one grows by
      -- APPEND, which keeps room for growth (at most its own size).
      local p = redis.call('GETRANGE', pk, 0, 255)
      if #p < 256 then
        redis.call('SET', pk, p .. tb)
      else
        redis.call('APPEND', pk, tb)
      end
    end
  end
  if #add > 0 then
    -- SET, not APPEND: the list is written at its size, without the room
    -- APPEND keeps for growth.
    redis.call('SET', base .. 'search:ticket:' .. tid, list .. table.concat(add))
  end
end

-- search_index adds the terms of a message (a JSON list of folded terms, or
-- '' for none) to ticket tid's entry in the index, numbering new terms.
-- A ticket's terms are capped at SEARCH_MAX_TERMS: a thread fed ever more
-- distinct words (a hostile sender, a mail loop) keeps its first ones
-- findable, and the work of an append, a merge or an erasure stays bounded
-- (a term list of at most 200 KB). Terms past the cap are not numbered
-- either, so the dictionary holds no word that no ticket lists (erasure
-- would never find it).
local SEARCH_MAX_TERMS = 50000

local function search_index(tid, terms_json)
  if not terms_json or terms_json == '' or terms_json == '[]' then return end
  local list = redis.call('GET', base .. 'search:ticket:' .. tid) or ''
  local room = SEARCH_MAX_TERMS - #list / 4
  if room <= 0 then return end
  local nums = {}
  for _, term in ipairs(cjson.decode(terms_json)) do
    if #nums >= room then break end
    local dk = search_dict_key(term)
    local n = redis.call('HGET', dk, term)
    if not n then
      n = redis.call('INCR', base .. 'search:seq')
      redis.call('HSET', dk, term, n)
    end
    table.insert(nums, search_u32(n))
  end
  search_add(tid, list, nums)
end

-- search_unlist takes ticket tid out of the posting of each term in its term
-- list; a posting left empty is deleted. It returns the numbers of the terms
-- whose posting is now empty.
local function search_unlist(tid, list)
  local tb, empty = search_u32(tid), {}
  for i = 1, #list, 4 do
    local n = search_num(list, i)
    local pk = search_post_key(n)
    local p = redis.call('GET', pk)
    if p then
      local at = search_find(p, tb)
      if at then
        if #p == 4 then
          redis.call('DEL', pk)
          empty[tostring(n)] = true
        else
          redis.call('SET', pk, string.sub(p, 1, at - 1) .. string.sub(p, at + 4))
        end
      end
    end
  end
  return empty
end

-- search_drop removes ticket tid from the index: every posting and its term
-- list. terms, when given (a Lua list of the ticket's folded terms, as Go
-- cuts them from its text), are also forgotten from the term dictionary
-- where no other ticket has them: what erasing a customer needs, so that
-- their name is nowhere in the index. Retention and erasure call this (or
-- Store.DropSearch) before they delete a ticket.
local function search_drop(tid, terms)
  local lk = base .. 'search:ticket:' .. tid
  local list = redis.call('GET', lk)
  if not list then return end
  local empty = search_unlist(tid, list)
  redis.call('DEL', lk)
  for _, term in ipairs(terms or {}) do
    local dk = search_dict_key(term)
    local n = redis.call('HGET', dk, term)
    if n and empty[tostring(n)] then redis.call('HDEL', dk, term) end
  end
end

-- search_merge moves ticket src's terms onto ticket into, as merge.lua
-- moves its messages: into gains the terms it lacks, src leaves the index.
local function search_merge(src, into)
  local lk = base .. 'search:ticket:' .. src
  local list = redis.call('GET', lk)
  if not list then return end
  local nums = {}
  for i = 1, #list, 4 do table.insert(nums, string.sub(list, i, i + 3)) end
  search_add(into, redis.call('GET', base .. 'search:ticket:' .. into) or '', nums)
  search_unlist(src, list)
  redis.call('DEL', lk)
end
