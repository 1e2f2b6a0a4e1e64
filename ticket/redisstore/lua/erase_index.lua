-- erase_index: the hook through which erasing a ticket (erase.lua) also
-- takes it out of indexes kept by other parts of frontdesk. The search index
-- fills erase_ticket_index in at merge time: it must remove every entry that
-- names ticket id or holds words of its subject, messages or transcripts.
-- It runs inside erase.lua after its reads and checks, so it must not fail,
-- and it may only touch keys under base (the desk's hash slot).
local function erase_ticket_index(id)
end
